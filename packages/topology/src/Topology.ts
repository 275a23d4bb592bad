/**
 * The local topology as a typed API (the CLI in cli.ts is a thin shell over
 * it; tests and failover drills call it directly):
 *
 *   const topology = await upTopology({ stateDir, sitesDir, env })
 *   await topology.kill("nats-leaf-dc-antwerp"); await topology.start("nats-leaf-dc-antwerp")
 *   await topology.cut("dc-antwerp"); await topology.restore("dc-antwerp")
 *   await topology.down()
 *
 * `loadTopology(stateDir)` gives the same handle over a topology another
 * process started. State lives in `<stateDir>/state.json` and is rewritten
 * after every start/stop, so pids there are always current.
 */
import { loadMeshConfig, type MeshConfig } from "@logimesh/config"
import { Effect } from "effect"
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import {
  addressOf,
  controlUrl,
  type Health,
  healthOf,
  isComponentAlive,
  killComponent,
  logFileOf,
  regionUrl,
  reloadNatsSecurity,
  startComponent,
  stopComponent
} from "./ComponentRunner.ts"
import { applyMeshStreams } from "./applyMeshStreams.ts"
import { type CredentialRotationReport, type RotationContext, rotateLeafLink, rotateNatsUser } from "./rotateNatsUser.ts"
import { ensureMeshCredentials, type NatsClientCredentials } from "./NatsCredentials.ts"
import { adminCredentialsEnv, topologySecurity } from "./TopologySecurity.ts"
import { hubLinkedDomains } from "./hubLinkedDomains.ts"
import { clientUrl } from "./NatsServerConfig.ts"
import { repoRoot } from "./renderTemplate.ts"
import { waitFor } from "./waitFor.ts"
import { resolveAddresses } from "./resolveAddresses.ts"
import { regionDatabaseUrl } from "./regionDatabaseUrl.ts"
import { apiKeysFilePath, issueRegionApiKeys, issueSiteApiKey, regionApiKeys } from "./TopologyApiKeys.ts"
import { leafName, planSite, planTopology, wanLinkName } from "./TopologyPlan.ts"
import { type Component, type ComponentKind, readTopologyState, type TopologyState, writeTopologyState } from "./TopologyState.ts"
import { cutWanLink, restoreWanLink, type WanLinkStatus } from "./WanLinkControl.ts"
import { definedFields } from "@logimesh/model"

/** Where `npm run up` keeps its state unless told otherwise (git-ignored). */
export const DEFAULT_STATE_DIR = join(repoRoot, ".logimesh", "topology")
export const DEFAULT_SITES_DIR = join(repoRoot, "sites")
export const REGION_MAIN = join(repoRoot, "packages", "region", "src", "main.ts")

/** A minimal environment for spawned processes when the caller passes none. */
const DEFAULT_ENV: NodeJS.ProcessEnv = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" }

export interface TopologyOptions {
  readonly stateDir?: string
  /** Base environment of spawned Node processes (the CLI passes its own). */
  readonly env?: NodeJS.ProcessEnv
  /** One line per step, with the elapsed time since the operation began. */
  readonly onProgress?: (line: string) => void
  readonly regionReadyTimeoutMs?: number
}

export interface UpOptions extends TopologyOptions {
  readonly sitesDir?: string
  /** An existing Postgres server (superuser URL) for the region databases instead of private clusters. */
  readonly databaseUrl?: string | undefined
  /** Start region processes (default: when packages/region/src/main.ts exists). */
  readonly withRegions?: boolean
  /** Remove the state dir (JetStream stores, Postgres clusters, logs, secrets) before starting. */
  readonly fresh?: boolean
  /** TLS on the NATS client listeners too (`up --nats-client-tls`); leaf links always use TLS. */
  readonly natsClientTls?: boolean
}

export interface ComponentStatus {
  readonly name: string
  readonly kind: ComponentKind
  readonly pid: number | null
  readonly alive: boolean
  readonly health: Health
  readonly address: string
  readonly logFile: string
}

export interface Topology {
  readonly stateDir: string
  readonly state: TopologyState
  component(name: string): Component
  status(): Promise<ReadonlyArray<ComponentStatus>>
  start(name: string): Promise<void>
  stop(name: string): Promise<void>
  /** SIGKILL (a crash); Postgres loses its postmaster and every backend. */
  kill(name: string): Promise<void>
  restart(name: string): Promise<void>
  /** Cuts the WAN link of a site (its leaf loses the hub until `restore`). */
  cut(site: string): Promise<WanLinkStatus>
  restore(site: string): Promise<WanLinkStatus>
  /** Stops everything in reverse order: regions, leaves, WAN links, hub, Postgres. Verifies every pid has gone. */
  down(): Promise<void>
  /** Site ids whose leaf is linked to the hub right now (the hub's `/leafz`). */
  linkedSites(): Promise<ReadonlySet<string>>
  /**
   * The credentials files (NKey seed, the CA when client TLS is on) of a NATS user of this topology:
   * `admin`, `region-<region>`, `erp`, `dispatch`, `carrier`, `wes-<site>` (NatsCredentials.ts).
   */
  natsCredentials(user: string): NatsClientCredentials
  /** Where to look: NATS client/monitor URLs, region HTTP, WAN control ports. */
  urls(): ReadonlyArray<{ readonly what: string; readonly url: string }>
  /**
   * Brings a site declared (enabled) in `sites/` into the running topology: its WAN link and leaf
   * are planned and started, the mesh streams applied (its SITE_EVENTS / SITE_COMMANDS, the hub's
   * sources, its region consumer), and its region reloads `sites/` and starts serving it. Nothing
   * else is restarted.
   */
  addSite(site: string): Promise<SiteChangeReport>
  /** Marks the site disabled in its file, tells its region (no new work for it), applies the streams, stops its leaf and WAN link. */
  disableSite(site: string): Promise<SiteChangeReport>
  /**
   * A new NKey seed for `user`; every running NATS server hosting it reloads its users (SIGHUP, no restart);
   * a `region-<region>` user's region is restarted, other clients must reconnect with the new seed (rotateNatsUser.ts).
   */
  rotateNatsUser(user: string): Promise<CredentialRotationReport>
  /** A new password for the leaf link of `site`: the hub reloads, the site's leaf restarts and links again. */
  rotateLeafLink(site: string): Promise<CredentialRotationReport>
}

export interface SiteChangeReport {
  readonly site: string
  readonly region: string
  readonly started: ReadonlyArray<string>
  readonly stopped: ReadonlyArray<string>
  /** What the region said after its reload (`POST /v1/sites/reload`). */
  readonly regionSites: ReadonlyArray<string>
  readonly elapsedMs: number
}

const DOWN_ORDER: ReadonlyArray<ComponentKind> = ["region", "nats-leaf", "wan-link", "nats-hub", "postgres"]

const progressClock = (onProgress: ((line: string) => void) | undefined) => {
  const started = Date.now()
  return (line: string): void => onProgress?.(`[${((Date.now() - started) / 1000).toFixed(2).padStart(6)}s] ${line}`)
}

/** `sharedLog`: one clock for a whole `up`, instead of one per operation. */
const makeTopology = (initial: TopologyState, options: TopologyOptions, sharedLog?: (line: string) => void): Topology => {
  let state = initial
  // Another process (the CLI, a drill) may have started or stopped something since: read the file again.
  const refresh = (): TopologyState => {
    state = readTopologyState(state.stateDir) ?? state
    return state
  }
  const newLog = (): ((line: string) => void) => sharedLog ?? progressClock(options.onProgress)
  const context = {
    env: options.env ?? DEFAULT_ENV,
    security: topologySecurity(state),
    ...definedFields({ regionReadyTimeoutMs: options.regionReadyTimeoutMs })
  }

  const component = (name: string): Component => {
    const found = refresh().components.find((c) => c.name === name)
    if (found === undefined) {
      throw new Error(`no component "${name}" in ${state.stateDir}; known: ${state.components.map((c) => c.name).join(", ")}`)
    }
    return found
  }
  const replace = (updated: Component): void => {
    const current = refresh()
    state = { ...current, components: current.components.map((c) => (c.name === updated.name ? updated : c)) }
    writeTopologyState(state)
  }
  const record = (name: string, pid: number | null, startTime: string | null): void => replace({ ...component(name), pid, startTime })

  const start = async (name: string, log = newLog()): Promise<void> => {
    const target = component(name)
    if (isComponentAlive(target)) {
      log(`${name.padEnd(24)} already running (pid ${target.pid})`)
      return
    }
    log(`${name.padEnd(24)} starting…`)
    // The addresses it takes from components started before it, then the ports it binds itself (kept from now on).
    const started = await startComponent(resolveAddresses(target, state.components), context)
    replace({ ...started.component, pid: started.running.pid, startTime: started.running.startTime })
    log(`${name.padEnd(24)} ready   pid ${String(started.running.pid).padEnd(7)} ${addressOf(started.component)}`)
  }
  const stop = async (name: string, how: "stop" | "kill", log = newLog()): Promise<void> => {
    const target = component(name)
    if (how === "kill") await killComponent(target)
    else await stopComponent(target)
    if (isComponentAlive(target)) throw new Error(`${name} (pid ${target.pid}) is still alive after ${how}`)
    record(name, null, null)
    if (target.pid !== null) log(`${name.padEnd(24)} ${how === "kill" ? "killed " : "stopped"} pid ${target.pid}`)
  }
  const wanLink = (site: string): Component & { kind: "wan-link" } => {
    const link = component(wanLinkName(site))
    if (link.kind !== "wan-link") throw new Error(`${link.name} is not a WAN link`)
    return link
  }

  const meshOf = () => Effect.runPromise(loadMeshConfig(refresh().sitesDir))
  const regionOfSite = (mesh: MeshConfig, site: string) => {
    const entry = mesh.regions.find((r) => r.sites.some((s) => s.id === site))
    if (entry === undefined) throw new Error(`site "${site}" is not declared under ${mesh.dir} (add sites/<region>/${site}.json first)`)
    return { region: entry.region.id as string, config: entry.sites.find((s) => s.id === site) }
  }
  /** Every region process of `region` reads `sites/` again and answers with the sites it now serves. */
  const reloadRegion = async (region: string, site: string, expectServing: boolean, log: (line: string) => void) => {
    const regions = refresh().components.flatMap((c) => (c.kind === "region" && c.region === region && isComponentAlive(c) ? [c] : []))
    let served: ReadonlyArray<string> = []
    for (const c of regions) {
      const url = regionUrl(c)
      const authorization = { authorization: `Bearer ${regionApiKeys(state.stateDir, region).admin}` }
      if (expectServing) await issueSiteApiKey(state.stateDir, region, regionDatabaseUrl(resolveAddresses(c, refresh().components)), site)
      const response = await fetch(`${url}/v1/sites/reload`, { method: "POST", headers: authorization, signal: AbortSignal.timeout(90_000) })
      const body = (await response.json()) as { readonly sites?: ReadonlyArray<{ readonly id: string }>; readonly detail?: string }
      if (!response.ok) throw new Error(`${c.name} refused the reload (${response.status}): ${body.detail ?? JSON.stringify(body)}`)
      // Serving = its command gateway for the site is consuming (or, for a disable, the site is gone).
      served = await waitFor(
        `${c.name} ${expectServing ? "serving" : "no longer serving"} ${site}`,
        async () => {
          const now = (await (await fetch(`${url}/v1/sites`, { headers: authorization, signal: AbortSignal.timeout(5_000) })).json()) as {
            readonly sites: ReadonlyArray<{ readonly id: string; readonly gateway: string }>
          }
          const entry = now.sites.find((s) => s.id === site)
          const done = expectServing ? entry?.gateway === "running" : entry === undefined
          return done ? now.sites.map((s) => s.id) : undefined
        },
        { timeoutMs: 30_000, intervalMs: 200 }
      )
      log(`${c.name.padEnd(24)} reloaded sites: ${served.join(", ")}`)
    }
    return served
  }
  const applyStreamsNow = async (mesh: MeshConfig, log: (line: string) => void) => {
    const hub = refresh().components.find((c) => c.kind === "nats-hub")
    if (hub === undefined || hub.kind !== "nats-hub") throw new Error(`no hub in ${state.stateDir}`)
    const applied = await applyMeshStreams(mesh.dir, clientUrl(hub.nats), adminCredentialsEnv(context.security))
    log(`streams                  applied  ${applied.created} created, ${applied.updated} updated, ${applied.unchanged} unchanged`)
  }

  const addSite = async (site: string): Promise<SiteChangeReport> => {
    const started = Date.now()
    const log = newLog()
    const mesh = await meshOf()
    const { region, config } = regionOfSite(mesh, site)
    if (config?.enabled !== true) throw new Error(`site "${site}" is disabled in its file; set "enabled": true first`)
    const current = refresh()
    const hub = current.components.find((c) => c.kind === "nats-hub")
    if (hub === undefined || hub.kind !== "nats-hub") throw new Error(`no hub in ${current.stateDir}`)
    if (!current.components.some((c) => c.name === leafName(site))) {
      const planned = planSite(site, { stateDir: current.stateDir, host: hub.nats.host })
      // Leaves and links go before the regions and Postgres, as `up` orders them.
      const firstLater = current.components.findIndex((c) => c.kind === "postgres" || c.kind === "region")
      const components = [...current.components]
      components.splice(firstLater < 0 ? components.length : firstLater, 0, ...planned)
      state = { ...current, components }
      writeTopologyState(state)
      log(`${site.padEnd(24)} planned  ${planned.map((c) => c.name).join(", ")}`)
    }
    // The hub learns the site's leaf user (and its region the site's domain) before the leaf links.
    await reloadNatsSecurity(hub, context)
    log(`${hub.name.padEnd(24)} reloaded its users`)
    const names = [wanLinkName(site), leafName(site)]
    for (const name of names) await start(name, log)
    await waitFor(`${site} linked to the hub`, async () => ((await topologyHandle.linkedSites()).has(site) ? true : undefined), {
      timeoutMs: 20_000
    })
    await applyStreamsNow(mesh, log)
    const regionSites = await reloadRegion(region, site, true, log)
    return { site, region, started: names, stopped: [], regionSites, elapsedMs: Date.now() - started }
  }

  const disableSite = async (site: string): Promise<SiteChangeReport> => {
    const started = Date.now()
    const log = newLog()
    const before = await meshOf()
    const { region } = regionOfSite(before, site)
    const file = join(before.dir, region, `${site}.json`)
    const declared = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>
    if (declared["enabled"] !== false) {
      writeFileSync(file, `${JSON.stringify({ ...declared, enabled: false }, null, 2)}\n`)
      log(`${site.padEnd(24)} disabled in ${file}`)
    }
    const regionSites = await reloadRegion(region, site, false, log)
    await applyStreamsNow(await meshOf(), log)
    const names = [leafName(site), wanLinkName(site)].filter((name) => refresh().components.some((c) => c.name === name))
    for (const name of names) await stop(name, "stop", log)
    return { site, region, started: [], stopped: names, regionSites, elapsedMs: Date.now() - started }
  }

  const rotation = (): RotationContext => {
    const log = newLog()
    return {
      state: refresh,
      runner: context,
      restart: async (name) => {
        await stop(name, "stop", log)
        await start(name, log)
      },
      linkedSites: () => topologyHandle.linkedSites(),
      log
    }
  }

  const topologyHandle: Topology = {
    stateDir: state.stateDir,
    get state() {
      return refresh()
    },
    component,
    status: () =>
      Promise.all(
        refresh().components.map(
          async (c): Promise<ComponentStatus> => ({
            name: c.name,
            kind: c.kind,
            pid: c.pid,
            alive: isComponentAlive(c),
            health: await healthOf(c),
            address: addressOf(c),
            logFile: logFileOf(c)
          })
        )
      ),
    start: (name) => start(name),
    stop: (name) => stop(name, "stop"),
    kill: (name) => stop(name, "kill"),
    restart: async (name) => {
      const log = newLog()
      await stop(name, "stop", log)
      await start(name, log)
    },
    cut: async (site) => {
      const status = await cutWanLink(controlUrl(wanLink(site)))
      newLog()(`${wanLinkName(site).padEnd(24)} CUT`)
      return status
    },
    restore: async (site) => {
      const status = await restoreWanLink(controlUrl(wanLink(site)))
      newLog()(`${wanLinkName(site).padEnd(24)} restored`)
      return status
    },
    down: async () => {
      const log = newLog()
      const failures: Array<string> = []
      for (const kind of DOWN_ORDER) {
        for (const c of refresh()
          .components.filter((x) => x.kind === kind)
          .reverse()) {
          await stop(c.name, "stop", log).catch((error: unknown) => failures.push(`${c.name}: ${String(error)}`))
        }
      }
      if (failures.length > 0) throw new Error(`down left processes behind:\n${failures.join("\n")}`)
      log(`down: all ${state.components.length} components stopped`)
    },
    linkedSites: () => {
      const hub = refresh().components.find((c) => c.kind === "nats-hub")
      if (hub === undefined) throw new Error(`no hub in ${state.stateDir}`)
      return hubLinkedDomains(hub.nats)
    },
    urls: () =>
      refresh().components.flatMap((c) => {
        switch (c.kind) {
          case "nats-hub":
          case "nats-leaf":
            return [
              { what: `${c.name} client`, url: `nats://${c.nats.host}:${c.nats.port}` },
              { what: `${c.name} monitor`, url: `http://${c.nats.host}:${c.nats.monitorPort}` }
            ]
          case "wan-link":
            return [{ what: `${c.name} control`, url: `${controlUrl(c)}/status` }]
          case "postgres":
            return [{ what: `${c.name}`, url: `postgres://postgres@${c.host}:${c.port}/postgres` }]
          case "region":
            return [{ what: `${c.name} http`, url: `${regionUrl(c)}/readyz` }]
        }
      }),
    natsCredentials: (user) => topologySecurity(refresh()).credentials(user),
    addSite,
    disableSite,
    rotateNatsUser: (user) => rotateNatsUser(user, rotation()),
    rotateLeafLink: (site) => rotateLeafLink(site, rotation())
  }
  return topologyHandle
}

/** The handle over a topology recorded in `stateDir` (started by this or another process). */
export const loadTopology = (options: TopologyOptions = {}): Topology => {
  const stateDir = resolve(options.stateDir ?? DEFAULT_STATE_DIR)
  const state = readTopologyState(stateDir)
  if (state === undefined) throw new Error(`no topology recorded in ${stateDir} (run "up" first)`)
  return makeTopology(state, options)
}

const applyStreamsStep = async (mesh: MeshConfig, topology: Topology, log: (line: string) => void): Promise<void> => {
  // As recorded now: the hub's port is the one it bound.
  const state = topology.state
  const hub = state.components.find((c) => c.kind === "nats-hub")
  if (hub === undefined) return
  const sites = state.components.filter((c) => c.kind === "nats-leaf").length
  await waitFor("every leaf linked to the hub", async () => ((await topology.linkedSites()).size >= sites ? true : undefined), {
    timeoutMs: 20_000
  })
  if (hub.nats === undefined) return
  const applied = await applyMeshStreams(mesh.dir, clientUrl(hub.nats), adminCredentialsEnv(topologySecurity(state)))
  log(`streams                  applied  ${applied.created} created, ${applied.updated} updated, ${applied.unchanged} unchanged`)
}

/**
 * Starts the whole mesh declared in `sitesDir`: hub, WAN links, leaves,
 * Postgres, regions — each waited for before the next, each on ports it binds
 * itself and records (a component started later reads them: TopologyPlan.ts).
 * On any failure it stops what it started and rethrows.
 */
export const upTopology = async (options: UpOptions = {}): Promise<Topology> => {
  const log = progressClock(options.onProgress)
  const stateDir = resolve(options.stateDir ?? DEFAULT_STATE_DIR)
  const sitesDir = resolve(options.sitesDir ?? DEFAULT_SITES_DIR)
  const previous = readTopologyState(stateDir)
  if (previous !== undefined) {
    const alive = previous.components.filter(isComponentAlive)
    if (alive.length > 0) {
      throw new Error(`a topology is already running from ${stateDir} (${alive.map((c) => c.name).join(", ")}); run "down" first`)
    }
  }
  if (options.fresh === true) rmSync(stateDir, { recursive: true, force: true })
  mkdirSync(stateDir, { recursive: true })

  const mesh = await Effect.runPromise(loadMeshConfig(sitesDir))
  const withRegions = options.withRegions ?? existsSync(REGION_MAIN)
  const state = {
    ...planTopology(mesh, {
      stateDir,
      sitesDir,
      regionMain: withRegions ? REGION_MAIN : undefined,
      databaseUrl: options.databaseUrl
    }),
    natsClientTls: options.natsClientTls === true
  }
  // Every user's secret before anything starts: tools and simulators find their seed files from now on.
  ensureMeshCredentials(topologySecurity(state).secretsDir, mesh)
  writeTopologyState(state)
  log(`mesh ${sitesDir}: ${mesh.regions.length} region(s), ${state.components.filter((c) => c.kind === "nats-leaf").length} enabled site(s); state ${stateDir}`)
  if (!withRegions) log(`regions skipped (${options.withRegions === false ? "asked" : `no ${REGION_MAIN}`})`)

  const topology = makeTopology(state, { ...options, stateDir }, log)
  try {
    let streamsApplied = false
    for (const c of state.components) {
      // Streams need the hub and every leaf linked (site domains are reached through the hub).
      if (!streamsApplied && (c.kind === "postgres" || c.kind === "region")) {
        await applyStreamsStep(mesh, topology, log)
        streamsApplied = true
      }
      await topology.start(c.name)
    }
    if (!streamsApplied) await applyStreamsStep(mesh, topology, log)
    // The callers' API keys, once each region has migrated its database (it serves only after that).
    for (const c of topology.state.components) {
      if (c.kind !== "region") continue
      const sites =
        mesh.regions
          .find((r) => r.region.id === c.region)
          ?.sites.filter((site) => site.enabled)
          .map((site) => site.id as string) ?? []
      await issueRegionApiKeys(stateDir, c.region, regionDatabaseUrl(resolveAddresses(c, topology.state.components)), sites)
      log(`${c.name.padEnd(24)} API keys ${apiKeysFilePath(stateDir)}`)
    }
  } catch (error) {
    log(`start failed: ${error instanceof Error ? error.message : String(error)}`)
    log("stopping what was started")
    await topology.down().catch(() => undefined)
    throw error
  }
  log(`up: ${state.components.length} components ready`)
  return makeTopology(topology.state, { ...options, stateDir })
}
