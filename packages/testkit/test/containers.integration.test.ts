/**
 * The testcontainers backend: runs only where a Docker engine answers (none
 * does on this machine or in CI, where the process backend is used). This is
 * the one skip the suite allows, and it says why.
 */
import pg from "pg"
import { describe, expect, it } from "vitest"
import { createTestDatabase, dockerAvailable, NO_DOCKER_REASON, startContainerNats, startContainerPostgres } from "../src/index.ts"

const started = Date.now()
const docker = await dockerAvailable()
if (!docker) console.log(`${NO_DOCKER_REASON} (runtime probe answered in ${Date.now() - started} ms)`)

describe("testcontainers backend", () => {
  it("probes the container runtime quickly", () => {
    expect(typeof docker).toBe("boolean")
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it.skipIf(!docker)("runs a JetStream nats-server in a container", async () => {
    const nats = await startContainerNats()
    try {
      const health = await fetch(`${nats.monitorUrl}/healthz?js-enabled-only=true`)
      expect(health.status).toBe(200)
      expect(nats.url).toMatch(/^nats:\/\/.+:\d+$/)
    } finally {
      await nats.stop()
    }
  }, 120_000)

  it.skipIf(!docker)("runs Postgres in a container and creates a test database on it", async () => {
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
  }, 120_000)
})
