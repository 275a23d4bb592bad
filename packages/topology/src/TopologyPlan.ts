/**
 * Turns the mesh declared under `sites/` into the components of a local
 * topology (all on loopback, dirs under the state dir):
 *
 *   nats-hub                     JetStream domain "hub"
 *   wan-<site>                   one WAN link proxy per enabled site
 *   nats-leaf-<site>             JetStream domain = site id, remote via wan-<site>
 *   postgres-<region>            private cluster (absent when a server URL is given)
 *   region-<region>              the region deployable
 *
 * The plan has no port numbers: every port is 0 until the component's first
 * start binds one (nats-server, the WAN link and the region listen on a port
 * the kernel picks, Postgres reserves and retries; ComponentRunner.ts), and
 * the addresses that name another component's port (a WAN link's target, a
 * leaf's remote, a region's NATS and database URLs) are filled in from the
 * started components just before each start (resolveAddresses.ts). So
 * components start in dependency order: hub, then per site its WAN link and
 * leaf, then Postgres, then regions.
 *
 * Names match the docker compose services (composeFile.ts) where both exist.
 */
import { enabledSites, HUB_DOMAIN, type MeshConfig } from "@logimesh/config"
import { join } from "node:path"
import { withDatabase } from "./ensureDatabase.ts"
import { REGION_DB_ROLE, rolePasswordFile } from "./RegionDbRole.ts"
import { postgresClusterDir } from "./postgresClusterDir.ts"
import { deadLeafAdvertise } from "./TcpFaultProxy.ts"
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

/** A port no component has bound yet (its first start lets the kernel pick, or reserves one). */
export const UNBOUND_PORT = 0

const stopped = { pid: null, startTime: null }

/** The WAN link and the leaf of one site (also used to add a site to a running topology). */
export const planSite = (site: string, options: { readonly stateDir: string; readonly host: string }): ReadonlyArray<Component> => {
  const { host } = options
  const leafDir = join(options.stateDir, "nats", `leaf-${site}`)
  return [
    {
      kind: "wan-link",
      name: wanLinkName(site),
      site,
      host,
      listenPort: UNBOUND_PORT,
      targetPort: UNBOUND_PORT,
      controlPort: UNBOUND_PORT,
      logFile: join(options.stateDir, "wan", `${site}.log`),
      ...stopped
    },
    {
      kind: "nats-leaf",
      name: leafName(site),
      site,
      workDir: leafDir,
      nats: {
        role: "leaf",
        serverName: `logimesh-leaf-${site}`,
        host,
        port: UNBOUND_PORT,
        monitorPort: UNBOUND_PORT,
        storeDir: join(leafDir, "jetstream"),
        domain: site,
        hubLeafAddress: `${host}:${UNBOUND_PORT}`
      },
      ...stopped
    }
  ]
}

export const planTopology = (mesh: MeshConfig, options: PlanOptions): TopologyState => {
  const host = options.host ?? "127.0.0.1"
  const components: Array<Component> = []

  const hubDir = join(options.stateDir, "nats", "hub")
  components.push({
    kind: "nats-hub",
    name: HUB_NAME,
    workDir: hubDir,
    nats: {
      role: "hub",
      serverName: `logimesh-${HUB_DOMAIN}`,
      host,
      port: UNBOUND_PORT,
      monitorPort: UNBOUND_PORT,
      storeDir: join(hubDir, "jetstream"),
      leafPort: UNBOUND_PORT,
      // Every leaf links through its WAN proxy: the hub must advertise a dead address (TcpFaultProxy.ts header).
      leafAdvertise: deadLeafAdvertise(host)
    },
    ...stopped
  })

  for (const site of enabledSites(mesh)) components.push(...planSite(site.id, { stateDir: options.stateDir, host }))

  for (const { region } of mesh.regions) {
    let databaseUrl: string
    if (options.databaseUrl === undefined) {
      const postgres = {
        kind: "postgres",
        name: postgresName(region.id),
        region: region.id,
        host,
        port: UNBOUND_PORT,
        clusterDir: postgresClusterDir(options.stateDir, region.id),
        database: region.database,
        passwordFile: rolePasswordFile(options.stateDir, region.id),
        ...stopped
      } as const
      components.push(postgres)
      // No port yet, no password in the plan: resolveAddresses.ts fills both in before the region starts.
      databaseUrl = `postgres://${REGION_DB_ROLE}@${host}:${UNBOUND_PORT}/${region.database}`
    } else {
      databaseUrl = withDatabase(options.databaseUrl, region.database)
    }
    if (options.regionMain === undefined) continue
    components.push({
      kind: "region",
      name: regionName(region.id),
      region: region.id,
      host,
      httpPort: UNBOUND_PORT,
      natsUrl: `nats://${host}:${UNBOUND_PORT}`,
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
