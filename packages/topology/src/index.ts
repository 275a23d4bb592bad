/**
 * @logimesh/topology — runs the mesh declared under `sites/` as real local
 * processes (NATS hub, one NATS leaf per site, a Postgres per region, one
 * region process per region) and renders the same mesh for Docker.
 * Also the process primitives the test harness and failover drills use.
 */
export { freePort } from "./freePort.ts"
export { isAlive, type ManagedProcess, signalGroup, spawnManaged } from "./ManagedProcess.ts"
export { natsHealthy, type NatsServer, startNatsServer, type StartNatsOptions } from "./NatsServer.ts"
export { clientUrl, type NatsServerConfig, renderNatsConfig } from "./NatsServerConfig.ts"
export { infraPath, renderInfraTemplate, renderTemplate, repoRoot } from "./renderTemplate.ts"
export { waitFor } from "./waitFor.ts"
export {
  DEAD_LEAF_ADVERTISE_PORT,
  hubLeafAdvertise,
  startTcpFaultProxy,
  type TcpFaultProxy,
  type TcpFaultProxyOptions
} from "./TcpFaultProxy.ts"
