/**
 * Recognises a process by pid AND start time (from `/proc/<pid>/stat`), so a
 * pid recorded in the topology state is never mistaken for an unrelated
 * process that reused it, and a zombie counts as gone. Also stops such a
 * process (its whole group when it leads one) and waits until it has gone.
 */
import { readdirSync, readFileSync } from "node:fs"
import { signalGroup } from "./ManagedProcess.ts"
import { waitFor } from "./waitFor.ts"

interface ProcStat {
  readonly state: string
  readonly ppid: number
  readonly pgrp: number
  readonly startTime: string
}

const readStat = (pid: number): ProcStat | undefined => {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return undefined
  }
  // Field 2 (comm) may contain spaces and parentheses: split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
  const state = fields[0]
  const ppid = Number(fields[1])
  const pgrp = Number(fields[2])
  const startTime = fields[19]
  if (state === undefined || startTime === undefined) return undefined
  return { state, ppid, pgrp, startTime }
}

/** Kernel start time of a live process (clock ticks since boot), or undefined when there is none. */
export const processStartTime = (pid: number): string | undefined => {
  const stat = readStat(pid)
  return stat === undefined || stat.state === "Z" ? undefined : stat.startTime
}

/** True when `pid` runs and is the very process recorded (same start time); zombies are dead. */
export const isProcessAlive = (pid: number, startTime: string | undefined): boolean => {
  const current = processStartTime(pid)
  return current !== undefined && (startTime === undefined || current === startTime)
}

/** Live direct children of a process (Postgres backends of a postmaster). */
export const childPidsOf = (pid: number): ReadonlyArray<number> => {
  const children: Array<number> = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readStat(Number(entry))
    if (stat !== undefined && stat.ppid === pid && stat.state !== "Z") children.push(Number(entry))
  }
  return children
}

export const waitForExit = (what: string, pid: number, startTime: string | undefined, timeoutMs = 10_000): Promise<true> =>
  waitFor(`${what} (pid ${pid}) to exit`, () => Promise.resolve(isProcessAlive(pid, startTime) ? undefined : true), {
    timeoutMs,
    intervalMs: 25
  })

/**
 * Sends `signal` to the process (to its group when it leads one), waits up
 * to `graceMs`, then SIGKILLs whatever is left. No-op when it has gone.
 */
export const terminateProcess = async (what: string, pid: number, startTime: string | undefined, signal: NodeJS.Signals, graceMs = 5_000): Promise<void> => {
  if (!isProcessAlive(pid, startTime)) return
  const leadsGroup = readStat(pid)?.pgrp === pid
  const send = (sig: NodeJS.Signals): void => {
    if (leadsGroup) signalGroup(pid, sig)
    else sendSignal(pid, sig)
  }
  send(signal)
  const gone = await waitForExit(what, pid, startTime, graceMs).then(
    () => true,
    () => false
  )
  if (gone) return
  send("SIGKILL")
  await waitForExit(what, pid, startTime, 5_000)
}

/** Signals one process; false when it no longer exists. */
export const sendSignal = (pid: number, signal: NodeJS.Signals): boolean => {
  try {
    process.kill(pid, signal)
    return true
  } catch {
    return false
  }
}
