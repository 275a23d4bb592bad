/**
 * @logimesh/region — the region deployable: composes config, logging,
 * Postgres, NATS, readiness, the engine's parked-message API and outbox
 * relay, and the HTTP server (`main.ts` launches it).
 */
export { commandTable } from "./api/commandTable.ts"
export { openApiDocument } from "./api/OpenApiDocument.ts"
export { HealthRoutes } from "./HealthRoutes.ts"
export { ParkedRoutes } from "./ParkedRoutes.ts"
export { type ProbeResult, Readiness, type ReadinessReport } from "./Readiness.ts"
export { RegionContext, type RegionContextShape } from "./RegionContext.ts"
export { systemMessageJsonSchemas, systemMessageSchemaOf, systemMessageSchemas } from "./flows/systemMessageCatalog.ts"
