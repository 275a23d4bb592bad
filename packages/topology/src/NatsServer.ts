/**
 * One running nats-server: renders its config, starts it, waits until its
 * monitoring endpoint reports JetStream healthy, and can be stopped, killed
 * (SIGKILL) and restarted on the same ports and store dir.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { type ManagedProcess, spawnManaged } from "./ManagedProcess.ts"
import { clientUrl, type NatsServerConfig, renderNatsConfig } from "./NatsServerConfig.ts"
import { waitFor } from "./waitFor.ts"

export const NATS_SERVER_BIN = "nats-server"

export interface NatsServer {
  readonly config: NatsServerConfig
  readonly url: string
  readonly configFile: string
  readonly process: ManagedProcess
  /** Starts it again with the same config (same ports, same store dir). */
  restart(): Promise<NatsServer>
}

export interface StartNatsOptions {
  /** Directory for the rendered config and the log file. */
  readonly workDir: string
  readonly detached?: boolean
  readonly readyTimeoutMs?: number
}

export const startNatsServer = async (config: NatsServerConfig, options: StartNatsOptions): Promise<NatsServer> => {
  mkdirSync(options.workDir, { recursive: true })
  mkdirSync(config.storeDir, { recursive: true })
  const configFile = join(options.workDir, `${config.serverName}.conf`)
  writeFileSync(configFile, renderNatsConfig(config))
  const proc = spawnManaged({
    name: config.serverName,
    command: NATS_SERVER_BIN,
    args: ["-c", configFile],
    logFile: join(options.workDir, `${config.serverName}.log`),
    detached: options.detached ?? false
  })
  const exitedEarly = proc.exited.then((code) => {
    throw new Error(`${config.serverName} exited with ${code} during start; see ${proc.logFile}`)
  })
  exitedEarly.catch(() => undefined)
  try {
    await Promise.race([
      waitFor(`${config.serverName} healthz`, () => natsHealthy(config), { timeoutMs: options.readyTimeoutMs ?? 20_000 }),
      exitedEarly
    ])
  } catch (error) {
    // Never leave an unreachable server behind.
    await proc.kill()
    throw error
  }
  return {
    config,
    url: clientUrl(config),
    configFile,
    process: proc,
    restart: () => startNatsServer(config, options)
  }
}

/** True when the server's `/healthz?js-enabled-only=true` answers ok. */
export const natsHealthy = async (config: Pick<NatsServerConfig, "host" | "monitorPort">): Promise<true | undefined> => {
  const response = await fetch(`http://${config.host}:${config.monitorPort}/healthz?js-enabled-only=true`, {
    signal: AbortSignal.timeout(1_000)
  })
  return response.ok ? true : undefined
}
