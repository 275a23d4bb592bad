/**
 * Governance for this region, loaded at boot from `sites/governance/`
 * (ownership policy, status-code maps, units, locations) and validated
 * against the mesh: a broken entry stops the launch naming file and field.
 * Provides `Governance`, the `OwnershipGuard` (audit rows + metric on every
 * refused change) and the `XrefStore`.
 */
import { Layer } from "effect"
import { Governance, OwnershipGuard, XrefStore } from "@logimesh/governance"
import { RegionContext } from "./RegionContext.ts"

const GovernanceLive = Layer.unwrap(RegionContext.useSync((context) => Governance.layerFrom(context.mesh.dir, context.mesh)))

const GuardLive = Layer.unwrap(Governance.useSync((governance) => OwnershipGuard.layerFrom(governance.ownership)))

export const RegionGovernance = Layer.mergeAll(GuardLive, XrefStore.layer).pipe(Layer.provideMerge(GovernanceLive))
