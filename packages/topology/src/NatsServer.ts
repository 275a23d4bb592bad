/**
 * One running nats-server: renders its config, starts it, reads the ports it
 * bound, waits until its monitoring endpoint reports JetStream healthy, and
 * can be stopped, killed (SIGKILL) and restarted on the same ports and store dir.
 *
 * Ports: a config port of 0 is rendered as `-1`, so the server itself binds a
 * port the kernel picks: there is no window between choosing a port and
 * binding it, and servers started at the same time cannot collide. The
 * server writes the client and monitoring ports it bound to
 * `<workDir>/nats-server_<pid>.ports` (`ports_file_dir`; 2.9.10 writes
 * `{"nats":["nats://h:p"],"monitoring":["http://h:p"]}` once its listeners
 * are up, with no leafnode entry), and a hub's leafnode port is read from its
 * `/varz` (`leaf.port`, the bound port). The returned `config` holds the
 * bound ports, and `restart()` asks for exactly those again; a start on fixed
 * ports that finds one taken is retried on the same ports until a deadline
 * (retryWhileAddressInUse.ts says why and what is left).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { logCursor } from "./logCursor.ts"
import { isAlive, type ManagedProcess, spawnManaged } from "./ManagedProcess.ts"
import { clientUrl, fixedPorts, type NatsServerConfig, renderNatsConfig } from "./NatsServerConfig.ts"
import type { NatsServerSecurity } from "./natsServerSecurity.ts"
import { AddressInUseError, mentionsAddressInUse, retryWhileAddressInUse } from "./retryWhileAddressInUse.ts"
import { waitFor } from "./waitFor.ts"
import { definedFields } from "@logimesh/model"

export const NATS_SERVER_BIN = "nats-server"

export interface NatsServer {
  /** As started, with the ports it bound (never 0). */
  readonly config: NatsServerConfig
  readonly url: string
  readonly configFile: string
  readonly process: ManagedProcess
  /** Starts it again with the same config (same ports, same store dir). */
  restart(): Promise<NatsServer>
}

export interface StartNatsOptions {
  /** Directory for the rendered config, the log file and the ports file. */
  readonly workDir: string
  readonly detached?: boolean
  readonly readyTimeoutMs?: number
  /** How long a start on fixed ports keeps retrying while one of them is in use (default 15 s). */
  readonly addressInUseTimeoutMs?: number
  /** Users, permissions, TLS (natsServerSecurity.ts); absent: anonymous. */
  readonly security?: NatsServerSecurity | undefined
}

export const startNatsServer = (config: NatsServerConfig, options: StartNatsOptions): Promise<NatsServer> =>
  retryWhileAddressInUse(config.serverName, fixedPorts(config), () => startOnce(config, options), {
    ...definedFields({ timeoutMs: options.addressInUseTimeoutMs })
  })

const startOnce = async (config: NatsServerConfig, options: StartNatsOptions): Promise<NatsServer> => {
  mkdirSync(options.workDir, { recursive: true })
  mkdirSync(config.storeDir, { recursive: true })
  removeStalePortsFiles(options.workDir)
  const configFile = join(options.workDir, `${config.serverName}.conf`)
  // The config may hold the leaf link's password: readable by this user only.
  writeFileSync(configFile, renderNatsConfig(config, { portsFileDir: options.workDir, security: options.security }), { mode: 0o600 })
  const logFile = join(options.workDir, `${config.serverName}.log`)
  const log = logCursor(logFile)
  const proc = spawnManaged({
    name: config.serverName,
    command: NATS_SERVER_BIN,
    args: ["-c", configFile],
    logFile,
    detached: options.detached ?? false
  })
  const exitedEarly = proc.exited.then((code): never => {
    const detail = `${config.serverName} exited with ${code} during start; last lines of ${logFile}:\n${log.tail(6)}`
    throw mentionsAddressInUse(log.text()) ? new AddressInUseError(config.serverName, detail) : new Error(detail)
  })
  exitedEarly.catch(() => undefined)
  const timeoutMs = options.readyTimeoutMs ?? 20_000
  try {
    const bound = await Promise.race([boundConfig(config, options.workDir, proc.pid, timeoutMs), exitedEarly])
    await Promise.race([waitFor(`${config.serverName} healthz`, () => natsHealthy(bound), { timeoutMs }), exitedEarly])
    return {
      config: bound,
      url: clientUrl(bound),
      configFile,
      process: proc,
      restart: () => startNatsServer(bound, options)
    }
  } catch (error) {
    // Never leave an unreachable server behind.
    await proc.kill()
    throw error
  }
}

interface NatsPortsFile {
  readonly nats?: ReadonlyArray<string>
  readonly monitoring?: ReadonlyArray<string>
}

const PORTS_FILE = /_(\d+)\.ports$/

/** Ports files of servers that are gone (a SIGKILLed server leaves its file behind). */
const removeStalePortsFiles = (dir: string): void => {
  for (const name of readdirSync(dir)) {
    const pid = PORTS_FILE.exec(name)?.[1]
    if (pid !== undefined && !isAlive(Number(pid))) rmSync(join(dir, name), { force: true })
  }
}

const portOf = (url: string | undefined, what: string): number => {
  const port = url === undefined ? 0 : Number(new URL(url).port)
  if (!(port > 0)) throw new Error(`no ${what} port in the server's ports file (${String(url)})`)
  return port
}

/** `config` with the ports the server `pid` really bound. */
const boundConfig = async (config: NatsServerConfig, dir: string, pid: number, timeoutMs: number): Promise<NatsServerConfig> => {
  const ports = await waitFor(
    `${config.serverName} to write its ports file in ${dir}`,
    async () => {
      const name = readdirSync(dir).find((file) => file.endsWith(`_${pid}.ports`))
      // Written in one go but not atomically: a half-written file fails to parse and is read again.
      return name === undefined ? undefined : (JSON.parse(readFileSync(join(dir, name), "utf8")) as NatsPortsFile)
    },
    { timeoutMs, intervalMs: 25 }
  )
  const port = portOf(ports.nats?.[0], "client")
  const monitorPort = portOf(ports.monitoring?.[0], "monitoring")
  if (config.role !== "hub") return { ...config, port, monitorPort }
  const leafPort = config.leafPort !== 0 ? config.leafPort : await varzLeafPort({ host: config.host, monitorPort })
  return { ...config, port, monitorPort, leafPort }
}

/** The leafnode port a server bound, from its `/varz` (2.9 reports the bound port there). */
const varzLeafPort = async (server: { readonly host: string; readonly monitorPort: number }): Promise<number> => {
  const response = await fetch(`http://${server.host}:${server.monitorPort}/varz`, { signal: AbortSignal.timeout(5_000) })
  const varz = (await response.json()) as { readonly leaf?: { readonly port?: number } }
  const port = varz.leaf?.port ?? 0
  if (!(port > 0)) throw new Error(`nats-server at ${server.host}:${server.monitorPort} reports no leafnode port in /varz`)
  return port
}

/** True when the server's `/healthz?js-enabled-only=true` answers ok. */
export const natsHealthy = async (config: Pick<NatsServerConfig, "host" | "monitorPort">): Promise<true | undefined> => {
  const response = await fetch(`http://${config.host}:${config.monitorPort}/healthz?js-enabled-only=true`, {
    signal: AbortSignal.timeout(1_000)
  })
  return response.ok ? true : undefined
}

/**
 * Replaces the `authorization` block in the config file of the running server `pid` with the one of
 * `security` and tells the server to reload (SIGHUP), waiting until its log says it did. The rest of
 * the file stays as the server read it (nats-server refuses a reload that changes its listen ports,
 * e.g. `-1` the first time, the bound port now). nats-server 2.9 reloads client users and
 * permissions this way (the leaf links' users are client users for that reason).
 */
export const reloadNatsServerUsers = async (
  config: NatsServerConfig,
  workDir: string,
  security: NatsServerSecurity,
  pid: number,
  timeoutMs = 10_000
): Promise<void> => {
  const configFile = join(workDir, `${config.serverName}.conf`)
  const log = logCursor(join(workDir, `${config.serverName}.log`))
  const current = readFileSync(configFile, "utf8")
  const block = /^authorization \{\n[\s\S]*?\n\}$/m
  if (!block.test(current)) throw new Error(`${configFile} has no authorization block to replace`)
  writeFileSync(
    configFile,
    current.replace(block, () => security.authorization),
    { mode: 0o600 }
  )
  process.kill(pid, "SIGHUP")
  await waitFor(
    `${config.serverName} to reload its config`,
    async () => {
      const text = log.text()
      if (/Reloaded server configuration/.test(text)) return true
      const failed = /Failed to reload server configuration.*$/m.exec(text)
      if (failed !== null) throw new Error(`${config.serverName}: ${failed[0]}`)
      return undefined
    },
    { timeoutMs, intervalMs: 50 }
  )
}
