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

export const renderNatsConfig = (config: NatsServerConfig): string =>
  renderInfraTemplate(`nats/${config.role}.conf.tmpl`, {
    ...config,
    maxFileStore: config.maxFileStore ?? "4GB"
  })

export const clientUrl = (config: Pick<NatsServerConfig, "host" | "port">): string => `nats://${config.host}:${config.port}`
