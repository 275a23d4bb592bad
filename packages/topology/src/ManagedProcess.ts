/**
 * A child process the topology owns: output appended to a log file, stopped
 * (SIGTERM, then SIGKILL after a grace period) or killed outright. Detached
 * ones (the topology CLI's) get their own process group, which stop/kill
 * signal as a whole; others stay in the caller's group and are signalled by pid.
 */
import { spawn } from "node:child_process"
import { closeSync, openSync } from "node:fs"

export interface ManagedProcess {
  readonly name: string
  readonly pid: number
  readonly logFile: string
  /** Resolves with the exit code (or signal) once the process has gone. */
  readonly exited: Promise<number | NodeJS.Signals>
  stop(graceMs?: number): Promise<void>
  kill(): Promise<void>
}

export interface SpawnOptions {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly logFile: string
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  /** Keep running after this Node process exits (the topology CLI); tests leave it false. */
  readonly detached?: boolean
}

export const spawnManaged = (options: SpawnOptions): ManagedProcess => {
  const log = openSync(options.logFile, "a")
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", log, log],
    // Detached: its own process group, outliving this process (the topology CLI). Otherwise it stays in
    // ours, so a Ctrl-C or a CI job kill that reaches our group reaches it too (tests).
    detached: options.detached === true
  })
  closeSync(log)
  if (options.detached === true) child.unref()
  const pid = child.pid
  if (pid === undefined) throw new Error(`${options.name}: failed to spawn ${options.command}`)
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once("exit", (code, signal) => resolve(signal ?? code ?? 0))
    child.once("error", () => resolve(-1))
  })
  return {
    name: options.name,
    pid,
    logFile: options.logFile,
    exited,
    stop: (graceMs = 5_000) => signalAndWait(pid, exited, "SIGTERM", graceMs),
    kill: () => signalAndWait(pid, exited, "SIGKILL", 5_000)
  }
}

const signalAndWait = async (pid: number, exited: Promise<unknown>, signal: NodeJS.Signals, graceMs: number): Promise<void> => {
  if (!signalGroup(pid, signal)) return
  const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs).unref())
  if ((await Promise.race([exited, timeout])) === "timeout") {
    signalGroup(pid, "SIGKILL")
    await exited
  }
}

/** Signals the whole process group; false when it no longer exists. */
export const signalGroup = (pid: number, signal: NodeJS.Signals): boolean => {
  try {
    process.kill(-pid, signal)
    return true
  } catch {
    try {
      process.kill(pid, signal)
      return true
    } catch {
      return false
    }
  }
}

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
