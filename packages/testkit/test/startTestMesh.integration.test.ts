/**
 * The mesh harness with real servers: a hub and two site leaves behind fault
 * proxies come up linked; cut/restore and kill/restart change what the hub
 * sees; `stop()` leaves no process, port or directory behind.
 */
import { existsSync } from "node:fs"
import { connect } from "node:net"
import { isAlive } from "@logimesh/topology"
import { afterAll, describe, expect, it } from "vitest"
import { hubLinkedDomains, leafLinkAddress, startTestMesh, type TestMesh } from "../src/index.ts"

const SITES = ["site-a", "site-b"] as const
let mesh: TestMesh | undefined

afterAll(async () => {
  await mesh?.stop()
})

const refusesConnections = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resolve(false)
    })
    socket.once("error", () => resolve(true))
  })

describe("startTestMesh", () => {
  it("starts a hub and two proxied leaves, all linked, and reports where each link goes", async () => {
    const startedAt = Date.now()
    mesh = await startTestMesh({ sites: SITES, viaProxy: true, label: "harness" })
    console.log(`2-leaf mesh (via proxies) up and linked in ${Date.now() - startedAt} ms`)
    expect([...(await hubLinkedDomains(mesh.hub.config))].sort()).toEqual([...SITES])
    for (const site of SITES) {
      const leaf = mesh.leaf(site)
      expect(leaf.server.config.role).toBe("leaf")
      expect(mesh.leafUrls[site]).toBe(leaf.url)
      expect(await leafLinkAddress(leaf.server.config)).toBe(`127.0.0.1:${mesh.proxy(site).port}`)
    }
    expect(() => mesh?.leaf("site-z")).toThrow(/no leaf for site "site-z"/)
  })

  it("cutLink drops only that site's link; restoreLink brings it back", async () => {
    if (mesh === undefined) throw new Error("mesh not started")
    mesh.cutLink("site-a")
    await mesh.waitForLeafLink("site-a", false)
    expect(await hubLinkedDomains(mesh.hub.config)).toEqual(new Set(["site-b"]))
    const restoredAt = Date.now()
    mesh.restoreLink("site-a")
    await mesh.waitForLeafLink("site-a", true)
    console.log(`link back ${Date.now() - restoredAt} ms after restoreLink`)
  })

  it("killLeaf SIGKILLs the leaf; restartLeaf brings it back on the same ports", async () => {
    if (mesh === undefined) throw new Error("mesh not started")
    const before = mesh.leaf("site-b")
    await mesh.killLeaf("site-b")
    expect(isAlive(before.server.process.pid)).toBe(false)
    expect(await before.server.process.exited).toBe("SIGKILL")
    await mesh.waitForLeafLink("site-b", false)
    expect(() => mesh?.leaf("site-b")).toThrow(/not running/)
    await mesh.restartLeaf("site-b")
    const after = mesh.leaf("site-b")
    expect(after.server.process.pid).not.toBe(before.server.process.pid)
    expect(after.url).toBe(before.url)
    expect(after.server.config.storeDir).toBe(before.server.config.storeDir)
    expect(await hubLinkedDomains(mesh.hub.config)).toEqual(new Set(SITES))
  })

  it("stop() kills every server, closes the proxies and removes the run dir; twice is fine", async () => {
    if (mesh === undefined) throw new Error("mesh not started")
    const pids = [mesh.hub.process.pid, ...SITES.map((site) => mesh?.leaf(site).server.process.pid ?? 0)]
    const proxyPorts = SITES.map((site) => mesh?.proxy(site).port ?? 0)
    const ports = [mesh.hub.config.port, ...SITES.map((site) => mesh?.leaf(site).server.config.port ?? 0)]
    for (const pid of pids) expect(isAlive(pid)).toBe(true)
    await mesh.stop()
    await mesh.stop()
    for (const pid of pids) expect(isAlive(pid)).toBe(false)
    for (const port of [...proxyPorts, ...ports]) expect(await refusesConnections(port)).toBe(true)
    expect(existsSync(mesh.dir)).toBe(false)
  })

  it("without viaProxy, leaves link straight to the hub and there is nothing to cut", async () => {
    const direct = await startTestMesh({ sites: ["site-c"], label: "harness-direct" })
    try {
      const leaf = direct.leaf("site-c")
      expect(leaf.proxy).toBeUndefined()
      expect(await leafLinkAddress(leaf.server.config)).toBe(`127.0.0.1:${direct.hub.config.role === "hub" ? direct.hub.config.leafPort : 0}`)
      expect(() => direct.cutLink("site-c")).toThrow(/without viaProxy/)
    } finally {
      await direct.stop()
    }
  })
})
