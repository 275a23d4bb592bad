/**
 * The local topology end to end, from a temporary copy of `sites/`: hub, a
 * WAN link proxy + leaf per site, a private Postgres cluster and the region
 * process, each on ports it bound itself. Checks everything is healthy,
 * survives SIGKILL + restart of a leaf, of Postgres and of the region (each
 * back on the address it had), that a cut WAN link drops exactly that leaf from the hub
 * until restored, that the CLI reads the same state, and that `down` leaves
 * no process behind.
 */
import { execFile } from "node:child_process"
import { cpSync, mkdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { addressOf, regionUrl } from "../src/ComponentRunner.ts"
import { sendSignal, isProcessAlive } from "../src/ProcessIdentity.ts"
import { repoRoot } from "../src/renderTemplate.ts"
import { type Topology, upTopology } from "../src/Topology.ts"
import type { Component } from "../src/TopologyState.ts"
import { waitFor } from "../src/waitFor.ts"

const runDir = join(repoRoot, ".test-runs", `topology-${process.pid}-${Math.random().toString(16).slice(2, 10)}`)
const stateDir = join(runDir, "state")
const sitesDir = join(runDir, "sites")
const progress: Array<string> = []
let topology: Topology | undefined

const pidsOf = (t: Topology): ReadonlyArray<{ name: string; pid: number; startTime: string }> =>
  t.state.components.flatMap((c: Component) => (c.pid === null || c.startTime === null ? [] : [{ name: c.name, pid: c.pid, startTime: c.startTime }]))

// Safety net: a crashed worker must not leave servers behind.
process.once("exit", () => {
  if (topology !== undefined) for (const p of pidsOf(topology)) sendSignal(p.pid, "SIGKILL")
})

const get = (): Topology => {
  if (topology === undefined) throw new Error("topology did not come up")
  return topology
}

const readyz = async (): Promise<number> => {
  const region = get().component("region-eu-west")
  if (region.kind !== "region") throw new Error("not a region")
  return (await fetch(`${regionUrl(region)}/readyz`, { signal: AbortSignal.timeout(3_000) })).status
}

const linkedSites = async (): Promise<ReadonlyArray<string>> => [...(await get().linkedSites())].sort()

beforeAll(async () => {
  mkdirSync(runDir, { recursive: true })
  cpSync(join(repoRoot, "sites"), sitesDir, { recursive: true })
  topology = await upTopology({ stateDir, sitesDir, env: process.env, onProgress: (line) => progress.push(line) })
}, 90_000)

afterAll(async () => {
  if (topology !== undefined) await topology.down().catch(() => undefined)
  // A cluster placed outside the state dir (a clone under a private home, see postgresClusterDir) goes too.
  for (const c of topology?.state.components ?? []) if (c.kind === "postgres") rmSync(c.clusterDir, { recursive: true, force: true })
  rmSync(runDir, { recursive: true, force: true })
}, 60_000)

describe("local topology", () => {
  it("comes up healthy, one leaf and WAN link per enabled site, each leaf linked to the hub", async () => {
    const t = get()
    const names = t.state.components.map((c) => c.name)
    expect(names).toEqual([
      "nats-hub",
      "wan-dc-antwerp",
      "nats-leaf-dc-antwerp",
      "wan-dc-rotterdam",
      "nats-leaf-dc-rotterdam",
      "postgres-eu-west",
      "region-eu-west"
    ])
    const statuses = await t.status()
    for (const s of statuses) expect({ name: s.name, alive: s.alive, ok: s.health.ok }).toEqual({ name: s.name, alive: true, ok: true })
    await waitFor("both leaves linked", async () => ((await linkedSites()).length === 2 ? true : undefined))
    expect(await linkedSites()).toEqual(["dc-antwerp", "dc-rotterdam"])
    expect(progress.some((line) => /nats-hub\s+ready/.test(line))).toBe(true)
    expect(await readyz()).toBe(200)
    // The region serves on its private cluster as its own role, over TCP with a password (test/security/databaseRole.test.ts).
    const region = t.component("region-eu-west")
    const databaseUrl = new URL(region.kind === "region" ? region.databaseUrl : "postgres://x@h/db")
    expect({ user: databaseUrl.username, hasPassword: databaseUrl.password.length > 0 }).toEqual({ user: "logimesh_region", hasPassword: true })
    // The stream plan was applied before the region started: 4 streams per site (events, DLQ, master data,
    // commands), 5 on the hub (site events, master data, ingress, DLQ, delivery notices), 2 consumers per site
    // + the unrouted one, each with its exhausted lane.
    expect(progress.some((line) => /streams\s+applied\s+23 created/.test(line))).toBe(true)
  })

  it("a SIGKILLed leaf drops off the hub and relinks after start", async () => {
    const t = get()
    const before = t.component("nats-leaf-dc-rotterdam")
    await t.kill("nats-leaf-dc-rotterdam")
    expect(before.pid === null ? true : isProcessAlive(before.pid, before.startTime ?? undefined)).toBe(false)
    await waitFor("rotterdam off the hub", async () => ((await linkedSites()).includes("dc-rotterdam") ? undefined : true))
    await t.start("nats-leaf-dc-rotterdam")
    const after = t.component("nats-leaf-dc-rotterdam")
    expect(after.pid).not.toBeNull()
    expect(after.pid).not.toBe(before.pid)
    // Back on the ports it first bound: the address its clients hold.
    expect(addressOf(after)).toBe(addressOf(before))
    await waitFor("rotterdam relinked", async () => ((await linkedSites()).includes("dc-rotterdam") ? true : undefined))
  })

  it("a SIGKILLed Postgres takes the region's readiness down and back after start", async () => {
    const t = get()
    const before = t.component("postgres-eu-west")
    await t.kill("postgres-eu-west")
    expect(isProcessAlive(before.pid ?? 0, before.startTime ?? undefined)).toBe(false)
    expect((await t.status()).find((s) => s.name === "postgres-eu-west")?.health.ok).toBe(false)
    await waitFor("region not ready", async () => ((await readyz()) === 503 ? true : undefined), { timeoutMs: 10_000 })
    await t.start("postgres-eu-west")
    expect(addressOf(t.component("postgres-eu-west"))).toBe(addressOf(before))
    expect((await t.status()).find((s) => s.name === "postgres-eu-west")?.health.ok).toBe(true)
    await waitFor("region ready again", async () => ((await readyz()) === 200 ? true : undefined), { timeoutMs: 15_000 })
  })

  it("a SIGKILLed region comes back on the same HTTP port", async () => {
    const t = get()
    const before = t.component("region-eu-west")
    await t.kill("region-eu-west")
    expect(isProcessAlive(before.pid ?? 0, before.startTime ?? undefined)).toBe(false)
    await t.start("region-eu-west")
    const after = t.component("region-eu-west")
    expect(after.pid).not.toBe(before.pid)
    expect(addressOf(after)).toBe(addressOf(before))
    expect(await readyz()).toBe(200)
  }, 90_000)

  it("cutting a WAN link drops exactly that leaf from the hub until restored", async () => {
    const t = get()
    expect((await t.cut("dc-antwerp")).cut).toBe(true)
    await waitFor("antwerp off the hub", async () => ((await linkedSites()).includes("dc-antwerp") ? undefined : true))
    expect(await linkedSites()).toEqual(["dc-rotterdam"])
    const leaf = (await t.status()).find((s) => s.name === "nats-leaf-dc-antwerp")
    expect(leaf?.health.detail).toContain("hub link DOWN")
    expect((await t.restore("dc-antwerp")).cut).toBe(false)
    await waitFor("antwerp relinked", async () => ((await linkedSites()).length === 2 ? true : undefined))
    expect(await linkedSites()).toEqual(["dc-antwerp", "dc-rotterdam"])
  })

  it("the CLI reads the same state", async () => {
    const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [join(repoRoot, "packages/topology/src/cli.ts"), "status", "--state-dir", stateDir], (error, stdout) =>
        resolve({ code: error === null ? 0 : Number(error.code), stdout })
      )
    })
    expect(out.code).toBe(0)
    for (const c of get().state.components) expect(out.stdout).toContain(`${c.name} `)
  })

  it("down stops every process and leaves no pid alive", async () => {
    const t = get()
    const pids = pidsOf(t)
    expect(pids.length).toBe(t.state.components.length)
    await t.down()
    for (const p of pids) expect({ name: p.name, alive: isProcessAlive(p.pid, p.startTime) }).toEqual({ name: p.name, alive: false })
    expect(t.state.components.every((c) => c.pid === null)).toBe(true)
  })
})
