/**
 * Governance for this region, loaded with the `SiteDirectory` from
 * `sites/governance/` (ownership policy, status-code maps, units, locations)
 * and validated against the mesh: a broken entry stops the launch naming
 * file and field. Provides `Governance` (as loaded at boot), the
 * `OwnershipGuard` (audit rows + metric on every refused change; it checks
 * against the policy of the current site view, so a site added by a reload
 * is governed at once) and the `XrefStore`.
 */
import { Layer } from "effect"
import { Governance, OwnershipGuard, XrefStore } from "@logimesh/governance"
import { SiteDirectory } from "./sites/SiteDirectory.ts"

const GovernanceLive = Layer.unwrap(SiteDirectory.useSync((directory) => Governance.layerValue(directory.current().governance)))

const GuardLive = Layer.unwrap(SiteDirectory.useSync((directory) => OwnershipGuard.layerFromCurrent(() => directory.current().governance.ownership)))

export const RegionGovernance = Layer.mergeAll(GuardLive, XrefStore.layer, GovernanceLive)
