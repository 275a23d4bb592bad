/**
 * The reference data of this region for the command API, built once at boot
 * from `RegionContext` (the sites it serves) and `Governance` (packaging
 * table, dock doors).
 */
import { Context, Effect, Layer } from "effect"
import { Governance } from "@logimesh/governance"
import { RegionContext } from "../RegionContext.ts"
import type { ReferenceData } from "./ReferenceChecks.ts"

export class ReferenceDataService extends Context.Service<ReferenceDataService, ReferenceData>()("logimesh/region/ReferenceData") {
  static readonly layer = Layer.effect(
    ReferenceDataService,
    Effect.gen(function*() {
      const context = yield* RegionContext
      const governance = yield* Governance
      const sites = new Set<string>(context.sites.map((s) => s.id))
      const docksBySite = new Map<string, Set<string>>()
      for (const dock of governance.locations.docks.values()) {
        if (!sites.has(dock.site)) continue
        const docks = docksBySite.get(dock.site) ?? new Set<string>()
        docks.add(dock.dock)
        docksBySite.set(dock.site, docks)
      }
      return ReferenceDataService.of({ sites, uom: governance.uom, docksBySite })
    })
  )
}
