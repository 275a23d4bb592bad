/**
 * A region process (packages/region/src/main.ts) for one test: spawned with
 * the given environment plus `HTTP_PORT=0` and a ports file, so it listens on
 * a port the kernel picks and reports it (no port chosen before it binds).
 * Its stdout and stderr are kept in memory. `url()` resolves with its HTTP
 * base URL once it has written the port (it writes it once it serves), and
 * rejects with its output if it exits first. `kill()` SIGKILLs it and waits;
 * a test process that exits without calling it kills it too.
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import { boundPort, readPortsFile, REGION_MAIN, repoRoot, waitFor } from "@logimesh/topology"
import { reapOnExit } from "./reapOnExit.ts"
import { makeTestRunDir } from "./testRunDir.ts"

export interface RegionProcess {
  readonly pid: number
  /** stdout + stderr so far. */
  output(): string
  /** Every JSON log line so far, parsed. */
  logLines(): ReadonlyArray<Record<string, unknown>>
  /** The `msg` of every JSON log line. */
  messages(): ReadonlyArray<string>
  readonly exited: Promise<number | null>
  /** `http://127.0.0.1:<port>` once the region serves. */
  url(timeoutMs?: number): Promise<string>
  kill(): Promise<void>
}

export const startRegionProcess = (env: Readonly<Record<string, string>>, label = "region"): RegionProcess => {
  const dir = makeTestRunDir(`${label}-ports`)
  const portsFile = join(dir.path, "region.ports")
  let output = ""
  const child = spawn(process.execPath, [REGION_MAIN], {
    cwd: repoRoot,
    env: { PATH: process.env["PATH"] ?? "", ...env, HTTP_PORT: "0", LOGIMESH_PORTS_FILE: portsFile },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const pid = child.pid
  if (pid === undefined) throw new Error(`${label}: failed to spawn ${REGION_MAIN}`)
  const unregister = reapOnExit(pid)
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  void exited.then(() => {
    unregister()
    dir.remove()
  })
  // Complete lines only: the last one may still be arriving in chunks.
  const logLines = () =>
    output
      .split("\n")
      .slice(0, -1)
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  const exitedEarly = exited.then((code): never => {
    throw new Error(`${label} exited with ${code} before it served; output:\n${output}`)
  })
  exitedEarly.catch(() => undefined)
  return {
    pid,
    output: () => output,
    logLines,
    messages: () => logLines().map((line) => String(line["msg"])),
    exited,
    url: async (timeoutMs = 40_000) => {
      const ports = await Promise.race([waitFor(`${label} to report its HTTP port`, async () => readPortsFile(portsFile), { timeoutMs }), exitedEarly])
      return `http://127.0.0.1:${boundPort(ports, "http", portsFile)}`
    },
    kill: async () => {
      child.kill("SIGKILL")
      await exited
    }
  }
}
