/**
 * Rotating NATS credentials of a running topology (rotateNatsUser.ts), against
 * a real topology (hub, two leaves behind their WAN links, Postgres, the
 * region):
 * - `rotate-nats-user erp` (the CLI): the hub reloads its users, no process
 *   restarts (pid + kernel start time); the connection the ERP held with the
 *   old seed is closed by the reload; a client with the old seed is refused
 *   at connect (Authorization Violation) and adds nothing to INGRESS; one with
 *   the new seed publishes its `in.<site>.erp` command (INGRESS +1) and the
 *   region applies it.
 * - `region-eu-west`: the region is restarted (nothing else), becomes ready
 *   and applies commands again (HTTP and INGRESS).
 * - `wes-dc-rotterdam`: only the Rotterdam leaf reloads; old seed refused there.
 * - `rotate-leaf-link dc-antwerp`: the hub reloads, only the Antwerp leaf
 *   restarts, the link comes back; the old password is refused.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { natsAuthOptions } from "@logimesh/bus"
import { startTestTopology, type TestTopology } from "@logimesh/testkit"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, headers as natsHeaders, type NatsConnection, nkeyAuthenticator } from "@nats-io/transport-node"
import { ADMIN_USER, isProcessAlive, leafName, repoRoot, waitFor } from "@logimesh/topology"
import { orderBody } from "../flow/apiClient.ts"

const SITE = "dc-rotterdam"
const REGION = "eu-west"

let mesh: TestTopology
let admin: NatsConnection

const topologyCli = (...args: ReadonlyArray<string>) => {
  const result = spawnSync(
    join(repoRoot, "node_modules/.bin/node"),
    [join(repoRoot, "packages/topology/src/cli.ts"), ...args, "--state-dir", mesh.topology.stateDir],
    { encoding: "utf8", timeout: 120_000, env: process.env }
  )
  return { status: result.status, out: `${result.stdout}${result.stderr}` }
}

/** pid + kernel start time of every process of the topology, by name. */
const processes = (): Record<string, string> =>
  Object.fromEntries(mesh.topology.state.components.flatMap((c) => (c.pid === null ? [] : [[c.name, `${c.pid}@${c.startTime}`]])))

const ingressCount = async () => (await (await jetstreamManager(admin, { domain: "hub" })).streams.info("INGRESS")).state.messages

/** The ERP's create-order command into INGRESS, sent on `nc`. */
const sendIngress = (nc: NatsConnection, order: string) => {
  const h = natsHeaders()
  h.set("Logimesh-Command-Path", "/v1/orders")
  h.set("Logimesh-Source-System", "ERP")
  h.set("Idempotency-Key", `ingress-${order}`)
  return jetstream(nc, { domain: "hub" }).publish(`in.${SITE}.erp`, new TextEncoder().encode(JSON.stringify(orderBody(order, SITE))), {
    msgID: `erp:${order}`,
    headers: h,
    timeout: 5_000
  })
}

/** The order's timeline once the region has applied its creation. */
const applied = (order: string) =>
  waitFor(
    `${order} applied by the region`,
    async () => {
      const response = await fetch(`${mesh.regionUrl}/v1/orders/${order}/timeline`, { headers: { authorization: `Bearer ${mesh.apiKeys.admin}` } })
      if (response.status !== 200) return undefined
      const body = (await response.json()) as { readonly timeline: ReadonlyArray<{ readonly type: string }> }
      return body.timeline.length > 0 ? body.timeline : undefined
    },
    { timeoutMs: 30_000, intervalMs: 200 }
  )

const connectWithSeed = (url: string, seed: string, inboxPrefix?: string) =>
  connect({
    servers: url,
    authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)),
    ...(inboxPrefix === undefined ? {} : { inboxPrefix }),
    reconnect: false,
    timeout: 5_000
  })

beforeAll(async () => {
  mesh = await startTestTopology("nats-rotation")
  admin = await connect({ servers: mesh.hubUrl, ...natsAuthOptions(mesh.topology.natsCredentials(ADMIN_USER)) })
}, 120_000)

afterAll(async () => {
  await admin?.close()
  await mesh?.stop()
}, 60_000)

describe("rotating NATS credentials without restarting a NATS server", () => {
  it("refuses a user no server hosts, and points a leaf link's user to rotate-leaf-link, changing nothing", async () => {
    const before = processes()
    const password = readFileSync(join(mesh.topology.stateDir, "secrets", "leaf-links", "dc-antwerp.password"), "utf8")
    await expect(mesh.topology.rotateNatsUser("nobody")).rejects.toThrow(/no NKey user/)
    await expect(mesh.topology.rotateNatsUser("leaf-dc-antwerp")).rejects.toThrow(/rotate-leaf-link dc-antwerp/)
    expect(readFileSync(join(mesh.topology.stateDir, "secrets", "leaf-links", "dc-antwerp.password"), "utf8")).toBe(password)
    expect(existsSync(join(mesh.topology.stateDir, "secrets", "nkeys", "nobody.nk"))).toBe(false)
    expect(processes()).toEqual(before)
  })

  it("rotate-nats-user erp: the old seed is refused (its live connection closed), the new one publishes into INGRESS; nothing restarts", async () => {
    const credentials = mesh.topology.natsCredentials("erp")
    const oldSeed = readFileSync(credentials.seedFile, "utf8").trim()
    const before = processes()
    // The ERP's connection with the old seed, open while the rotation runs (reconnects allowed, as a real client).
    const live = await connect({ servers: mesh.hubUrl, ...natsAuthOptions(credentials), name: "erp-old-seed", maxReconnectAttempts: 3, reconnectTimeWait: 200 })
    const events: Array<string> = []
    void (async () => {
      for await (const status of live.status()) events.push(`${status.type}${"error" in status ? ` ${String(status.error)}` : ""}`)
    })()
    // Control: the dispatch system's connection, whose key the rotation leaves alone.
    const control = await connect({ servers: mesh.hubUrl, ...natsAuthOptions(mesh.topology.natsCredentials("dispatch")), name: "dispatch-control" })
    const controlEvents: Array<string> = []
    void (async () => {
      for await (const status of control.status()) controlEvents.push(status.type)
    })()
    const closed = live.closed().then((error) => `closed: ${error instanceof Error ? error.message : String(error)}`)

    const rotated = topologyCli("rotate-nats-user", "erp")
    expect(rotated.status, rotated.out).toBe(0)
    expect(rotated.out).toContain("reconnect")
    const report = JSON.parse(rotated.out.trim().split("\n").at(-1) ?? "{}") as { reloaded: Array<string>; restarted: Array<string>; publicKey: string }
    expect(report.reloaded).toEqual(["nats-hub"])
    expect(report.restarted).toEqual([])

    const newSeed = readFileSync(credentials.seedFile, "utf8").trim()
    expect(newSeed).not.toBe(oldSeed)
    expect(newSeed.startsWith("SU")).toBe(true)
    expect(statSync(credentials.seedFile).mode & 0o777).toBe(0o600)

    // What 2.9.10 does to the connection that authenticated with the removed key on reload.
    const outcome = await Promise.race([closed, new Promise<string>((resolve) => setTimeout(() => resolve("still open after 5 s"), 5_000))])
    console.log(`erp connection with the old seed after the reload: ${outcome}; status events: ${events.join(" | ")}`)
    expect(outcome).toMatch(/^closed: .*authorization violation/i)
    expect(events[0]).toBe("disconnect")
    // The reload cut only the rotated key's connection.
    expect(controlEvents.filter((type) => type === "disconnect")).toEqual([])
    expect(control.isClosed()).toBe(false)
    await control.close()

    // A client with the old seed is refused at connect, and sends nothing.
    const ingressBefore = await ingressCount()
    await expect(connectWithSeed(mesh.hubUrl, oldSeed, credentials.inboxPrefix)).rejects.toThrow(/authorization violation/i)
    expect(await ingressCount()).toBe(ingressBefore)

    // The new seed connects and its command reaches INGRESS, and the region applies it.
    const erp = await connect({ servers: mesh.hubUrl, ...natsAuthOptions(mesh.topology.natsCredentials("erp")), timeout: 5_000 })
    try {
      const ack = await sendIngress(erp, "SO-ROTATED-ERP")
      expect(ack.stream).toBe("INGRESS")
      expect(await ingressCount()).toBe(ingressBefore + 1)
    } finally {
      await erp.close()
    }
    await applied("SO-ROTATED-ERP")

    // No process was restarted, and each is still the one recorded.
    expect(processes()).toEqual(before)
    for (const c of mesh.topology.state.components) if (c.pid !== null) expect(isProcessAlive(c.pid, c.startTime ?? undefined), c.name).toBe(true)
  }, 120_000)

  it("rotating region-eu-west restarts the region alone; it becomes ready and applies commands again", async () => {
    const before = processes()
    const report = await mesh.topology.rotateNatsUser(`region-${REGION}`)
    expect(report.reloaded).toEqual(["nats-hub"])
    expect(report.restarted).toEqual([`region-${REGION}`])
    console.log(`region-${REGION} rotated: hub reloaded and region restarted to ready in ${report.elapsedMs} ms`)
    const after = processes()
    expect(after[`region-${REGION}`]).not.toBe(before[`region-${REGION}`])
    expect({ ...after, [`region-${REGION}`]: "" }).toEqual({ ...before, [`region-${REGION}`]: "" })

    expect((await fetch(`${mesh.regionUrl}/readyz`)).status).toBe(200)
    const created = await fetch(`${mesh.regionUrl}/v1/orders`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${mesh.apiKeys.ERP}`, "idempotency-key": "rotated-region-http" },
      body: JSON.stringify(orderBody("SO-ROTATED-REGION", SITE))
    })
    expect(created.status, await created.clone().text()).toBeLessThan(300)
    await applied("SO-ROTATED-REGION")
    // Its consumers on INGRESS work with the new seed too.
    const erp = await connect({ servers: mesh.hubUrl, ...natsAuthOptions(mesh.topology.natsCredentials("erp")), timeout: 5_000 })
    try {
      await sendIngress(erp, "SO-ROTATED-REGION-INGRESS")
    } finally {
      await erp.close()
    }
    await applied("SO-ROTATED-REGION-INGRESS")
  }, 180_000)

  it("rotating wes-dc-rotterdam reloads only the Rotterdam leaf: the old seed is refused there, the new one connects", async () => {
    const credentials = mesh.topology.natsCredentials(`wes-${SITE}`)
    const oldSeed = readFileSync(credentials.seedFile, "utf8").trim()
    const before = processes()
    const report = await mesh.topology.rotateNatsUser(`wes-${SITE}`)
    expect(report.reloaded).toEqual([leafName(SITE)])
    expect(report.restarted).toEqual([])
    expect(processes()).toEqual(before)
    await expect(connectWithSeed(mesh.leafUrls[SITE] ?? "", oldSeed, credentials.inboxPrefix)).rejects.toThrow(/authorization violation/i)
    const wes = await connect({ servers: mesh.leafUrls[SITE] ?? "", ...natsAuthOptions(mesh.topology.natsCredentials(`wes-${SITE}`)), timeout: 5_000 })
    try {
      const info = await (await jetstreamManager(wes, { domain: SITE })).streams.info("SITE_COMMANDS")
      expect(info.config.name).toBe("SITE_COMMANDS")
    } finally {
      await wes.close()
    }
  }, 60_000)

  it("rotate-leaf-link dc-antwerp: the hub reloads, only the Antwerp leaf restarts and links again with the new password", async () => {
    const passwordFile = join(mesh.topology.stateDir, "secrets", "leaf-links", "dc-antwerp.password")
    const oldPassword = readFileSync(passwordFile, "utf8").trim()
    const before = processes()
    const report = await mesh.topology.rotateLeafLink("dc-antwerp")
    expect(report.reloaded).toEqual(["nats-hub"])
    expect(report.restarted).toEqual([leafName("dc-antwerp")])
    const after = processes()
    expect(after[leafName("dc-antwerp")]).not.toBe(before[leafName("dc-antwerp")])
    expect({ ...after, [leafName("dc-antwerp")]: "" }).toEqual({ ...before, [leafName("dc-antwerp")]: "" })
    expect((await mesh.topology.linkedSites()).has("dc-antwerp")).toBe(true)
    expect((await mesh.topology.linkedSites()).has(SITE)).toBe(true)
    // The new leaf process itself reports its link to the hub up (it logged in with the new password).
    const leaf = mesh.topology.component(leafName("dc-antwerp"))
    if (leaf.kind !== "nats-leaf") throw new Error("not a leaf")
    const leafz = (await (await fetch(`http://${leaf.nats.host}:${leaf.nats.monitorPort}/leafz`)).json()) as { readonly leafnodes: number }
    expect(leafz.leafnodes).toBe(1)
    const newPassword = readFileSync(passwordFile, "utf8").trim()
    expect(newPassword).not.toBe(oldPassword)
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600)
    // The leaf user logs in at the hub's client listener too (its permissions bind it there): the old password is refused.
    await expect(connect({ servers: mesh.hubUrl, user: "leaf-dc-antwerp", pass: oldPassword, reconnect: false, timeout: 5_000 })).rejects.toThrow(
      /authorization violation/i
    )
  }, 120_000)
})
