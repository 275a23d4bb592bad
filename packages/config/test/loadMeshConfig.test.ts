/**
 * `loadMeshConfig` decodes the files under `sites/` and refuses a bad one,
 * naming the file and every failing field path; the retention horizons get
 * their defaults and are refused when they would let a repeat through.
 */
import { Effect, Exit } from "effect"
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { ConfigFileError, enabledSites, loadMeshConfig, MIN_API_IDEMPOTENCY_HOURS } from "../src/index.ts"

const repoSites = join(import.meta.dirname, "../../../sites")
const dirs: Array<string> = []

const copyOfSites = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "logimesh-sites-"))
  dirs.push(dir)
  cpSync(repoSites, dir, { recursive: true })
  return dir
}

const writeJson = (file: string, value: unknown) => writeFileSync(file, JSON.stringify(value, null, 2))

const siteFile = (overrides: Record<string, unknown>) => ({
  id: "dc-rotterdam",
  name: "Rotterdam distribution centre",
  region: "eu-west",
  timezone: "Europe/Amsterdam",
  enabled: true,
  inventoryOwner: "WES",
  ...overrides
})

const failure = async (dir: string): Promise<ConfigFileError> => {
  const exit = await Effect.runPromiseExit(loadMeshConfig(dir))
  if (Exit.isSuccess(exit)) throw new Error("expected the mesh config to be refused")
  const error = exit.cause.reasons[0]
  if (error?._tag !== "Fail" || !(error.error instanceof ConfigFileError)) throw new Error(`unexpected ${String(exit)}`)
  return error.error
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe("loadMeshConfig", () => {
  it("loads the repository's sites: one region, two enabled sites", async () => {
    const mesh = await Effect.runPromise(loadMeshConfig(repoSites))
    expect(mesh.regions.map((entry) => entry.region.id)).toEqual(["eu-west"])
    expect(
      enabledSites(mesh)
        .map((site) => site.id)
        .sort()
    ).toEqual(["dc-antwerp", "dc-rotterdam"])
    expect(mesh.settings.maxOutageHours).toBe(72)
  })

  it("names the file and every failing field of a bad site file", async () => {
    const dir = copyOfSites()
    const file = join(dir, "eu-west/dc-rotterdam.json")
    writeJson(file, siteFile({ inventoryOwner: "SAP", timezone: "Mars/Olympus", enabled: "yes" }))
    const error = await failure(dir)
    expect(error.file).toBe(file)
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(["enabled", "inventoryOwner", "timezone"])
    expect(error.message).toContain(file)
    expect(error.message).toContain("inventoryOwner")
  })

  it("reports a missing field and an unknown one by path", async () => {
    const dir = copyOfSites()
    const { name: _name, ...withoutName } = siteFile({ dock: "D1" })
    writeJson(join(dir, "eu-west/dc-rotterdam.json"), withoutName)
    const error = await failure(dir)
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(["dock", "name"])
  })

  it("refuses malformed JSON with the parser's message", async () => {
    const dir = copyOfSites()
    const file = join(dir, "eu-west/dc-antwerp.json")
    writeFileSync(file, '{ "id": "dc-antwerp", ')
    const error = await failure(dir)
    expect(error.file).toBe(file)
    expect(error.issues[0]?.message).toMatch(/not valid JSON/)
  })

  it("refuses a site whose region does not match its folder", async () => {
    const dir = copyOfSites()
    writeJson(join(dir, "eu-west/dc-rotterdam.json"), siteFile({ region: "us-east" }))
    const error = await failure(dir)
    expect(error.issues[0]?.path).toBe("region")
  })

  it("refuses a site id that is not its file name, or that takes the hub's domain", async () => {
    const dir = copyOfSites()
    writeJson(join(dir, "eu-west/dc-rotterdam.json"), siteFile({ id: "dc-antwerp" }))
    expect((await failure(dir)).issues[0]?.path).toBe("id")

    const dir2 = copyOfSites()
    writeJson(join(dir2, "eu-west/hub.json"), siteFile({ id: "hub" }))
    const error = await failure(dir2)
    expect(error.issues[0]?.message).toContain("hub")
  })

  it("refuses a site id that cannot be a JetStream domain", async () => {
    const dir = copyOfSites()
    writeJson(join(dir, "eu-west/DC.Rotterdam.json"), siteFile({ id: "DC.Rotterdam" }))
    const error = await failure(dir)
    expect(error.issues[0]?.path).toBe("id")
  })

  it("gives retention and stream limits their defaults when mesh.json leaves them out", async () => {
    const dir = copyOfSites()
    writeJson(join(dir, "mesh.json"), { maxOutageHours: 72, duplicateWindowSeconds: 120 })
    const { settings } = await Effect.runPromise(loadMeshConfig(dir))
    expect({ ...settings.retention }).toEqual({
      inboxHours: 168,
      apiIdempotencyHours: 96,
      outboxSentHours: 168,
      replayedParkedHours: 720,
      ownershipRejectionHours: 2160,
      pruneEveryMinutes: 10
    })
    expect({ ...settings.streamLimits.regionEvents }).toEqual({ maxMessages: 40_000_000, maxMegabytes: 40 * 1024 })
    expect({ ...settings.streamLimits.siteEvents }).toEqual({ maxMessages: 20_000_000, maxMegabytes: 20 * 1024 })
  })

  it("refuses an Idempotency-Key horizon below 72 h, naming the field", async () => {
    const dir = copyOfSites()
    const file = join(dir, "mesh.json")
    writeJson(file, { maxOutageHours: 72, duplicateWindowSeconds: 120, retention: { apiIdempotencyHours: MIN_API_IDEMPOTENCY_HOURS - 24 } })
    const error = await failure(dir)
    expect(error.file).toBe(file)
    expect(error.issues.map((issue) => issue.path)).toEqual(["retention.apiIdempotencyHours"])
    expect(error.message).toContain("72")
  })

  it("refuses horizons shorter than the ones they protect: inbox < idempotency or max_age, outbox < max_age", async () => {
    const dir = copyOfSites()
    writeJson(join(dir, "mesh.json"), {
      maxOutageHours: 120,
      duplicateWindowSeconds: 120,
      retention: { inboxHours: 80, apiIdempotencyHours: 96, outboxSentHours: 100, ownershipRejectionHours: 119 }
    })
    const error = await failure(dir)
    expect(error.issues.map((issue) => issue.path)).toEqual([
      "retention.inboxHours",
      "retention.inboxHours",
      "retention.outboxSentHours",
      "retention.ownershipRejectionHours"
    ])
    expect(error.issues[0]?.message).toContain("apiIdempotencyHours")
    expect(error.issues[1]?.message).toContain("applied twice")
  })

  it("refuses a stream limit that is not a positive integer", async () => {
    const dir = copyOfSites()
    writeJson(join(dir, "mesh.json"), {
      maxOutageHours: 72,
      duplicateWindowSeconds: 120,
      streamLimits: { regionSystems: { maxMessages: 0, maxMegabytes: 1.5 } }
    })
    const error = await failure(dir)
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(["streamLimits.regionSystems.maxMegabytes", "streamLimits.regionSystems.maxMessages"])
  })

  it("keeps a disabled site in its region but out of the enabled list", async () => {
    const dir = copyOfSites()
    writeJson(join(dir, "eu-west/dc-antwerp.json"), { ...siteFile({ id: "dc-antwerp", timezone: "Europe/Brussels" }), enabled: false })
    const mesh = await Effect.runPromise(loadMeshConfig(dir))
    expect(mesh.regions[0]?.sites).toHaveLength(2)
    expect(enabledSites(mesh).map((site) => site.id)).toEqual(["dc-rotterdam"])
  })
})
