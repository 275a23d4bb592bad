/**
 * The whole local topology for one test file — hub, a WAN proxy and a leaf
 * per site, the region process — the way README command one starts it, on a
 * private copy of `sites/` whose region database is a fresh test database on
 * the machine's Postgres (so files run side by side). `stop()` brings it
 * down and drops the database; a process exit without `stop()` kills what
 * was started. `prepareSites` may change the copied files first (e.g. a
 * lower rate limit in `mesh.json`). `apiKeys` are the keys the topology
 * issued for the region's callers (ERP, DISPATCH, CARRIER, PORTAL, each
 * site's WES, an admin); `regionAuth` puts an `auth` entry into the copied
 * `region.json`.
 */
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import {
  clientUrl,
  isProcessAlive,
  readTopologyState,
  type RegionApiKeys,
  regionApiKeys,
  regionUrl,
  repoRoot,
  type Topology,
  upTopology
} from "@logimesh/topology"
import { createTestDatabase, type TestDatabase } from "./createTestDatabase.ts"
import { makeTestRunDir } from "./testRunDir.ts"
import { definedFields } from "@logimesh/model"

export interface TestTopology {
  readonly topology: Topology
  readonly sitesDir: string
  readonly regionUrl: string
  readonly hubUrl: string
  /** Client URL of each site's leaf. */
  readonly leafUrls: Readonly<Record<string, string>>
  readonly database: TestDatabase
  /** The keys `up` issued for the region's callers (`.logimesh`-style `secrets/api-keys.json` of its state dir). */
  readonly apiKeys: RegionApiKeys
  stop(): Promise<void>
}

/** Points every region of a copied `sites/` at `database` (each region.json names its database), with `auth` when given. */
const useDatabase = (sitesDir: string, database: string, auth: unknown) => {
  for (const entry of readdirSync(sitesDir)) {
    const file = join(sitesDir, entry, "region.json")
    if (!statSync(join(sitesDir, entry)).isDirectory()) continue
    try {
      const region = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>
      writeFileSync(file, `${JSON.stringify({ ...region, database, ...(auth === undefined ? {} : { auth }) }, null, 2)}\n`)
    } catch {
      // not a region folder
    }
  }
}

export interface TestTopologyOptions {
  readonly onProgress?: (line: string) => void
  /** Edits the private copy of `sites/` before anything starts. */
  readonly prepareSites?: (sitesDir: string) => void
  /** An `auth` entry for the copied `region.json`. */
  readonly regionAuth?: unknown
}

export const startTestTopology = async (label: string, options: TestTopologyOptions = {}): Promise<TestTopology> => {
  const runDir = makeTestRunDir(label)
  const sitesDir = join(runDir.path, "sites")
  const stateDir = join(runDir.path, "state")
  cpSync(join(repoRoot, "sites"), sitesDir, { recursive: true })
  const database = await createTestDatabase(label)
  useDatabase(sitesDir, database.name, options.regionAuth)
  options.prepareSites?.(sitesDir)
  const killAll = () => {
    for (const c of readTopologyState(stateDir)?.components ?? []) {
      if (c.pid !== null && isProcessAlive(c.pid, c.startTime ?? undefined)) process.kill(c.pid, "SIGKILL")
    }
  }
  process.once("exit", killAll)
  const topology = await upTopology({
    stateDir,
    sitesDir,
    fresh: true,
    databaseUrl: database.url,
    ...definedFields({ onProgress: options.onProgress })
  })
  const leafUrls: Record<string, string> = {}
  let hubUrl = ""
  let region = ""
  let regionId = ""
  for (const c of topology.state.components) {
    if (c.kind === "nats-hub") hubUrl = clientUrl(c.nats)
    if (c.kind === "nats-leaf") leafUrls[c.nats.domain] = clientUrl(c.nats)
    if (c.kind === "region") {
      region = regionUrl(c)
      regionId = c.region
    }
  }
  return {
    topology,
    sitesDir,
    regionUrl: region,
    hubUrl,
    leafUrls,
    database,
    apiKeys: regionApiKeys(stateDir, regionId),
    stop: async () => {
      await topology
        .down()
        .catch((error: unknown) => {
          killAll()
          throw error
        })
        .finally(() => process.removeListener("exit", killAll))
      await database.drop()
      runDir.remove()
    }
  }
}
