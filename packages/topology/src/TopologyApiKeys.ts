/**
 * The API keys of a local topology's callers: when `up` has started a
 * region, a key for each system that calls it — ERP, DISPATCH, CARRIER,
 * PORTAL, the WES of each of its sites (confined to that site) and an
 * operator (`LOGIMESH`, admin) for the scripts (parked, reconcile, add-site's
 * reload) — issued into the region's database and written to
 * `<stateDir>/secrets/api-keys.json` (directory 0700, file 0600; `.logimesh/`
 * is git-ignored); the keys an earlier `up` recorded for the region are
 * revoked first (a database kept across runs would otherwise keep them live).
 * `add-site` adds the new site's WES key. The simulators, the
 * demo, the drills and the benchmark read their keys from here.
 *
 *   { "regions": { "eu-west": { "ERP": "lmk_…", "DISPATCH": "lmk_…", "CARRIER": "lmk_…", "PORTAL": "lmk_…",
 *                               "admin": "lmk_…", "WES": { "dc-rotterdam": "lmk_…" } } } }
 */
import { Effect } from "effect"
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { SiteId } from "@logimesh/model"
import { type ApiKeyGrant, parseApiKey, withApiKeyStore } from "@logimesh/region"

export interface RegionApiKeys {
  readonly ERP: string
  readonly DISPATCH: string
  readonly CARRIER: string
  readonly PORTAL: string
  /** An operator key (system LOGIMESH, admin): sends no commands, opens the admin routes. */
  readonly admin: string
  /** The WES of each site. */
  readonly WES: Readonly<Record<string, string>>
}

export interface ApiKeysFile {
  readonly regions: Readonly<Record<string, RegionApiKeys>>
}

export const apiKeysFilePath = (stateDir: string): string => join(stateDir, "secrets", "api-keys.json")

export const readApiKeys = (stateDir: string): ApiKeysFile | undefined => {
  try {
    return JSON.parse(readFileSync(apiKeysFilePath(stateDir), "utf8")) as ApiKeysFile
  } catch {
    return undefined
  }
}

/** The keys of one region; throws naming the file when there are none. */
export const regionApiKeys = (stateDir: string, region: string): RegionApiKeys => {
  const keys = readApiKeys(stateDir)?.regions[region]
  if (keys === undefined) throw new Error(`no API keys for region "${region}" in ${apiKeysFilePath(stateDir)} (start the topology with "up" first)`)
  return keys
}

const writeApiKeys = (stateDir: string, file: ApiKeysFile): void => {
  const path = apiKeysFilePath(stateDir)
  mkdirSync(join(stateDir, "secrets"), { recursive: true, mode: 0o700 })
  chmodSync(join(stateDir, "secrets"), 0o700)
  writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
  chmodSync(`${path}.tmp`, 0o600)
  renameSync(`${path}.tmp`, path)
}

const issue = (databaseUrl: string, grants: ReadonlyArray<ApiKeyGrant>): Promise<ReadonlyArray<string>> =>
  withApiKeyStore(databaseUrl, (store) => Effect.forEach(grants, (grant) => Effect.map(store.issue({ ...grant, label: "topology" }), (issued) => issued.key)))

/** Issues every key of a region's callers and records them (replacing the region's earlier entry). */
export const issueRegionApiKeys = async (stateDir: string, region: string, databaseUrl: string, sites: ReadonlyArray<string>): Promise<RegionApiKeys> => {
  const central: ReadonlyArray<ApiKeyGrant> = [
    { system: "ERP", admin: false },
    { system: "DISPATCH", admin: false },
    { system: "CARRIER", admin: false },
    { system: "PORTAL", admin: false },
    { system: "LOGIMESH", admin: true, principal: "operator" }
  ]
  const wes = sites.map((site): ApiKeyGrant => ({ system: "WES", site: site as SiteId, admin: false }))
  const earlier = readApiKeys(stateDir)?.regions[region]
  const stale = earlier === undefined ? [] : [earlier.ERP, earlier.DISPATCH, earlier.CARRIER, earlier.PORTAL, earlier.admin, ...Object.values(earlier.WES)]
  const staleIds = stale.flatMap((key) => {
    const parsed = parseApiKey(key)
    return parsed === undefined ? [] : [parsed.id]
  })
  if (staleIds.length > 0) await withApiKeyStore(databaseUrl, (store) => Effect.forEach(staleIds, (id) => store.revoke(id)))
  const keys = await issue(databaseUrl, [...central, ...wes])
  const entry: RegionApiKeys = {
    ERP: keys[0]!,
    DISPATCH: keys[1]!,
    CARRIER: keys[2]!,
    PORTAL: keys[3]!,
    admin: keys[4]!,
    WES: Object.fromEntries(sites.map((site, i) => [site, keys[central.length + i]!]))
  }
  const before = readApiKeys(stateDir)
  writeApiKeys(stateDir, { regions: { ...before?.regions, [region]: entry } })
  return entry
}

/** A site added to a running region: its WES key (kept when it already has one). */
export const issueSiteApiKey = async (stateDir: string, region: string, databaseUrl: string, site: string): Promise<string> => {
  const current = regionApiKeys(stateDir, region)
  const existing = current.WES[site]
  if (existing !== undefined) return existing
  const [key] = await issue(databaseUrl, [{ system: "WES", site: site as SiteId, admin: false }])
  const before = readApiKeys(stateDir)
  writeApiKeys(stateDir, { regions: { ...before?.regions, [region]: { ...current, WES: { ...current.WES, [site]: key! } } } })
  return key!
}
