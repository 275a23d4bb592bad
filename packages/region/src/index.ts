/**
 * @logimesh/region — the region deployable: composes config, logging,
 * Postgres, NATS, readiness, the engine's parked-message API and outbox
 * relay, and the HTTP server (`main.ts` launches it); its auth module (API
 * keys, principals, route and object access) for tools and tests.
 */
export { commandTable } from "./api/commandTable.ts"
export { openApiDocument } from "./api/OpenApiDocument.ts"
export { HealthRoutes } from "./HealthRoutes.ts"
export { ParkedRoutes } from "./ParkedRoutes.ts"
export { type ProbeResult, Readiness, type ReadinessReport } from "./Readiness.ts"
export { RegionContext, type RegionContextShape } from "./RegionContext.ts"
export { systemMessageJsonSchemas, systemMessageSchemaOf, systemMessageSchemas } from "./flows/systemMessageCatalog.ts"
export { withApiKeyStore } from "./auth/ApiKeyAdmin.ts"
export {
  API_KEY_PREFIX,
  type ApiKeyGrant,
  type ApiKeyRecord,
  ApiKeyStore,
  apiKeyMigrations,
  type IssuedApiKey,
  parseApiKey
} from "./auth/ApiKeyStore.ts"
export { CredentialHeaders } from "./auth/Authenticator.ts"
export { JwtClaims, principalOfClaims } from "./auth/JwtVerifier.ts"
export { type CommandSiteSource, commandRoutesWithoutRule, commandSiteRules, type QuerySiteRule, querySiteRules } from "./auth/ObjectAccess.ts"
export { CurrentPrincipal, defaultPrincipalId, type Principal } from "./auth/Principal.ts"
export { type Access, accessOf, type RouteAccess, routeAccessTable } from "./auth/RouteAccess.ts"
export { principalOfSubject } from "./auth/SubjectPrincipal.ts"
