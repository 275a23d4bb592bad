/**
 * The location hierarchy region > site > zone > dock door. Regions and sites
 * come from the mesh (`sites/<region>/<site>.json`); zones and dock doors
 * from `sites/governance/locations/<site>.json`. Validated at load: the file
 * names a known site and is named after it, zone ids and dock ids are unique
 * across the whole mesh (a dock belongs to exactly one zone of one site).
 */
import { Option, Schema } from "effect"
import { ConfigFileError, ConfigIssue, type MeshConfig } from "@logimesh/config"
import { DockDoorId, type RegionId, SiteId, ZoneId } from "@logimesh/model"

export const ZoneKind = Schema.Literals(["inbound", "outbound", "storage", "staging", "hazmat", "returns", "cross_dock"])

export const SiteLocationsFile = Schema.Struct({
  site: SiteId,
  zones: Schema.Array(
    Schema.Struct({
      id: ZoneId,
      kind: ZoneKind,
      docks: Schema.Array(DockDoorId)
    })
  ).pipe(Schema.check(Schema.isMinLength(1)))
})
export type SiteLocationsFile = typeof SiteLocationsFile.Type

export interface DockLocation {
  readonly region: RegionId
  readonly site: SiteId
  readonly zone: ZoneId
  readonly dock: DockDoorId
}

export interface LocationHierarchy {
  readonly docks: ReadonlyMap<DockDoorId, DockLocation>
  readonly zones: ReadonlyMap<ZoneId, { readonly region: RegionId; readonly site: SiteId; readonly kind: typeof ZoneKind.Type }>
}

export const locateDock = (hierarchy: LocationHierarchy, dock: DockDoorId): Option.Option<DockLocation> => Option.fromNullishOr(hierarchy.docks.get(dock))

/** Builds the hierarchy from decoded files (in file order), failing on the first cross-file conflict. */
export const buildLocationHierarchy = (
  mesh: MeshConfig,
  files: ReadonlyArray<{ readonly file: string; readonly name: string; readonly locations: SiteLocationsFile }>
): LocationHierarchy | ConfigFileError => {
  const regionOf = new Map(mesh.regions.flatMap((r) => r.sites.map((s) => [s.id as string, r.region.id as string])))
  const docks = new Map<DockDoorId, DockLocation & { readonly file: string; readonly path: string }>()
  const zones = new Map<ZoneId, { region: RegionId; site: SiteId; kind: typeof ZoneKind.Type; file: string; path: string }>()
  const fail = (file: string, path: string, message: string) => new ConfigFileError({ file, issues: [new ConfigIssue({ path, message })] })
  for (const { file, name, locations } of files) {
    const region = regionOf.get(locations.site)
    if (region === undefined) return fail(file, "site", `unknown site "${locations.site}" (not in any sites/<region>/ folder)`)
    if (`${locations.site}.json` !== name) return fail(file, "site", `site "${locations.site}" must equal the file name "${name}"`)
    for (const [z, zone] of locations.zones.entries()) {
      const zonePath = `zones.${z}.id`
      const other = zones.get(zone.id)
      if (other !== undefined) return fail(file, zonePath, `zone "${zone.id}" is already declared in ${other.file} (${other.path})`)
      zones.set(zone.id, { region: region as RegionId, site: locations.site, kind: zone.kind, file, path: zonePath })
      for (const [d, dock] of zone.docks.entries()) {
        const dockPath = `zones.${z}.docks.${d}`
        const taken = docks.get(dock)
        if (taken !== undefined) {
          return fail(file, dockPath, `dock "${dock}" already belongs to zone ${taken.zone} of site ${taken.site} (${taken.file}, ${taken.path})`)
        }
        docks.set(dock, { region: region as RegionId, site: locations.site, zone: zone.id, dock, file, path: dockPath })
      }
    }
  }
  return { docks, zones }
}
