/**
 * What a running local topology is made of, kept in `<stateDir>/state.json`
 * so every later command (`status`, `stop <name>`, `cut <site>`, `down`, a
 * failover drill in another process) acts on the same processes: each
 * component's ports (0 until its first start binds them, then kept: a
 * restart comes back on them), dirs and log file, and the pid + kernel start
 * time of its current process (null when stopped).
 */
import { Schema } from "effect"
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const Port = Schema.Int
const NullableString = Schema.NullOr(Schema.String)

const Running = {
  pid: Schema.NullOr(Schema.Int),
  startTime: NullableString
}

const NatsCommon = {
  serverName: Schema.String,
  host: Schema.String,
  port: Port,
  monitorPort: Port,
  storeDir: Schema.String
}

export const HubComponent = Schema.Struct({
  kind: Schema.Literal("nats-hub"),
  name: Schema.String,
  workDir: Schema.String,
  nats: Schema.Struct({ role: Schema.Literal("hub"), ...NatsCommon, leafPort: Port, leafAdvertise: Schema.String }),
  ...Running
})
export type HubComponent = typeof HubComponent.Type

export const LeafComponent = Schema.Struct({
  kind: Schema.Literal("nats-leaf"),
  name: Schema.String,
  site: Schema.String,
  workDir: Schema.String,
  nats: Schema.Struct({ role: Schema.Literal("leaf"), ...NatsCommon, domain: Schema.String, hubLeafAddress: Schema.String }),
  ...Running
})
export type LeafComponent = typeof LeafComponent.Type

export const WanLinkComponent = Schema.Struct({
  kind: Schema.Literal("wan-link"),
  name: Schema.String,
  site: Schema.String,
  host: Schema.String,
  listenPort: Port,
  targetPort: Port,
  controlPort: Port,
  logFile: Schema.String,
  ...Running
})
export type WanLinkComponent = typeof WanLinkComponent.Type

export const PostgresComponent = Schema.Struct({
  kind: Schema.Literal("postgres"),
  name: Schema.String,
  region: Schema.String,
  host: Schema.String,
  port: Port,
  clusterDir: Schema.String,
  /** The region's database on this cluster, owned by the region's role (RegionDbRole.ts). */
  database: Schema.optionalKey(Schema.String),
  /** Where the region role's generated password is kept (git-ignored state folder, mode 0600). */
  passwordFile: Schema.optionalKey(Schema.String),
  ...Running
})
export type PostgresComponent = typeof PostgresComponent.Type

export const RegionComponent = Schema.Struct({
  kind: Schema.Literal("region"),
  name: Schema.String,
  region: Schema.String,
  host: Schema.String,
  httpPort: Port,
  natsUrl: Schema.String,
  /** The region's own database; created (if missing) through the server's `postgres` database before each start. */
  databaseUrl: Schema.String,
  /** Entry point run with the runner's own Node (24). */
  main: Schema.String,
  sitesDir: Schema.String,
  logFile: Schema.String,
  ...Running
})
export type RegionComponent = typeof RegionComponent.Type

export const Component = Schema.Union([HubComponent, LeafComponent, WanLinkComponent, PostgresComponent, RegionComponent])
export type Component = typeof Component.Type
export type ComponentKind = Component["kind"]

export const TopologyState = Schema.Struct({
  version: Schema.Literal(1),
  stateDir: Schema.String,
  sitesDir: Schema.String,
  createdAt: Schema.String,
  /** TLS on the NATS servers' client listeners too (clients then need the mesh CA); leaf links always use TLS. */
  natsClientTls: Schema.optional(Schema.Boolean),
  /** In start order; `down` walks it in reverse kind order (see Topology.ts). */
  components: Schema.Array(Component)
})
export type TopologyState = typeof TopologyState.Type

export const stateFile = (stateDir: string): string => join(stateDir, "state.json")

export const readTopologyState = (stateDir: string): TopologyState | undefined => {
  let text: string
  try {
    text = readFileSync(stateFile(stateDir), "utf8")
  } catch {
    return undefined
  }
  return Schema.decodeUnknownSync(TopologyState)(JSON.parse(text))
}

/** Written atomically (temp file + rename), so a crash never leaves half a state file. */
export const writeTopologyState = (state: TopologyState): void => {
  mkdirSync(state.stateDir, { recursive: true })
  const file = stateFile(state.stateDir)
  // 0600: a region's database URL on a private cluster carries its role's password.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 })
  renameSync(`${file}.tmp`, file)
}
