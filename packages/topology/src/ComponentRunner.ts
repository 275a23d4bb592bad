/**
 * Starts, health-checks, stops and kills one topology component from its
 * record alone (no handle to a child process needed), so any later process —
 * the CLI, a test, a drill — can act on what an earlier one started.
 * Every start waits for the component's own readiness signal:
 *   NATS        /healthz?js-enabled-only=true
 *   WAN link    its control port answers /status
 *   Postgres    pg_ctl -w, then SELECT 1
 *   region      GET /readyz = 200 (NATS and Postgres reachable)
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { ensureDatabase, postgresAnswers, withDatabase } from "./ensureDatabase.ts"
import { spawnManaged } from "./ManagedProcess.ts"
import { natsHealthy, startNatsServer } from "./NatsServer.ts"
import { clusterAdminUrl, initPostgresCluster, killPostgresCluster, startPostgresCluster, stopPostgresCluster } from "./PostgresCluster.ts"
import { isProcessAlive, processStartTime, terminateProcess } from "./ProcessIdentity.ts"
import type { Component, RegionComponent, WanLinkComponent } from "./TopologyState.ts"
import { waitFor } from "./waitFor.ts"
import { wanLinkStatus } from "./WanLinkControl.ts"

export interface RunningProcess {
  readonly pid: number
  readonly startTime: string
}

export interface Health {
  readonly ok: boolean
  readonly detail: string
}

export interface RunnerContext {
  /** Environment for spawned Node processes (the CLI passes its own). */
  readonly env: NodeJS.ProcessEnv
  readonly regionReadyTimeoutMs?: number
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

const tail = (file: string, lines = 15): string => {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return "(no log)"
  }
}

/** Spawns a Node entry point detached and waits for `ready`, failing early (with the log tail) when it exits. */
const startNodeProcess = async (
  name: string,
  args: ReadonlyArray<string>,
  logFile: string,
  env: NodeJS.ProcessEnv,
  ready: () => Promise<true | undefined>,
  timeoutMs: number
): Promise<RunningProcess> => {
  mkdirSync(dirname(logFile), { recursive: true })
  const proc = spawnManaged({ name, command: process.execPath, args, logFile, env, detached: true })
  const running = identify(proc.pid, name)
  const exitedEarly = proc.exited.then((code) => {
    throw new Error(`${name} exited with ${code} during start; last lines of ${logFile}:\n${tail(logFile)}`)
  })
  exitedEarly.catch(() => undefined)
  try {
    await Promise.race([waitFor(`${name} to be ready`, ready, { timeoutMs, intervalMs: 100 }), exitedEarly])
  } catch (error) {
    await terminateProcess(name, running.pid, running.startTime, "SIGKILL")
    throw error
  }
  return running
}

const regionReady = (region: RegionComponent) => async (): Promise<true | undefined> => {
  const response = await fetch(`${regionUrl(region)}/readyz`, { signal: AbortSignal.timeout(2_000) })
  return response.status === 200 ? true : undefined
}

export const startComponent = async (component: Component, context: RunnerContext): Promise<RunningProcess> => {
  switch (component.kind) {
    case "nats-hub":
    case "nats-leaf": {
      const server = await startNatsServer(component.nats, { workDir: component.workDir, detached: true })
      return identify(server.process.pid, component.name)
    }
    case "wan-link":
      return startNodeProcess(
        component.name,
        [
          WAN_LINK_MAIN,
          "--site",
          component.site,
          "--listen",
          `${component.host}:${component.listenPort}`,
          "--target",
          `${component.host}:${component.targetPort}`,
          "--control",
          `${component.host}:${component.controlPort}`
        ],
        component.logFile,
        context.env,
        () => wanLinkStatus(controlUrl(component)).then(() => true as const),
        10_000
      )
    case "postgres": {
      await initPostgresCluster(component)
      const postmaster = await startPostgresCluster(component)
      await waitFor(`${component.name} to answer`, () => postgresAnswers(clusterAdminUrl(component)), { timeoutMs: 15_000 })
      return postmaster
    }
    case "region": {
      const database = new URL(component.databaseUrl).pathname.slice(1)
      await ensureDatabase(withDatabase(component.databaseUrl, "postgres"), database)
      if (!existsSync(component.main)) throw new Error(`${component.name}: no entry point at ${component.main}`)
      return startNodeProcess(
        component.name,
        [...REGION_NODE_FLAGS, component.main],
        component.logFile,
        {
          ...context.env,
          LOGIMESH_REGION: component.region,
          LOGIMESH_SITES_DIR: component.sitesDir,
          NATS_URL: component.natsUrl,
          DATABASE_URL: component.databaseUrl,
          HTTP_HOST: component.host,
          HTTP_PORT: String(component.httpPort)
        },
        regionReady(component),
        context.regionReadyTimeoutMs ?? 60_000
      )
    }
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

const leafLinks = async (host: string, monitorPort: number): Promise<number> => {
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
        return (await postgresAnswers(clusterAdminUrl(component))) === true
          ? { ok: true, detail: "accepting connections" }
          : { ok: false, detail: "no answer" }
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
