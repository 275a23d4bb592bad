/**
 * The region deployable as a real process against a real nats-server and a
 * real Postgres: it becomes ready, `/readyz` follows NATS going away and
 * coming back, and a bad site file stops the launch naming file and field.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  createTestDatabase,
  makeTestRunDir,
  type RegionProcess,
  startRegionProcess,
  startTestNats,
  type TestDatabase,
  type TestNats,
  type TestRunDir
} from "@logimesh/testkit"
import { repoRoot, waitFor } from "@logimesh/topology"
import { withApiKeyStore } from "../src/auth/ApiKeyAdmin.ts"

interface Readyz {
  readonly status: number
  readonly body: { status: string; region: string; sites: Array<string>; checks: Record<string, { ok: boolean; detail: string }> }
}

const readyz = async (url: string): Promise<Readyz> => {
  const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3_000) })
  return { status: response.status, body: (await response.json()) as Readyz["body"] }
}

let nats: TestNats
let database: TestDatabase
let dir: TestRunDir
const regions: Array<RegionProcess> = []

const startRegion = (env: Record<string, string>): RegionProcess => {
  const region = startRegionProcess(env)
  regions.push(region)
  return region
}

beforeAll(async () => {
  ;[nats, database] = await Promise.all([startTestNats("region"), createTestDatabase("region")])
  dir = makeTestRunDir("region-sites")
  cpSync(join(repoRoot, "sites"), join(dir.path, "sites"), { recursive: true })
})
afterAll(async () => {
  await Promise.all(regions.map((region) => region.kill()))
  await nats?.stop()
  await database?.drop()
  dir?.remove()
})

describe("region process", () => {
  it("becomes ready, reports NATS loss on /readyz, and recovers", async () => {
    const region = startRegion({
      LOGIMESH_REGION: "eu-west",
      LOGIMESH_SITES_DIR: join(dir.path, "sites"),
      NATS_URL: nats.url,
      DATABASE_URL: database.url
    })
    const url = await region.url()
    const ready = await waitFor(
      "region /readyz 200",
      async () => {
        const r = await readyz(url)
        return r.status === 200 ? r : undefined
      },
      { timeoutMs: 30_000 }
    )
    expect(ready.body.region).toBe("eu-west")
    expect(ready.body.sites.sort()).toEqual(["dc-antwerp", "dc-rotterdam"])
    expect(ready.body.checks["nats"]?.ok).toBe(true)
    expect(ready.body.checks["postgres"]?.ok).toBe(true)

    const health = await fetch(`${url}/healthz`)
    expect(health.status).toBe(200)

    // Governance was loaded and migrated: the rejection log answers (empty on a fresh database).
    const operator = await withApiKeyStore(database.url, (store) => store.issue({ system: "LOGIMESH", admin: true }))
    expect((await fetch(`${url}/v1/governance/ownership-rejections`)).status).toBe(401)
    const rejections = await fetch(`${url}/v1/governance/ownership-rejections`, { headers: { authorization: `Bearer ${operator.key}` } })
    expect(rejections.status).toBe(200)
    expect(await rejections.json()).toEqual({ rejections: [] })

    // Every log line is pino JSON carrying the region.
    const firstLine = region
      .output()
      .split("\n")
      .find((line) => line.startsWith("{"))
    expect(JSON.parse(firstLine ?? "{}")).toMatchObject({ service: "region", region: "eu-west" })

    await nats.server.process.kill()
    const down = await waitFor("region /readyz 503", async () => {
      const r = await readyz(url)
      return r.status === 503 ? r : undefined
    })
    expect(down.body.checks["nats"]?.ok).toBe(false)
    expect(down.body.checks["postgres"]?.ok).toBe(true)

    await nats.restart()
    await waitFor("region /readyz 200 again", async () => ((await readyz(url)).status === 200 ? true : undefined), {
      timeoutMs: 30_000
    })
  })

  it("refuses to launch on a bad site file, naming the file and the field", async () => {
    const sites = join(dir.path, "bad-sites")
    cpSync(join(repoRoot, "sites"), sites, { recursive: true })
    const bad = join(sites, "eu-west/dc-antwerp.json")
    writeFileSync(
      bad,
      JSON.stringify({
        id: "dc-antwerp",
        name: "Antwerp cross-dock",
        region: "eu-west",
        timezone: "Europe/Brussels",
        enabled: true,
        inventoryOwner: "SAP"
      })
    )
    const region = startRegion({
      LOGIMESH_REGION: "eu-west",
      LOGIMESH_SITES_DIR: sites,
      NATS_URL: nats.url,
      DATABASE_URL: database.url
    })
    const code = await region.exited
    expect(code).not.toBe(0)
    const message = region.messages().find((msg) => msg.startsWith("region cannot start"))
    expect(message).toContain(bad)
    expect(message).toContain("inventoryOwner")
  })

  it("refuses to launch on a broken auth entry of region.json, naming the field", async () => {
    for (const [label, auth, field] of [
      ["bad-auth-url", { jwt: { issuer: "https://idp", audience: "api", jwksUrl: "ftp://keys" } }, "auth.jwt.jwksUrl"],
      ["bad-auth-keys", { jwt: { issuer: "https://idp", audience: "api" } }, "auth.jwt.jwksUrl"],
      ["bad-auth-alg", { jwt: { issuer: "https://idp", audience: "api", jwksUrl: "https://idp/jwks", algorithms: ["HS256"] } }, "auth.jwt.algorithms"]
    ] as const) {
      const sites = join(dir.path, label)
      cpSync(join(repoRoot, "sites"), sites, { recursive: true })
      const file = join(sites, "eu-west/region.json")
      writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, "utf8")) as object), auth }))
      const region = startRegion({ LOGIMESH_REGION: "eu-west", LOGIMESH_SITES_DIR: sites, NATS_URL: nats.url, DATABASE_URL: database.url })
      expect(await region.exited).not.toBe(0)
      const message = region.messages().find((msg) => msg.startsWith("region cannot start"))
      expect({ label, message }).toEqual({ label, message: expect.stringContaining(field) })
      expect(message).toContain("region.json")
    }
  })

  it("refuses to launch on a broken governance entry, naming the file and the field", async () => {
    const sites = join(dir.path, "bad-governance")
    cpSync(join(repoRoot, "sites"), sites, { recursive: true })
    const ownership = join(sites, "governance/ownership.json")
    const policy = JSON.parse(readFileSync(ownership, "utf8")) as { objects: { PickTask: Record<string, Array<string>> } }
    policy.objects.PickTask["confirm_pick"] = ["FORKLIFT"]
    writeFileSync(ownership, JSON.stringify(policy))
    const region = startRegion({
      LOGIMESH_REGION: "eu-west",
      LOGIMESH_SITES_DIR: sites,
      NATS_URL: nats.url,
      DATABASE_URL: database.url
    })
    expect(await region.exited).not.toBe(0)
    const message = region.messages().find((msg) => msg.startsWith("region cannot start"))
    expect(message).toContain(ownership)
    expect(message).toContain("objects.PickTask.confirm_pick.0")
  })

  it("refuses to launch for a region that is not declared", async () => {
    const region = startRegion({
      LOGIMESH_REGION: "ap-south",
      LOGIMESH_SITES_DIR: join(dir.path, "sites"),
      NATS_URL: nats.url,
      DATABASE_URL: database.url
    })
    expect(await region.exited).not.toBe(0)
    expect(region.messages().find((msg) => msg.startsWith("region cannot start"))).toContain('region "ap-south" is not declared')
  })
})
