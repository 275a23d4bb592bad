/**
 * The testcontainers backend. Selecting it is tested everywhere: without
 * `LOGIMESH_TEST_BACKEND=containers` the process backend is used without
 * asking Docker; with it and no Docker engine the selection fails at once
 * with the probe's reason, never falling back. Running containers needs a
 * Docker engine (none answers on this machine or in CI, where the process
 * backend is used): those tests are the one skip the suite allows, and they
 * say why.
 */
import { ConfigProvider, Effect, Exit } from "effect"
import pg from "pg"
import { describe, expect, it } from "vitest"
import {
  createTestDatabase,
  dockerAvailable,
  type DockerProbe,
  NO_DOCKER_FOR_CONTAINERS,
  NO_DOCKER_REASON,
  probeDocker,
  selectTestBackend,
  startContainerNats,
  startContainerPostgres,
  testBackendConfig
} from "../src/index.ts"

const started = Date.now()
const docker = await dockerAvailable()
const probed = Date.now() - started
if (!docker) console.log(`${NO_DOCKER_REASON} (runtime probe answered in ${probed} ms)`)

const noEngine = (reason: string) => (): Promise<DockerProbe> => Promise.resolve({ available: false, reason })
const engine = (): Promise<DockerProbe> => Promise.resolve({ available: true })

describe("test backend selection", () => {
  it("answers the Docker probe quickly, with a reason when there is no engine", async () => {
    expect(probed).toBeLessThan(10_000)
    const answer = await probeDocker()
    expect(answer.available).toBe(docker)
    if (!answer.available) expect(answer.reason.length).toBeGreaterThan(0)
  })

  it("reads LOGIMESH_TEST_BACKEND: process by default, containers when set, anything else refused", () => {
    const read = (env: Record<string, string>) => Effect.runSyncExit(testBackendConfig.parse(ConfigProvider.fromUnknown(env)))
    expect(read({})).toEqual(Exit.succeed("process"))
    expect(read({ LOGIMESH_TEST_BACKEND: "containers" })).toEqual(Exit.succeed("containers"))
    expect(read({ LOGIMESH_TEST_BACKEND: "process" })).toEqual(Exit.succeed("process"))
    const bad = read({ LOGIMESH_TEST_BACKEND: "docker" })
    expect(Exit.isFailure(bad)).toBe(true)
    if (Exit.isFailure(bad)) expect(String(bad.cause)).toContain("LOGIMESH_TEST_BACKEND")
  })

  it("uses the process backend by default without asking Docker", async () => {
    let asked = 0
    const probe = () => {
      asked += 1
      return engine()
    }
    expect(await selectTestBackend("process", probe)).toBe("process")
    expect(asked).toBe(0)
  })

  it("uses containers when asked and an engine answers", async () => {
    expect(await selectTestBackend("containers", engine)).toBe("containers")
  })

  it("fails fast, naming the setting and the probe's reason, when containers are asked and no engine answers", async () => {
    await expect(selectTestBackend("containers", noEngine("Could not find a working container runtime strategy"))).rejects.toThrow(
      `${NO_DOCKER_FOR_CONTAINERS}: Could not find a working container runtime strategy`
    )
    expect(NO_DOCKER_FOR_CONTAINERS).toBe("LOGIMESH_TEST_BACKEND=containers but no Docker engine answers")
  })

  it.skipIf(docker)("fails with the real probe's reason on this machine (no Docker engine)", async () => {
    const answer = await probeDocker()
    if (answer.available) throw new Error("unreachable: skipped when Docker answers")
    await expect(selectTestBackend("containers")).rejects.toThrow(`${NO_DOCKER_FOR_CONTAINERS}: ${answer.reason}`)
  })
})

describe("testcontainers backend", () => {
  it.skipIf(!docker)(
    "runs a JetStream nats-server in a container",
    async () => {
      const nats = await startContainerNats()
      try {
        const health = await fetch(`${nats.monitorUrl}/healthz?js-enabled-only=true`)
        expect(health.status).toBe(200)
        expect(nats.url).toMatch(/^nats:\/\/.+:\d+$/)
      } finally {
        await nats.stop()
      }
    },
    120_000
  )

  it.skipIf(!docker)(
    "runs Postgres in a container and creates a test database on it",
    async () => {
      const postgres = await startContainerPostgres()
      try {
        const database = await createTestDatabase("container", postgres.adminUrl)
        const client = new pg.Client({ connectionString: database.url })
        await client.connect()
        const result = await client.query<{ one: number }>("SELECT 1 AS one")
        expect(result.rows[0]?.one).toBe(1)
        await client.end()
        await database.drop()
      } finally {
        await postgres.stop()
      }
    },
    120_000
  )
})
