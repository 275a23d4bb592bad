/**
 * The repository's `sites/` (mesh + governance) loaded once for a test file.
 */
import { Effect } from "effect"
import { join } from "node:path"
import { loadMeshConfig } from "@logimesh/config"
import { type GovernanceData, loadGovernance } from "../src/index.ts"

export const repoSites = join(import.meta.dirname, "../../../sites")

export const loadRepoGovernance = (): Promise<GovernanceData> =>
  Effect.runPromise(loadMeshConfig(repoSites).pipe(Effect.flatMap((mesh) => loadGovernance(repoSites, mesh))))
