/**
 * @logimesh/config — the mesh declared under `sites/` (mesh settings, regions,
 * sites) decoded with Effect Schema, and the process settings read through
 * Effect `Config`. A bad file fails the launch naming the file and field path.
 */
export { ApiLimitSettings, DEFAULT_MAX_BODY_BYTES, RateLimitSettings } from "./ApiLimitSettings.ts"
export { ConfigFileError, ConfigIssue } from "./ConfigFileError.ts"
export { decodeConfigFile, issuesOf } from "./decodeConfigFile.ts"
export { enabledSites, findRegion, loadMeshConfig, type MeshConfig, type RegionEntry } from "./MeshConfig.ts"
export { HUB_DOMAIN, RegionId, SiteId } from "./MeshIds.ts"
export { MeshSettings } from "./MeshSettings.ts"
export { MIN_API_IDEMPOTENCY_HOURS, RetentionSettings, retentionIssues } from "./RetentionSettings.ts"
export { type StreamKind, StreamLimit, StreamLimitSettings } from "./StreamLimitSettings.ts"
export * as ProcessSettings from "./ProcessSettings.ts"
export { JwtAlgorithm, JwtAuthConfig, RegionAuthConfig } from "./RegionAuthConfig.ts"
export { RegionConfig } from "./RegionConfig.ts"
export { InventoryOwner, SiteConfig, TimeZone } from "./SiteConfig.ts"
