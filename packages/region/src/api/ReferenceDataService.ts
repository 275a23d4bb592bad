/**
 * The reference data of this region for the command API (the sites it
 * serves, the packaging table, dock doors), as of now: read from the
 * `SiteDirectory`, which a reload replaces when a site is added or disabled.
 */
import { Context, Layer } from "effect"
import { SiteDirectory } from "../sites/SiteDirectory.ts"
import type { ReferenceData } from "./ReferenceChecks.ts"

export class ReferenceDataService extends Context.Service<ReferenceDataService, { readonly current: () => ReferenceData }>()("logimesh/region/ReferenceData") {
  static readonly layer = Layer.effect(
    ReferenceDataService,
    SiteDirectory.useSync((directory) => ReferenceDataService.of({ current: () => directory.current().references }))
  )
}
