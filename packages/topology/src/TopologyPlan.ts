/**
 * Turns the mesh declared under `sites/` into the components of a local
 * topology (all on loopback, free ports, dirs under the state dir):
 *
 *   nats-hub                     JetStream domain "hub"
 *   wan-<site>                   one WAN link proxy per enabled site
 *   nats-leaf-<site>             JetStream domain = site id, remote via wan-<site>
 *   postgres-<region>            private cluster (absent when a server URL is given)
 *   region-<region>              the region deployable
 *
 * Names match the docker compose services (composeFile.ts) where both exist.
 */
import { enabledSites, HUB_DOMAIN, type MeshConfig } from "@logimesh/config"
import { join } from "node:path"
import { withDatabase } from "./ensureDatabase.ts"
import { freePort } from "./freePort.ts"
import { clientUrl } from "./NatsServerConfig.ts"
import { postgresClusterDir } from "./postgresClusterDir.ts"
import { hubLeafAdvertise } from "./TcpFaultProxy.ts"
import type { Component, TopologyState } from "./TopologyState.ts"

export interface PlanOptions {
  readonly stateDir: string
  readonly sitesDir: string
  /** Region entry point; regions are left out when it is undefined. */
  readonly regionMain: string | undefined
  /** An existing Postgres server (superuser URL): region databases go there instead of private clusters. */
  readonly databaseUrl?: string | undefined
  readonly host?: string
}

export const HUB_NAME = "nats-hub"
export const leafName = (site: string): string => `nats-leaf-${site}`
export const wanLinkName = (site: string): string => `wan-${site}`
export const postgresName = (region: string): string => `postgres-${region}`
export const regionName = (region: string): string => `region-${region}`

/** Hands out distinct free ports (the kernel may repeat one once it is released). */
export const portAllocator = (inUse: Iterable<number> = []) => {
  const taken = new Set<number>(inUse)
  return async (): Promise<number> => {
    for (;;) {
      const port = await freePort()
      if (!taken.has(port)) {
        taken.add(port)
        return port
      }
    }
  }
}

/** The WAN link and the leaf of one site (also used to add a site to a running topology). */
export const planSite = async (
  site: string,
  options: { readonly stateDir: string; readonly host: string; readonly hubLeafPort: number; readonly port: () => Promise<number> }
): Promise<ReadonlyArray<Component>> => {
  const { host, port } = options
  const stopped = { pid: null, startTime: null }
  const wan = {
    kind: "wan-link",
    name: wanLinkName(site),
    site,
    host,
    listenPort: await port(),
    targetPort: options.hubLeafPort,
    controlPort: await port(),
    logFile: join(options.stateDir, "wan", `${site}.log`),
    ...stopped
  } as const
  const leafDir = join(options.stateDir, "nats", `leaf-${site}`)
  return [wan, {
    kind: "nats-leaf",
    name: leafName(site),
    site,
    workDir: leafDir,
    nats: {
      role: "leaf",
      serverName: `logimesh-leaf-${site}`,
      host,
      port: await port(),
      monitorPort: await port(),
      storeDir: join(leafDir, "jetstream"),
      domain: site,
      hubLeafAddress: `${host}:${wan.listenPort}`
    },
    ...stopped
  }]
}

export const planTopology = async (mesh: MeshConfig, options: PlanOptions): Promise<TopologyState> => {
  const host = options.host ?? "127.0.0.1"
  const port = portAllocator()
  const stopped = { pid: null, startTime: null }
  const components: Array<Component> = []

  const hubDir = join(options.stateDir, "nats", "hub")
  const hub = {
    kind: "nats-hub",
    name: HUB_NAME,
    workDir: hubDir,
    nats: {
      role: "hub",
      serverName: `logimesh-${HUB_DOMAIN}`,
      host,
      port: await port(),
      monitorPort: await port(),
      storeDir: join(hubDir, "jetstream"),
      leafPort: await port(),
      // Every leaf links through its WAN proxy: the hub must advertise a dead address (TcpFaultProxy.ts header).
      leafAdvertise: hubLeafAdvertise({ host, leafPort: 0, viaProxy: true })
    },
    ...stopped
  } as const
  components.push(hub)

  for (const site of enabledSites(mesh)) components.push(...(await planSite(site.id, { stateDir: options.stateDir, host, hubLeafPort: hub.nats.leafPort, port })))

  for (const { region } of mesh.regions) {
    let databaseUrl: string
    if (options.databaseUrl === undefined) {
      const pgPort = await port()
      components.push({
        kind: "postgres",
        name: postgresName(region.id),
        region: region.id,
        host,
        port: pgPort,
        clusterDir: postgresClusterDir(options.stateDir, region.id),
        ...stopped
      })
      databaseUrl = `postgres://postgres@${host}:${pgPort}/${region.database}`
    } else {
      databaseUrl = withDatabase(options.databaseUrl, region.database)
    }
    if (options.regionMain === undefined) continue
    components.push({
      kind: "region",
      name: regionName(region.id),
      region: region.id,
      host,
      httpPort: await port(),
      natsUrl: clientUrl(hub.nats),
      databaseUrl,
      main: options.regionMain,
      sitesDir: options.sitesDir,
      logFile: join(options.stateDir, "region", `${region.id}.log`),
      ...stopped
    })
  }

  return {
    version: 1,
    stateDir: options.stateDir,
    sitesDir: options.sitesDir,
    createdAt: new Date().toISOString(),
    components
  }
}
