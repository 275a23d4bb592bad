/**
 * The sites this region serves right now, with the governance and the
 * reference data derived from them. Loaded at boot from `sites/`; `reload`
 * reads `sites/` again (a site file added, or `enabled` flipped), validates
 * everything exactly as at boot (a broken file changes nothing and names
 * file and field), swaps the whole view at once and tells the listeners
 * (the site command gateways) which sites were added and removed. No
 * restart: the API, the ownership guard and the gateways read `current()`.
 */
import { Context, Effect, Layer, Semaphore } from "effect"
import type { ConfigFileError, MeshConfig, RegionConfig, SiteConfig } from "@logimesh/config"
import { type GovernanceData, loadGovernance } from "@logimesh/governance"
import type { ReferenceData } from "../api/ReferenceChecks.ts"
import { RegionContext } from "../RegionContext.ts"

export interface SiteView {
  readonly mesh: MeshConfig
  readonly region: RegionConfig
  /** The enabled sites of this region. */
  readonly sites: ReadonlyArray<SiteConfig>
  readonly governance: GovernanceData
  readonly references: ReferenceData
  readonly loadedAt: string
}

export interface SiteChange {
  readonly added: ReadonlyArray<string>
  readonly removed: ReadonlyArray<string>
  readonly sites: ReadonlyArray<string>
  readonly loadedAt: string
}

export type SiteListener = (view: SiteView, change: SiteChange) => Effect.Effect<void>

export interface SiteDirectoryShape {
  readonly current: () => SiteView
  /** Reads `sites/` again; fails (and keeps the current view) on a bad file. */
  readonly reload: Effect.Effect<SiteChange, ConfigFileError>
  /** `listener` runs after every reload, in registration order. */
  readonly listen: (listener: SiteListener) => Effect.Effect<void>
}

/** The reference data of the command API: the sites served, the packaging table, their dock doors. */
export const referenceDataOf = (sites: ReadonlyArray<SiteConfig>, governance: GovernanceData): ReferenceData => {
  const ids = new Set<string>(sites.map((s) => s.id))
  const docksBySite = new Map<string, Set<string>>()
  for (const dock of governance.locations.docks.values()) {
    if (!ids.has(dock.site)) continue
    const docks = docksBySite.get(dock.site) ?? new Set<string>()
    docks.add(dock.dock)
    docksBySite.set(dock.site, docks)
  }
  return { sites: ids, uom: governance.uom, docksBySite }
}

const viewOf = (mesh: MeshConfig, region: RegionConfig, sites: ReadonlyArray<SiteConfig>, governance: GovernanceData): SiteView => ({
  mesh,
  region,
  sites,
  governance,
  references: referenceDataOf(sites, governance),
  loadedAt: new Date().toISOString()
})

export class SiteDirectory extends Context.Service<SiteDirectory, SiteDirectoryShape>()("logimesh/region/SiteDirectory") {
  static readonly layer = Layer.effect(
    SiteDirectory,
    Effect.gen(function* () {
      const boot = yield* RegionContext
      let view = viewOf(boot.mesh, boot.region, boot.sites, yield* loadGovernance(boot.mesh.dir, boot.mesh))
      const listeners: Array<SiteListener> = []
      // One reload at a time, and a started reload finishes (swap + listeners) even if its HTTP caller goes away.
      const lock = yield* Semaphore.make(1)
      const ids = (sites: ReadonlyArray<SiteConfig>) => sites.map((s) => s.id as string)

      const reload = Effect.gen(function* () {
        const loaded = yield* RegionContext.load(boot.mesh.dir, boot.region.id)
        const governance = yield* loadGovernance(loaded.mesh.dir, loaded.mesh)
        const before = new Set(ids(view.sites))
        const after = ids(loaded.sites)
        const removedSites = view.sites.filter((site) => !after.includes(site.id))
        const next = viewOf(loaded.mesh, loaded.region, loaded.sites, governance)
        // While the listeners stop a removed site's consumers (they first drain what its streams already hold),
        // its references stay valid, so that work is applied rather than refused as an unknown site.
        view = removedSites.length === 0 ? next : { ...next, references: referenceDataOf([...loaded.sites, ...removedSites], governance) }
        const change: SiteChange = {
          added: after.filter((id) => !before.has(id)),
          removed: [...before].filter((id) => !after.includes(id)),
          sites: after,
          loadedAt: next.loadedAt
        }
        yield* Effect.logInfo("sites reloaded").pipe(
          Effect.annotateLogs({ sites: after.join(", "), added: change.added.join(", "), removed: change.removed.join(", ") })
        )
        for (const listener of listeners) yield* listener(view, change)
        view = next
        return change
      }).pipe(
        Effect.tapError((error) => Effect.logWarning(`sites not reloaded: ${error.message}`)),
        Effect.uninterruptible,
        lock.withPermits(1)
      )

      return SiteDirectory.of({
        current: () => view,
        reload,
        listen: (listener) => Effect.sync(() => void listeners.push(listener))
      })
    })
  )
}
