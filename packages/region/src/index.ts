/**
 * @logimesh/region — the region deployable: composes config, logging,
 * Postgres, NATS, readiness and the HTTP server (`main.ts` launches it).
 */
export { HealthRoutes } from "./HealthRoutes.ts"
export { type ProbeResult, Readiness, type ReadinessReport } from "./Readiness.ts"
export { RegionContext, type RegionContextShape } from "./RegionContext.ts"
