/**
 * Which region this process serves and its sites, decoded from `sites/` at
 * boot. A bad or unknown file fails the launch naming the file and field.
 */
import { Context, Effect, Layer, Schema } from "effect"
import {
  ConfigFileError,
  ConfigIssue,
  findRegion,
  loadMeshConfig,
  type MeshConfig,
  ProcessSettings,
  type RegionConfig,
  RegionId,
  type SiteConfig
} from "@logimesh/config"
import { resolve } from "node:path"

export interface RegionContextShape {
  readonly mesh: MeshConfig
  readonly region: RegionConfig
  /** The enabled sites this region serves. */
  readonly sites: ReadonlyArray<SiteConfig>
}

export class RegionContext extends Context.Service<RegionContext, RegionContextShape>()("logimesh/region/RegionContext") {
  static readonly load = (sitesDir: string, regionId: string) =>
    Effect.gen(function* () {
      const dir = resolve(sitesDir)
      const mesh = yield* loadMeshConfig(dir)
      const id = yield* Schema.decodeUnknownEffect(RegionId)(regionId).pipe(
        Effect.mapError(
          () =>
            new ConfigFileError({
              file: "LOGIMESH_REGION",
              issues: [new ConfigIssue({ path: "", message: `"${regionId}" is not a valid region id` })]
            })
        )
      )
      const entry = findRegion(mesh, id)
      if (entry === undefined) {
        return yield* new ConfigFileError({
          file: `${dir}/${regionId}/region.json`,
          issues: [new ConfigIssue({ path: "", message: `region "${regionId}" is not declared under ${dir}` })]
        })
      }
      return RegionContext.of({ mesh, region: entry.region, sites: entry.sites.filter((site) => site.enabled) })
    })

  /** Reads `LOGIMESH_SITES_DIR` and `LOGIMESH_REGION` through `ProcessSettings`. */
  static readonly layer = Layer.effect(
    RegionContext,
    Effect.gen(function* () {
      const sitesDir = yield* ProcessSettings.sitesDir
      const regionId = yield* ProcessSettings.regionId
      return yield* RegionContext.load(sitesDir, regionId)
    })
  )
}
