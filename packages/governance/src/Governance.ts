/**
 * The loaded governance data as a service, so modules and adapters reach the
 * ownership policy, status-code map, UoM table and location hierarchy
 * through their Layer. Built once at boot by `loadGovernance`.
 */
import { Context, Layer } from "effect"
import type { ConfigFileError, MeshConfig } from "@logimesh/config"
import { type GovernanceData, loadGovernance } from "./loadGovernance.ts"

export class Governance extends Context.Service<Governance, GovernanceData>()("logimesh/governance/Governance") {
  static readonly layerFrom = (sitesDir: string, mesh: MeshConfig): Layer.Layer<Governance, ConfigFileError> =>
    Layer.effect(Governance, loadGovernance(sitesDir, mesh))

  static readonly layerValue = (data: GovernanceData): Layer.Layer<Governance> => Layer.succeed(Governance, data)
}
