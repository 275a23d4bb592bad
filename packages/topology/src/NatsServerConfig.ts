/**
 * What one nats-server process needs (role, ports, store dir) and its config
 * text, rendered from `infra/nats/<role>.conf.tmpl`.
 *
 * A port of 0 means "the server picks one": rendered as nats-server's `-1`
 * (its own 0 means the default port), and read back from the server once it
 * listens (NatsServer.ts). A config whose ports are all set starts on exactly
 * those ports (a restart, or the fixed ports of the docker compose render).
 */
import { type NatsServerSecurity, renderTls } from "./natsServerSecurity.ts"
import { renderInfraTemplate } from "./renderTemplate.ts"

interface Common {
  readonly serverName: string
  readonly host: string
  /** Client port; 0 = picked by the server at start. */
  readonly port: number
  /** Monitoring (HTTP) port; 0 = picked by the server at start. */
  readonly monitorPort: number
  readonly storeDir: string
  readonly maxFileStore?: string
  /**
   * fsync every write (`sync_interval: always`; by default the file store
   * syncs every 2 minutes, so an OS crash can lose acknowledged messages).
   * Needs nats-server >= 2.10: the docker images set it, the local 2.9 cannot.
   */
  readonly syncAlways?: boolean
}

export type NatsServerConfig =
  | (Common & { readonly role: "standalone" })
  | (Common & {
      readonly role: "hub"
      /** Leafnode port; 0 = picked by the server at start. */
      readonly leafPort: number
      /**
       * host:port the leaves' links really go through (a dead address when they go through WAN proxies,
       * `hubLeafAdvertise`). Absent: the server advertises its own leaf listener.
       */
      readonly leafAdvertise?: string | undefined
    })
  | (Common & {
      readonly role: "leaf"
      /** JetStream domain of the leaf: the site id. */
      readonly domain: string
      /** host:port of the hub's leafnode listener as this leaf reaches it (possibly through a proxy). */
      readonly hubLeafAddress: string
    })

export interface RenderNatsOptions {
  /** Where the server writes `<exe>_<pid>.ports` with the ports it bound (`ports_file_dir`). */
  readonly portsFileDir?: string | undefined
  /** Users, permissions and TLS (natsServerSecurity.ts); absent: anonymous, no TLS (test servers). */
  readonly security?: NatsServerSecurity | undefined
}

const leafRemoteUrl = (hubLeafAddress: string, security: NatsServerSecurity | undefined): string => {
  const remote = security?.leafRemote
  if (remote === undefined) return JSON.stringify(`nats-leaf://${hubLeafAddress}`)
  if (remote.kind === "variable") return `$${remote.name}`
  return JSON.stringify(`nats-leaf://${remote.user}:${remote.password}@${hubLeafAddress}`)
}

/** nats-server's "pick a random port" (`-1`) for a port of 0. */
const listenPort = (port: number): number => (port === 0 ? -1 : port)

export const renderNatsConfig = (config: NatsServerConfig, options: RenderNatsOptions = {}): string => {
  const roleValues: Readonly<Record<string, string | number>> =
    config.role === "hub"
      ? {
          leafPort: listenPort(config.leafPort),
          leafAdvertise:
            config.leafAdvertise === undefined ? "# advertise: not set, the hub advertises its own leaf listener" : `advertise: "${config.leafAdvertise}"`
        }
      : config.role === "leaf"
        ? { domain: config.domain, remoteUrl: leafRemoteUrl(config.hubLeafAddress, options.security) }
        : {}
  const security = options.security
  return renderInfraTemplate(`nats/${config.role}.conf.tmpl`, {
    serverName: config.serverName,
    host: config.host,
    storeDir: config.storeDir,
    ...roleValues,
    port: listenPort(config.port),
    monitorPort: listenPort(config.monitorPort),
    portsFileDir: options.portsFileDir === undefined ? "# ports_file_dir: not set (fixed ports)" : `ports_file_dir: "${options.portsFileDir}"`,
    maxFileStore: config.maxFileStore ?? "4GB",
    jetstreamTuning: config.syncAlways === true ? "sync_interval: always" : "# sync_interval: server default (2.9 has no such setting)",
    authorization: security?.authorization ?? "# authorization: none (anonymous clients)",
    clientTls: security?.clientTls === undefined ? "# tls: none on the client listener" : renderTls(security.clientTls, false),
    leafTls:
      security?.leafTls === undefined
        ? "# tls: none on the leafnode link"
        : renderTls(security.leafTls, config.role === "hub", config.role === "hub" ? "  " : "      ")
  })
}

/** The ports a config asks for by number (not 0): client, monitoring and, for a hub, leafnode. */
export const fixedPorts = (config: NatsServerConfig): ReadonlyArray<number> =>
  [config.port, config.monitorPort, ...(config.role === "hub" ? [config.leafPort] : [])].filter((port) => port !== 0)

export const clientUrl = (config: Pick<NatsServerConfig, "host" | "port">): string => `nats://${config.host}:${config.port}`
