/**
 * Fills in the addresses a component takes from other components' ports,
 * from the ports those components bound when they started (the plan has
 * none: TopologyPlan.ts):
 *
 *   wan-<site>          targetPort     = the hub's leafnode port
 *   nats-leaf-<site>    hubLeafAddress = its WAN link's listen address
 *   region-<region>     natsUrl        = the hub's client URL
 *                       databaseUrl    = its private cluster's port (unchanged on a given server),
 *                                        as the region's role with its password (RegionDbRole.ts)
 *
 * Run before every start; since a component keeps its ports once bound, a
 * restart resolves to the same addresses. Starting a component before what
 * it depends on has ever started is refused, naming what to start first.
 */
import { withDatabase } from "./ensureDatabase.ts"
import { clientUrl } from "./NatsServerConfig.ts"
import { clusterAdminUrl, clusterRoleUrl } from "./PostgresCluster.ts"
import { ensureRolePassword, REGION_DB_ROLE } from "./RegionDbRole.ts"
import { UNBOUND_PORT } from "./TopologyPlan.ts"
import type { Component } from "./TopologyState.ts"

const bound = <C extends Component>(dependency: C | undefined, port: (c: C) => number, dependent: Component, what: string): C => {
  if (dependency === undefined) throw new Error(`${dependent.name} needs ${what}, and the topology has none`)
  if (port(dependency) === UNBOUND_PORT) {
    throw new Error(`${dependent.name} needs the port of ${dependency.name}, which has not started yet: start ${dependency.name} first`)
  }
  return dependency
}

export const resolveAddresses = (component: Component, components: ReadonlyArray<Component>): Component => {
  const hub = () => {
    const found = components.find((c) => c.kind === "nats-hub")
    return found?.kind === "nats-hub" ? found : undefined
  }
  switch (component.kind) {
    case "wan-link": {
      const target = bound(hub(), (h) => h.nats.leafPort, component, "a NATS hub")
      return { ...component, targetPort: target.nats.leafPort }
    }
    case "nats-leaf": {
      const found = components.find((c) => c.kind === "wan-link" && c.site === component.site)
      const wan = bound(found?.kind === "wan-link" ? found : undefined, (w) => w.listenPort, component, `a WAN link for ${component.site}`)
      return { ...component, nats: { ...component.nats, hubLeafAddress: `${wan.host}:${wan.listenPort}` } }
    }
    case "region": {
      const natsHub = bound(hub(), (h) => h.nats.port, component, "a NATS hub")
      const found = components.find((c) => c.kind === "postgres" && c.region === component.region)
      const cluster = found?.kind === "postgres" ? bound(found, (p) => p.port, component, "") : undefined
      const database = new URL(component.databaseUrl).pathname.slice(1)
      return {
        ...component,
        natsUrl: clientUrl(natsHub.nats),
        databaseUrl:
          cluster === undefined
            ? component.databaseUrl
            : cluster.passwordFile === undefined
              ? withDatabase(clusterAdminUrl(cluster), database) // a topology recorded before clusters had a region role
              : clusterRoleUrl(cluster, database, REGION_DB_ROLE, ensureRolePassword(cluster.passwordFile))
      }
    }
    case "nats-hub":
    case "postgres":
      return component
  }
}
