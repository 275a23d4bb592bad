/**
 * Starts, health-checks, stops and kills one topology component from its
 * record alone (no handle to a child process needed), so any later process —
 * the CLI, a test, a drill — can act on what an earlier one started.
 * Every start waits for the component's own readiness signal:
 *   NATS        /healthz?js-enabled-only=true
 *   WAN link    its control port answers /status
 *   Postgres    pg_ctl -w, then SELECT 1
 *   region      GET /readyz = 200 (NATS and Postgres reachable)
 *
 * Ports: a component whose ports are 0 has never started; it binds ports the
 * kernel picks and reports them (nats-server: its ports file and /varz; WAN
 * link and region: the ports file they write, PortsFile.ts; Postgres cannot
 * take port 0 and reserves and retries), and `startComponent` returns the
 * component with those ports for the caller to record. Every later start
 * asks for the same ports, retried while one is in use
 * (retryWhileAddressInUse.ts).
 */
import { existsSync, mkdirSync, rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { ensureDatabase, postgresAnswers, withDatabase } from "./ensureDatabase.ts"
import { logCursor } from "./logCursor.ts"
import { spawnManaged } from "./ManagedProcess.ts"
import { natsHealthy, reloadNatsServerUsers, startNatsServer } from "./NatsServer.ts"
import {
  clusterAdminUrl,
  initPostgresCluster,
  killPostgresCluster,
  startPostgresCluster,
  startPostgresClusterOnFreePort,
  stopPostgresCluster
} from "./PostgresCluster.ts"
import { boundPort, type BoundPorts, readPortsFile } from "./PortsFile.ts"
import { isProcessAlive, processStartTime, terminateProcess } from "./ProcessIdentity.ts"
import { ensureRolePassword, provisionRegionDatabase } from "./RegionDbRole.ts"
import { AddressInUseError, mentionsAddressInUse, retryWhileAddressInUse } from "./retryWhileAddressInUse.ts"
import type { Component, HubComponent, LeafComponent, PostgresComponent, RegionComponent, WanLinkComponent } from "./TopologyState.ts"
import { regionCredentialsEnv, type TopologySecurity } from "./TopologySecurity.ts"
import { waitFor } from "./waitFor.ts"
import { wanLinkStatus } from "./WanLinkControl.ts"

export interface RunningProcess {
  readonly pid: number
  readonly startTime: string
}

/** A started component: its process, and the component with the ports it bound. */
export interface StartedComponent {
  readonly running: RunningProcess
  readonly component: Component
}

export interface Health {
  readonly ok: boolean
  readonly detail: string
}

export interface RunnerContext {
  /** Environment for spawned Node processes (the CLI passes its own). */
  readonly env: NodeJS.ProcessEnv
  readonly regionReadyTimeoutMs?: number
  /** Users, permissions and TLS of the NATS servers, credentials of the regions (TopologySecurity.ts); absent: anonymous. */
  readonly security?: TopologySecurity | undefined
}

const WAN_LINK_MAIN = fileURLToPath(new URL("./wanLinkMain.ts", import.meta.url))

/**
 * V8 flags of a region process (also in package.json's `region` and `bench:engine` scripts and the
 * region Dockerfile). A larger young generation: the engine allocates short-lived objects per message
 * at a high rate, and with the default semi-space the scavenger took ~14% of the process
 * (bench/results: 7.9k -> 9.4k events/s with 128 MB, RSS +120 MB).
 */
export const REGION_NODE_FLAGS: ReadonlyArray<string> = ["--max-semi-space-size=128"]

export const controlUrl = (wan: Pick<WanLinkComponent, "host" | "controlPort">): string => `http://${wan.host}:${wan.controlPort}`
export const regionUrl = (region: Pick<RegionComponent, "host" | "httpPort">): string => `http://${region.host}:${region.httpPort}`

/** The main address of a component, for tables and logs. */
export const addressOf = (component: Component): string => {
  switch (component.kind) {
    case "nats-hub":
    case "nats-leaf":
      return `nats://${component.nats.host}:${component.nats.port}`
    case "wan-link":
      return `${component.host}:${component.listenPort} -> :${component.targetPort}`
    case "postgres":
      return `postgres://postgres@${component.host}:${component.port}`
    case "region":
      return regionUrl(component)
  }
}

export const logFileOf = (component: Component): string => {
  switch (component.kind) {
    case "nats-hub":
    case "nats-leaf":
      return join(component.workDir, `${component.nats.serverName}.log`)
    case "postgres":
      return join(component.clusterDir, "postgres.log")
    case "wan-link":
    case "region":
      return component.logFile
  }
}

const identify = (pid: number, what: string): RunningProcess => {
  const startTime = processStartTime(pid)
  if (startTime === undefined) throw new Error(`${what} (pid ${pid}) exited right after it started`)
  return { pid, startTime }
}

/** Where a Node component (WAN link, region) writes the ports it bound: next to its log. */
export const portsFileOf = (logFile: string): string => `${logFile.replace(/\.log$/, "")}.ports`

interface NodeProcessSpec {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly logFile: string
  readonly env: NodeJS.ProcessEnv
  /** Passed to the process, which writes its bound ports there once it listens. */
  readonly portsFile: string
  readonly ready: (ports: BoundPorts) => Promise<true | undefined>
  readonly timeoutMs: number
}

/**
 * Spawns a Node entry point detached, reads the ports it reports, and waits for `ready`, failing early
 * (with the log tail; `AddressInUseError` when the port was taken) when it exits.
 */
const startNodeProcess = async (spec: NodeProcessSpec): Promise<{ readonly running: RunningProcess; readonly ports: BoundPorts }> => {
  const { name, logFile, portsFile, timeoutMs } = spec
  mkdirSync(dirname(logFile), { recursive: true })
  rmSync(portsFile, { force: true })
  const log = logCursor(logFile)
  const proc = spawnManaged({ name, command: process.execPath, args: spec.args, logFile, env: spec.env, detached: true })
  const running = identify(proc.pid, name)
  const exitedEarly = proc.exited.then((code): never => {
    const detail = `${name} exited with ${code} during start; last lines of ${logFile}:\n${log.tail()}`
    throw mentionsAddressInUse(log.text()) ? new AddressInUseError(name, detail) : new Error(detail)
  })
  exitedEarly.catch(() => undefined)
  try {
    const ports = await Promise.race([
      waitFor(`${name} to report its ports in ${portsFile}`, async () => readPortsFile(portsFile), { timeoutMs, intervalMs: 50 }),
      exitedEarly
    ])
    await Promise.race([waitFor(`${name} to be ready`, () => spec.ready(ports), { timeoutMs, intervalMs: 100 }), exitedEarly])
    return { running, ports }
  } catch (error) {
    await terminateProcess(name, running.pid, running.startTime, "SIGKILL")
    throw error
  }
}

const regionReady = (region: RegionComponent) => async (): Promise<true | undefined> => {
  const response = await fetch(`${regionUrl(region)}/readyz`, { signal: AbortSignal.timeout(2_000) })
  return response.status === 200 ? true : undefined
}

/** The ports of a component that are set (a restart asks for exactly these). */
const fixedPortsOf = (ports: ReadonlyArray<number>): ReadonlyArray<number> => ports.filter((port) => port !== 0)

const startNats = async (component: HubComponent | LeafComponent, context: RunnerContext): Promise<StartedComponent> => {
  const security = await context.security?.nats(component.nats)
  const server = await startNatsServer(component.nats, { workDir: component.workDir, detached: true, security })
  const running = identify(server.process.pid, component.name)
  const { port, monitorPort } = server.config
  if (component.kind === "nats-leaf") return { running, component: { ...component, nats: { ...component.nats, port, monitorPort } } }
  const leafPort = server.config.role === "hub" ? server.config.leafPort : component.nats.leafPort
  return { running, component: { ...component, nats: { ...component.nats, port, monitorPort, leafPort } } }
}

const startWanLink = async (component: WanLinkComponent, context: RunnerContext): Promise<StartedComponent> => {
  const portsFile = portsFileOf(component.logFile)
  const started = await retryWhileAddressInUse(component.name, fixedPortsOf([component.listenPort, component.controlPort]), () =>
    startNodeProcess({
      name: component.name,
      args: [
        WAN_LINK_MAIN,
        "--site",
        component.site,
        "--listen",
        `${component.host}:${component.listenPort}`,
        "--target",
        `${component.host}:${component.targetPort}`,
        "--control",
        `${component.host}:${component.controlPort}`,
        "--ports-file",
        portsFile
      ],
      logFile: component.logFile,
      env: context.env,
      portsFile,
      ready: (ports) => wanLinkStatus(controlUrl({ host: component.host, controlPort: boundPort(ports, "control", portsFile) })).then(() => true as const),
      timeoutMs: 10_000
    })
  )
  return {
    running: started.running,
    component: {
      ...component,
      listenPort: boundPort(started.ports, "listen", portsFile),
      controlPort: boundPort(started.ports, "control", portsFile)
    }
  }
}

const startPostgres = async (component: PostgresComponent): Promise<StartedComponent> => {
  await initPostgresCluster(component)
  const { postmaster, port } =
    component.port === 0
      ? await startPostgresClusterOnFreePort(component)
      : { postmaster: await retryWhileAddressInUse(component.name, [component.port], () => startPostgresCluster(component)), port: component.port }
  const bound = { ...component, port }
  await waitFor(`${component.name} to answer`, () => postgresAnswers(clusterAdminUrl(bound)), { timeoutMs: 15_000 })
  if (component.database !== undefined && component.passwordFile !== undefined) {
    await provisionRegionDatabase(clusterAdminUrl(bound), component.database, ensureRolePassword(component.passwordFile))
  }
  return { running: postmaster, component: bound }
}

const startRegion = async (component: RegionComponent, context: RunnerContext): Promise<StartedComponent> => {
  const database = new URL(component.databaseUrl).pathname.slice(1)
  await ensureDatabase(withDatabase(component.databaseUrl, "postgres"), database)
  if (!existsSync(component.main)) throw new Error(`${component.name}: no entry point at ${component.main}`)
  const portsFile = portsFileOf(component.logFile)
  const withPort = (ports: BoundPorts): RegionComponent => ({ ...component, httpPort: boundPort(ports, "http", portsFile) })
  const started = await retryWhileAddressInUse(component.name, fixedPortsOf([component.httpPort]), () =>
    startNodeProcess({
      name: component.name,
      args: [...REGION_NODE_FLAGS, component.main],
      logFile: component.logFile,
      env: {
        ...context.env,
        LOGIMESH_REGION: component.region,
        LOGIMESH_SITES_DIR: component.sitesDir,
        NATS_URL: component.natsUrl,
        ...(context.security === undefined ? {} : regionCredentialsEnv(context.security, component.region)),
        DATABASE_URL: component.databaseUrl,
        HTTP_HOST: component.host,
        // 0 on the first start: the region listens on a port the kernel picks and writes it to the ports file.
        HTTP_PORT: String(component.httpPort),
        LOGIMESH_PORTS_FILE: portsFile
      },
      portsFile,
      ready: (ports) => regionReady(withPort(ports))(),
      timeoutMs: context.regionReadyTimeoutMs ?? 60_000
    })
  )
  return { running: started.running, component: withPort(started.ports) }
}

/** Starts `component` (its addresses resolved: resolveAddresses.ts) and returns it with the ports it bound. */
export const startComponent = (component: Component, context: RunnerContext): Promise<StartedComponent> => {
  switch (component.kind) {
    case "nats-hub":
    case "nats-leaf":
      return startNats(component, context)
    case "wan-link":
      return startWanLink(component, context)
    case "postgres":
      return startPostgres(component)
    case "region":
      return startRegion(component, context)
  }
}

const recorded = (component: Component): RunningProcess | undefined =>
  component.pid === null || component.startTime === null ? undefined : { pid: component.pid, startTime: component.startTime }

/** True when the recorded process is still the one running. */
export const isComponentAlive = (component: Component): boolean => {
  const proc = recorded(component)
  return proc !== undefined && isProcessAlive(proc.pid, proc.startTime)
}

/** Graceful stop (SIGTERM / `pg_ctl stop -m fast`), escalating to SIGKILL after a grace period. */
export const stopComponent = async (component: Component): Promise<void> => {
  const proc = recorded(component)
  if (component.kind === "postgres") return stopPostgresCluster(component, proc)
  if (proc !== undefined) await terminateProcess(component.name, proc.pid, proc.startTime, "SIGTERM", 10_000)
}

/** SIGKILL, no grace: a crash. */
export const killComponent = async (component: Component): Promise<void> => {
  const proc = recorded(component)
  if (component.kind === "postgres") return killPostgresCluster(component, proc)
  if (proc !== undefined) await terminateProcess(component.name, proc.pid, proc.startTime, "SIGKILL")
}

/** The leafnode connections a NATS server reports on its monitor port (`/leafz`). */
export const leafLinks = async (host: string, monitorPort: number): Promise<number> => {
  const response = await fetch(`http://${host}:${monitorPort}/leafz`, { signal: AbortSignal.timeout(1_000) })
  const body = (await response.json()) as { readonly leafnodes?: number }
  return body.leafnodes ?? 0
}

/** What the component says about itself right now (never throws). */
export const healthOf = async (component: Component): Promise<Health> => {
  if (!isComponentAlive(component)) return { ok: false, detail: "not running" }
  const probe = async (): Promise<Health> => {
    switch (component.kind) {
      case "nats-hub": {
        const ok = (await natsHealthy(component.nats)) === true
        const links = await leafLinks(component.nats.host, component.nats.monitorPort)
        return { ok, detail: `${ok ? "jetstream ok" : "jetstream unhealthy"}, ${links} leaf link(s)` }
      }
      case "nats-leaf": {
        const ok = (await natsHealthy(component.nats)) === true
        const links = await leafLinks(component.nats.host, component.nats.monitorPort)
        return { ok, detail: `${ok ? "jetstream ok" : "jetstream unhealthy"}, hub link ${links > 0 ? "up" : "DOWN"}` }
      }
      case "wan-link": {
        const status = await wanLinkStatus(controlUrl(component))
        return { ok: true, detail: status.cut ? "CUT" : "open" }
      }
      case "postgres":
        return (await postgresAnswers(clusterAdminUrl(component))) === true ? { ok: true, detail: "accepting connections" } : { ok: false, detail: "no answer" }
      case "region": {
        const response = await fetch(`${regionUrl(component)}/readyz`, { signal: AbortSignal.timeout(3_000) })
        const body = (await response.json().catch(() => ({}))) as {
          readonly checks?: Readonly<Record<string, { readonly ok: boolean; readonly detail: string }>>
        }
        const checks = Object.entries(body.checks ?? {}).map(([name, check]) => `${name} ${check.ok ? "ok" : check.detail}`)
        return { ok: response.status === 200, detail: `readyz ${response.status}${checks.length > 0 ? ` (${checks.join(", ")})` : ""}` }
      }
    }
  }
  return probe().catch((error: unknown) => ({ ok: false, detail: `probe failed: ${error instanceof Error ? error.message : String(error)}` }))
}

/**
 * Re-renders the users of a running NATS server (the hub or a leaf) from the security the mesh asks for now (a site
 * added, a rotated secret) and reloads it with SIGHUP; no restart.
 */
export const reloadNatsSecurity = async (server: HubComponent | LeafComponent, context: RunnerContext): Promise<void> => {
  if (context.security === undefined || server.pid === null) return
  const security = await context.security.nats(server.nats)
  await reloadNatsServerUsers(server.nats, server.workDir, security, server.pid)
}
