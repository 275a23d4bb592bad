/**
 * What one nats-server process needs (role, ports, store dir) and its config
 * text, rendered from `infra/nats/<role>.conf.tmpl`.
 */
import { renderInfraTemplate } from "./renderTemplate.ts"

interface Common {
  readonly serverName: string
  readonly host: string
  readonly port: number
  readonly monitorPort: number
  readonly storeDir: string
  readonly maxFileStore?: string
  /**
   * fsync every write (`sync_interval: always`, FIELD-NOTES pitfall 7). Needs
   * nats-server >= 2.10: the docker images set it, the local 2.9 cannot.
   */
  readonly syncAlways?: boolean
}

export type NatsServerConfig =
  | (Common & { readonly role: "standalone" })
  | (Common & {
    readonly role: "hub"
    readonly leafPort: number
    /** host:port the leaves' links really go through (a WAN proxy, or the leaf port itself). */
    readonly leafAdvertise: string
  })
  | (Common & {
    readonly role: "leaf"
    /** JetStream domain of the leaf: the site id. */
    readonly domain: string
    /** host:port of the hub's leafnode listener as this leaf reaches it (possibly through a proxy). */
    readonly hubLeafAddress: string
  })

export const renderNatsConfig = (config: NatsServerConfig): string => {
  const { syncAlways, ...values } = config
  return renderInfraTemplate(`nats/${config.role}.conf.tmpl`, {
    ...values,
    maxFileStore: config.maxFileStore ?? "4GB",
    jetstreamTuning: syncAlways === true ? "sync_interval: always" : "# sync_interval: server default (2.9 has no such setting)"
  })
}

export const clientUrl = (config: Pick<NatsServerConfig, "host" | "port">): string => `nats://${config.host}:${config.port}`
