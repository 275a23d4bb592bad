/**
 * Loads and validates every governance file under `<sitesDir>/governance/`
 * at boot, against the mesh loaded from the same `sites/`:
 *
 *   ownership.json               who owns each object and transition
 *   status-codes/<system>.json   status-code mappings per external system
 *   uom.json                     units of measure and per-item packaging
 *   locations/<site>.json        zones and dock doors of a site
 *
 * Any bad entry fails with `ConfigFileError` naming the file and the field
 * path, so the region refuses to start on it.
 */
import { Effect } from "effect"
import { ConfigFileError, ConfigIssue, decodeConfigFile, type MeshConfig } from "@logimesh/config"
import { readdir } from "node:fs/promises"
import { join } from "node:path"
import { buildLocationHierarchy, type LocationHierarchy, SiteLocationsFile } from "./LocationHierarchy.ts"
import { type OwnershipPolicy, OwnershipPolicyFile, resolveOwnershipPolicy } from "./OwnershipPolicy.ts"
import { makeStatusCodeMap, StatusCodeFile, type StatusCodeMap, validateStatusCodeFile } from "./StatusCodeMap.ts"
import { UomFile, validateUomFile } from "./UomTable.ts"

export const GOVERNANCE_DIR = "governance"

export interface GovernanceData {
  readonly dir: string
  readonly ownership: OwnershipPolicy
  readonly statusCodes: StatusCodeMap
  readonly uom: UomFile
  readonly locations: LocationHierarchy
}

const jsonFilesIn = (dir: string) =>
  Effect.tryPromise({
    try: async () =>
      (await readdir(dir, { withFileTypes: true }))
        .filter((e) => e.isFile() && e.name.endsWith(".json"))
        .map((e) => e.name)
        .sort(),
    catch: (cause) => new ConfigFileError({ file: dir, issues: [new ConfigIssue({ path: "", message: `cannot list directory: ${String(cause)}` })] })
  })

const orFail = <A>(value: A | ConfigFileError): Effect.Effect<A, ConfigFileError> =>
  value instanceof ConfigFileError ? Effect.fail(value) : Effect.succeed(value)

const failIfIssues = (file: string, issues: ReadonlyArray<ConfigIssue>) =>
  issues.length === 0 ? Effect.void : Effect.fail(new ConfigFileError({ file, issues }))

export const loadGovernance = (sitesDir: string, mesh: MeshConfig): Effect.Effect<GovernanceData, ConfigFileError> =>
  Effect.gen(function* () {
    const dir = join(sitesDir, GOVERNANCE_DIR)

    const ownershipFile = join(dir, "ownership.json")
    const ownershipDecoded = yield* decodeConfigFile(OwnershipPolicyFile, ownershipFile)
    const ownership = yield* orFail(resolveOwnershipPolicy(ownershipFile, ownershipDecoded, mesh))

    const statusDir = join(dir, "status-codes")
    const statusFiles: Array<StatusCodeFile> = []
    for (const name of yield* jsonFilesIn(statusDir)) {
      const file = join(statusDir, name)
      const decoded = yield* decodeConfigFile(StatusCodeFile, file)
      if (`${decoded.system.toLowerCase()}.json` !== name) {
        return yield* new ConfigFileError({
          file,
          issues: [new ConfigIssue({ path: "system", message: `system "${decoded.system}" must match the file name "${name}"` })]
        })
      }
      yield* failIfIssues(file, validateStatusCodeFile(decoded))
      statusFiles.push(decoded)
    }

    const uomFile = join(dir, "uom.json")
    const uom = yield* decodeConfigFile(UomFile, uomFile)
    yield* failIfIssues(uomFile, validateUomFile(uom))

    const locationsDir = join(dir, "locations")
    const locationFiles: Array<{ file: string; name: string; locations: SiteLocationsFile }> = []
    for (const name of yield* jsonFilesIn(locationsDir)) {
      const file = join(locationsDir, name)
      locationFiles.push({ file, name, locations: yield* decodeConfigFile(SiteLocationsFile, file) })
    }
    const locations = yield* orFail(buildLocationHierarchy(mesh, locationFiles))

    return { dir, ownership, statusCodes: makeStatusCodeMap(statusFiles), uom, locations }
  })
