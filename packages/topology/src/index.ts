/**
 * @logimesh/topology — runs the mesh declared under `sites/` as real local
 * processes (NATS hub, one NATS leaf per site, a Postgres per region, one
 * region process per region) and renders the same mesh for Docker.
 * Also the process primitives the test harness and failover drills use.
 */
export { isAlive, type ManagedProcess, signalGroup, spawnManaged } from "./ManagedProcess.ts"
export { natsHealthy, type NatsServer, reloadNatsServerUsers, startNatsServer, type StartNatsOptions } from "./NatsServer.ts"
export { clientUrl, type NatsServerConfig, renderNatsConfig } from "./NatsServerConfig.ts"
export { infraPath, renderInfraTemplate, renderTemplate, repoRoot } from "./renderTemplate.ts"
export { waitFor } from "./waitFor.ts"
export { boundPort, readPortsFile } from "./PortsFile.ts"
export {
  DEAD_LEAF_ADVERTISE_PORT,
  hubLeafAdvertise,
  startTcpFaultProxy,
  type TcpFaultProxy,
  type TcpFaultProxyOptions
} from "./TcpFaultProxy.ts"
export {
  type ComponentStatus,
  DEFAULT_SITES_DIR,
  DEFAULT_STATE_DIR,
  loadTopology,
  REGION_MAIN,
  type Topology,
  type TopologyOptions,
  upTopology,
  type UpOptions
} from "./Topology.ts"
export { type Component, type ComponentKind, readTopologyState, type TopologyState } from "./TopologyState.ts"
export { HUB_NAME, leafName, planTopology, postgresName, regionName, wanLinkName } from "./TopologyPlan.ts"
export { addressOf, controlUrl, type Health, logFileOf, regionUrl } from "./ComponentRunner.ts"
export { cutWanLink, restoreWanLink, wanLinkStatus, type WanLinkStatus } from "./WanLinkControl.ts"
export { hubLinkedDomains } from "./hubLinkedDomains.ts"
export { type CredentialRotationReport } from "./rotateNatsUser.ts"
export { isProcessAlive, processStartTime } from "./ProcessIdentity.ts"
export { checkComposeFiles, composeFiles, renderCompose, writeComposeFiles } from "./composeFile.ts"
export {
  clusterAdminUrl,
  clusterRoleUrl,
  initPostgresCluster,
  type PostgresClusterSpec,
  startPostgresClusterOnFreePort,
  stopPostgresCluster
} from "./PostgresCluster.ts"
export { postgresClusterDir } from "./postgresClusterDir.ts"
export { ensureRolePassword, provisionRegionDatabase, REGION_DB_ROLE, rolePasswordFile } from "./RegionDbRole.ts"
export { type ApiKeysFile, apiKeysFilePath, issueRegionApiKeys, issueSiteApiKey, readApiKeys, type RegionApiKeys, regionApiKeys } from "./TopologyApiKeys.ts"
export { operatorCredential, operatorHeaders } from "./operatorCredential.ts"
export { ensureMeshCertificates, makeForeignLeafCertificate, type MeshCertificates, type TlsFiles } from "./MeshCertificates.ts"
export {
  ADMIN_USER,
  clientCredentials,
  ensureMeshCredentials,
  ensureNkeyUser,
  hubUsers,
  leafUser,
  leafUsers,
  type NatsClientCredentials,
  type NatsUser,
  regionUser,
  secretsDirOf,
  seedFileOf,
  wesUser
} from "./NatsCredentials.ts"
export {
  type CentralSystem,
  centralSystemPermissions,
  leafLinkPermissions,
  type Permissions,
  regionPermissions,
  type SubjectPermissions,
  wesPermissions
} from "./natsPermissions.ts"
export { hubSecurity, leafSecurity, type NatsServerSecurity, renderAuthorization, renderTls } from "./natsServerSecurity.ts"
export { NATS_CA_FILE_ENV, NATS_NKEY_SEED_FILE_ENV, type TopologySecurity, topologySecurity } from "./TopologySecurity.ts"
export { type LogCursor, logCursor } from "./logCursor.ts"
