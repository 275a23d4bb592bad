/**
 * The whole mesh as declared under `sites/`:
 *
 *   sites/mesh.json                    mesh-wide settings
 *   sites/<region>/region.json         one region deployable
 *   sites/<region>/<site>.json         one warehouse site of that region
 *   sites/governance/                  governance data (not a region; loaded by @logimesh/governance)
 *
 * `loadMeshConfig` decodes every file and cross-checks them (a site's region
 * must match its folder, ids are unique, no site takes the hub's domain, the
 * retention horizons agree with each other and with the streams' `max_age`).
 * Any failure names the file and the field path.
 */
import { Effect } from "effect"
import { readdir } from "node:fs/promises"
import { join } from "node:path"
import { ConfigFileError, ConfigIssue } from "./ConfigFileError.ts"
import { decodeConfigFile } from "./decodeConfigFile.ts"
import { HUB_DOMAIN, type RegionId, type SiteId } from "./MeshIds.ts"
import { MeshSettings } from "./MeshSettings.ts"
import { RegionConfig } from "./RegionConfig.ts"
import { retentionIssues } from "./RetentionSettings.ts"
import { SiteConfig } from "./SiteConfig.ts"

export interface RegionEntry {
  readonly file: string
  readonly region: RegionConfig
  /** Every site file of the region, enabled or not. */
  readonly sites: ReadonlyArray<SiteConfig>
}

export interface MeshConfig {
  readonly dir: string
  readonly settings: MeshSettings
  readonly regions: ReadonlyArray<RegionEntry>
}

/** `sites/governance/` holds governance data, not a region. */
export const GOVERNANCE_FOLDER = "governance"

const fileError = (file: string, path: string, message: string) => new ConfigFileError({ file, issues: [new ConfigIssue({ path, message })] })

const listDir = (dir: string) =>
  Effect.tryPromise({
    try: () => readdir(dir, { withFileTypes: true }),
    catch: (cause) => fileError(dir, "", `cannot list directory: ${String(cause)}`)
  })

export const loadMeshConfig = (dir: string): Effect.Effect<MeshConfig, ConfigFileError> =>
  Effect.gen(function* () {
    const settingsFile = join(dir, "mesh.json")
    const settings = yield* decodeConfigFile(MeshSettings, settingsFile)
    const horizons = retentionIssues(settings.retention, settings.maxOutageHours)
    if (horizons.length > 0) {
      return yield* new ConfigFileError({ file: settingsFile, issues: horizons.map((issue) => new ConfigIssue(issue)) })
    }
    const regions: Array<RegionEntry> = []
    const siteFiles = new Map<SiteId, string>()
    const regionFiles = new Map<RegionId, string>()
    const entries = (yield* listDir(dir))
      .filter((entry) => entry.isDirectory() && entry.name !== GOVERNANCE_FOLDER)
      .sort((a, b) => a.name.localeCompare(b.name))
    for (const entry of entries) {
      const regionDir = join(dir, entry.name)
      const regionFile = join(regionDir, "region.json")
      const region = yield* decodeConfigFile(RegionConfig, regionFile)
      if (region.id !== entry.name) {
        return yield* fileError(regionFile, "id", `region id "${region.id}" must equal its folder name "${entry.name}"`)
      }
      const other = regionFiles.get(region.id)
      if (other !== undefined) return yield* fileError(regionFile, "id", `region id "${region.id}" also used by ${other}`)
      regionFiles.set(region.id, regionFile)

      const sites: Array<SiteConfig> = []
      const files = (yield* listDir(regionDir))
        .filter((f) => f.isFile() && f.name.endsWith(".json") && f.name !== "region.json")
        .map((f) => f.name)
        .sort()
      for (const name of files) {
        const file = join(regionDir, name)
        const site = yield* decodeConfigFile(SiteConfig, file)
        if (site.region !== region.id) {
          return yield* fileError(file, "region", `site is in folder "${region.id}" but names region "${site.region}"`)
        }
        if (`${site.id}.json` !== name) {
          return yield* fileError(file, "id", `site id "${site.id}" must equal the file name "${name}"`)
        }
        if (site.id === HUB_DOMAIN) {
          return yield* fileError(file, "id", `"${HUB_DOMAIN}" is the hub's JetStream domain; choose another site id`)
        }
        const clash = siteFiles.get(site.id) ?? (regionFiles.has(site.id as unknown as RegionId) ? regionFile : undefined)
        if (clash !== undefined) return yield* fileError(file, "id", `id "${site.id}" also used by ${clash}`)
        siteFiles.set(site.id, file)
        sites.push(site)
      }
      regions.push({ file: regionFile, region, sites })
    }
    if (regions.length === 0) return yield* fileError(dir, "", "no region folders (expected sites/<region>/region.json)")
    return { dir, settings, regions }
  })

/** Every enabled site across regions, in a stable order. */
export const enabledSites = (mesh: MeshConfig): ReadonlyArray<SiteConfig> => mesh.regions.flatMap((entry) => entry.sites.filter((site) => site.enabled))

export const findRegion = (mesh: MeshConfig, id: RegionId): RegionEntry | undefined => mesh.regions.find((entry) => entry.region.id === id)
