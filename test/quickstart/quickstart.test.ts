/**
 * README "The local mesh", through the real shell scripts: `bash scripts/up.sh`
 * (prerequisite check, then the topology CLI) on a temporary copy of `sites/`
 * brings up the hub, a WAN link + leaf per site, the stream plan, the
 * region's Postgres and the region, reports each ready and prints where to
 * look; the region answers `/readyz` with 200; `bash scripts/down.sh` then
 * leaves no recorded process and no Postgres of that cluster behind.
 * `afterAll` stops whatever is still recorded, also when a test failed.
 */
import { execFile } from "node:child_process"
import { cpSync, rmSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { makeTestRunDir } from "@logimesh/testkit"
import { isProcessAlive, loadTopology, readTopologyState, regionUrl, repoRoot } from "@logimesh/topology"
import { afterAll, describe, expect, it } from "vitest"

const runDir = makeTestRunDir("quickstart")
const stateDir = join(runDir.path, "state")
const sitesDir = join(runDir.path, "sites")
cpSync(join(repoRoot, "sites"), sitesDir, { recursive: true })

/** What `sites/` declares: one region (eu-west) with two sites. */
const COMPONENTS = ["nats-hub", "wan-dc-antwerp", "nats-leaf-dc-antwerp", "wan-dc-rotterdam", "nats-leaf-dc-rotterdam", "postgres-eu-west", "region-eu-west"]

/** `scripts/up.sh` here uses private clusters: never an inherited DATABASE_URL. */
const scriptEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  delete env.DATABASE_URL
  return env
}

const runScript = async (script: string, args: ReadonlyArray<string>): Promise<{ code: number; output: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)("bash", [join("scripts", script), ...args], {
      cwd: repoRoot,
      env: scriptEnv(),
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024
    })
    return { code: 0, output: `${stdout}${stderr}` }
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string; message: string }
    return { code: typeof failed.code === "number" ? failed.code : -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}\n${failed.message}` }
  }
}

const recordedProcesses = () =>
  (readTopologyState(stateDir)?.components ?? []).flatMap((c) => (c.pid === null ? [] : [{ name: c.name, pid: c.pid, startTime: c.startTime ?? undefined }]))

/** `pid args` of every process whose command line names the cluster dir (the postmaster: `postgres -D <dir>/data`). */
const processesNaming = async (path: string): Promise<ReadonlyArray<string>> => {
  const { stdout } = await promisify(execFile)("ps", ["-eo", "pid,args"])
  return stdout.split("\n").filter((line) => line.includes(path))
}

// Safety net: a worker that dies before afterAll must not leave the mesh running.
process.once("exit", () => {
  for (const p of recordedProcesses()) if (isProcessAlive(p.pid, p.startTime)) process.kill(p.pid, "SIGKILL")
})

afterAll(async () => {
  if (recordedProcesses().some((p) => isProcessAlive(p.pid, p.startTime))) {
    await loadTopology({ stateDir })
      .down()
      .catch((error: unknown) => console.error(`fallback down failed: ${String(error)}`))
  }
  // A cluster placed outside the state dir (a clone under a private home, see postgresClusterDir) goes too.
  const state = readTopologyState(stateDir)
  for (const c of state?.components ?? []) if (c.kind === "postgres") rmSync(c.clusterDir, { recursive: true, force: true })
  runDir.remove()
}, 60_000)

describe("README, the local mesh: bash scripts/up.sh", () => {
  let up: { code: number; output: string } | undefined

  it("bash scripts/up.sh brings up hub, 2 WAN links, 2 leaves, streams, Postgres and the region, each reported ready", async () => {
    const startedAt = Date.now()
    up = await runScript("up.sh", ["--state-dir", stateDir, "--sites", sitesDir])
    console.log(`scripts/up.sh exited ${up.code} after ${Date.now() - startedAt} ms`)
    if (up.code !== 0) console.log(up.output)
    expect(up.code).toBe(0)

    const state = readTopologyState(stateDir)
    expect(state?.components.map((c) => c.name)).toEqual(COMPONENTS)
    for (const name of COMPONENTS) expect(up.output).toMatch(new RegExp(`^\\[\\s*[\\d.]+s\\] ${name}\\s+ready\\s+pid \\d+`, "m"))
    expect(up.output).toMatch(/^\[\s*[\d.]+s\] streams\s+applied\s+\d+ created/m)
    expect(up.output).toMatch(/up: 7 components ready/)
    // The status table: every component alive and healthy.
    for (const name of COMPONENTS) expect(up.output).toMatch(new RegExp(`^${name}\\s+\\S+\\s+\\d+\\s+alive\\s+ok:`, "m"))
    expect(up.output).not.toMatch(/NOT OK/)
  }, 60_000)

  it("prints the region's URL, and the region answers /readyz with 200", async () => {
    if (up?.code !== 0) throw new Error("scripts/up.sh did not succeed")
    const region = loadTopology({ stateDir }).component("region-eu-west")
    if (region.kind !== "region") throw new Error("region-eu-west is not a region")
    const readyz = `${regionUrl(region)}/readyz`
    expect(up.output).toMatch(new RegExp(`^\\s+region-eu-west http\\s+${readyz.replace(/[.]/g, "\\.")}$`, "m"))
    const response = await fetch(readyz, { signal: AbortSignal.timeout(5_000) })
    expect(response.status).toBe(200)
  })

  it("bash scripts/down.sh stops every recorded process and the region's Postgres", async () => {
    const before = recordedProcesses()
    expect(before.map((p) => p.name)).toEqual(COMPONENTS)
    for (const p of before) expect({ name: p.name, alive: isProcessAlive(p.pid, p.startTime) }).toEqual({ name: p.name, alive: true })
    const postgres = readTopologyState(stateDir)?.components.find((c) => c.kind === "postgres")
    if (postgres?.kind !== "postgres") throw new Error("no private Postgres recorded")
    expect((await processesNaming(postgres.clusterDir)).length).toBeGreaterThan(0)

    const down = await runScript("down.sh", ["--state-dir", stateDir])
    if (down.code !== 0) console.log(down.output)
    expect(down.code).toBe(0)
    expect(down.output).toMatch(/down: all 7 components stopped/)

    for (const p of before) expect({ name: p.name, alive: isProcessAlive(p.pid, p.startTime) }).toEqual({ name: p.name, alive: false })
    expect(recordedProcesses()).toEqual([])
    expect(await processesNaming(postgres.clusterDir)).toEqual([])
  }, 60_000)
})
