/**
 * A WES sees and changes only its own site's objects, over HTTP and over its
 * site's leaf, against the real region process on the local topology. The
 * attacker is the WES of dc-rotterdam (site A); the target, an order shipping
 * from dc-antwerp (site B) with its pick tasks, shipment and stock. Every
 * query and command route of `ObjectAccess` (`querySiteRules`,
 * `commandSiteRules`) is tried: each answers 404 (the object as if it did not
 * exist) or 403 (a transition the WES never owns), and nothing is applied
 * (COMMANDS_eu-west and the applied message ids stand still; the order's
 * version is unchanged). Positive controls: the same routes for the WES of
 * dc-antwerp / the ERP, and the attacker on its own site's objects. Also:
 * the same Idempotency-Key from two WES principals is two requests; a site
 * message whose `Logimesh-Source-System` disagrees with its subject is parked
 * as `SenderMismatch`; a site message naming another site's task is refused.
 */
import { jetstream } from "@nats-io/jetstream"
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ssccFromPayload } from "@logimesh/model"
import { commandSiteRules, commandTable, querySiteRules } from "@logimesh/region"
import { SiteCommandChannel } from "@logimesh/simulators"
import type { TestTopology } from "@logimesh/testkit"
import { natsAuthOptions } from "@logimesh/bus"
import { waitFor, wesUser } from "@logimesh/topology"
import { orderBody } from "../flow/apiClient.ts"
import { bearer, type EvidenceReader, http, type Jwks, openEvidence, startJwks, startSecureTopology } from "./securityHarness.ts"

const A = "dc-rotterdam"
const B = "dc-antwerp"
const ORDER_A = "ISO-A-1"
const ORDER_B = "ISO-B-1"
const ea = (amount: string) => ({ amount, unit: "EA" })
const at = "2026-12-02T10:00:00+01:00"

let jwks: Jwks
let mesh: TestTopology
let evidence: EvidenceReader
let channel: SiteCommandChannel
let leafA: NatsConnection
let wesA: Record<string, string>
let wesB: Record<string, string>
let erp: Record<string, string>
let admin: Record<string, string>

const post = (path: string, headers: Record<string, string>, body: unknown, key?: string) =>
  http(mesh.regionUrl, "POST", path, { headers: { ...headers, ...(key === undefined ? {} : { "idempotency-key": key }) }, body })
const get = (path: string, headers: Record<string, string>) => http(mesh.regionUrl, "GET", path, { headers })
const ok = async (answer: Promise<{ status: number; body: unknown }>, ...statuses: ReadonlyArray<number>) => {
  const a = await answer
  if (!(statuses.length === 0 ? [200, 201] : statuses).includes(a.status)) throw new Error(`unexpected ${a.status}: ${JSON.stringify(a.body)}`)
  return a
}

beforeAll(async () => {
  jwks = await startJwks()
  mesh = await startSecureTopology("security-sites", jwks)
  evidence = await openEvidence(mesh)
  wesA = bearer(mesh.apiKeys.WES[A] ?? "")
  wesB = bearer(mesh.apiKeys.WES[B] ?? "")
  erp = bearer(mesh.apiKeys.ERP)
  admin = bearer(mesh.apiKeys.admin)
  // Stock at each site by its inventory owner (WES at Rotterdam, ERP at Antwerp), then one released order per site.
  for (const item of ["SKU-42", "SKU-77"]) {
    await ok(post(`/v1/inventory/${A}/${item}/count`, wesA, { onHand: ea("500") }, `count-${A}-${item}`))
    await ok(post(`/v1/inventory/${B}/${item}/count`, erp, { onHand: ea("500") }, `count-${B}-${item}`))
  }
  for (const [order, site] of [
    [ORDER_A, A],
    [ORDER_B, B]
  ] as const) {
    await ok(post("/v1/orders", erp, orderBody(order, site), `create-${order}`))
    await ok(post(`/v1/orders/${order}/release`, erp, {}, `release-${order}`))
    for (const path of [`/v1/tasks/${order}-L1`, `/v1/tasks/${order}-L2`, `/v1/shipments/S-${order}`]) {
      await waitFor(path, async () => ((await get(path, admin)).status === 200 ? true : undefined), { timeoutMs: 20_000 })
    }
  }
  // Site A's WES, with its own NATS user on its own leaf.
  const wesANats = natsAuthOptions(mesh.topology.natsCredentials(wesUser(A)))
  channel = new SiteCommandChannel({
    natsUrl: mesh.leafUrls[A] ?? "",
    site: A,
    system: "WES",
    consumerPrefix: "iso",
    answerTimeoutMs: 30_000,
    natsAuth: wesANats
  })
  await channel.start()
  leafA = await connect({ servers: mesh.leafUrls[A] ?? "", ...wesANats })
}, 180_000)

afterAll(async () => {
  await channel?.stop()
  await leafA?.close()
  await evidence?.close()
  await mesh?.stop()
  await jwks?.close()
}, 60_000)

/** A concrete request for each command route, aimed at `order` at `site` (bodies valid for the schema). */
const commandRequest = (path: string, order: string, site: string): { readonly path: string; readonly body: unknown } => {
  const shipment = `S-${order}`
  const concrete = path
    .replace(":order", order)
    .replace(":task", `${order}-L1`)
    .replace(":shipment", shipment)
    .replace(":rma", `RMA-${order}`)
    .replace(":site", site)
    .replace(":item", "SKU-42")
  const sscc = ssccFromPayload("03871234500000001")
  const bodies: Record<string, unknown> = {
    "/v1/orders": orderBody(`${order}-NEW`, site),
    "/v1/orders/:order/release": {},
    "/v1/orders/:order/change": { lines: [{ lineNumber: 1, quantity: ea("1") }] },
    "/v1/orders/:order/cancel": { reason: "attack" },
    "/v1/returns/:rma/authorize": { order, lines: [{ lineNumber: 1, quantity: ea("1") }] },
    "/v1/returns/:rma/receive": { order, lines: [{ lineNumber: 1, quantity: ea("1") }] },
    "/v1/tasks/:task/confirm-pick": { picked: ea("1"), location: "X-A-01" },
    "/v1/shipments/:shipment/cartons": {
      sscc,
      weight: { amount: "3.2", unit: "KG" },
      dimensions: { length: { amount: "40", unit: "CM" }, width: { amount: "30", unit: "CM" }, height: { amount: "20", unit: "CM" } },
      contents: [{ lineNumber: 1, item: "SKU-42", quantity: ea("1") }]
    },
    "/v1/shipments/:shipment/complete-packing": {},
    "/v1/shipments/:shipment/tender": { carrier: "DHLX", route: "ANR-AMS-1", freight: { amount: "10.00", currency: "EUR" } },
    "/v1/shipments/:shipment/tender-response": { carrier: "DHLX", accepted: true },
    "/v1/shipments/:shipment/revise": {
      carrier: "DHLX",
      route: "ANR-AMS-2",
      freight: { amount: "11.00", currency: "EUR" },
      deliveryCommitment: at,
      stagingLane: "LANE-1",
      loadingPriority: 1
    },
    "/v1/shipments/:shipment/confirm-load": { dockDoor: site === B ? "ANR-D01" : "RTM-D10", ssccs: [sscc] },
    "/v1/shipments/:shipment/milestones": { milestone: "departed", at },
    "/v1/shipments/:shipment/pod": { order, outcome: "delivered", receivedBy: "X", at },
    "/v1/inventory/:site/:item/count": { onHand: ea("1") }
  }
  if (!(path in bodies)) throw new Error(`no request for ${path}: add one`)
  return { path: concrete, body: bodies[path] }
}

/** Transitions a WES owns: there the object check answers (404); elsewhere ownership refuses first (403). */
const wesOwns = new Set([
  "/v1/tasks/:task/confirm-pick",
  "/v1/shipments/:shipment/cartons",
  "/v1/shipments/:shipment/complete-packing",
  "/v1/shipments/:shipment/confirm-load",
  "/v1/returns/:rma/receive"
])

describe("queries: the WES of site A reads nothing of site B", () => {
  const concrete = (path: string, order: string, site: string) =>
    path.replace(":order", order).replace(":shipment", `S-${order}`).replace(":task", `${order}-L1`).replace(":site", site).replace(":item", "SKU-42")

  it("every query route names its site rule", () => {
    expect(Object.keys(querySiteRules).sort()).toEqual(
      [
        "/v1/orders/:order",
        "/v1/orders/:order/timeline",
        "/v1/shipments/:shipment",
        "/v1/tasks/:task",
        "/v1/inventory/:site/:item",
        "/v1/sites",
        "/v1/system-messages.json"
      ].sort()
    )
  })

  it("site B's order, timeline, shipment (loads, POD), task and stock: 404 for A, 200 for B's WES and the ERP", async () => {
    for (const [path, rule] of Object.entries(querySiteRules)) {
      if (rule.kind === "none" || rule.kind === "listFiltered") continue
      const target = concrete(path, ORDER_B, B)
      const refused = await get(target, wesA)
      expect({ path, status: refused.status }).toEqual({ path, status: 404 })
      // The same answer as for an object that does not exist (only the ids the caller sent differ).
      const missing = await get(concrete(path, "ISO-NOPE-1", "dc-nowhere"), wesA)
      expect({ path, status: missing.status }).toEqual({ path, status: 404 })
      const generic = (text: string, order: string, site: string) => text.replaceAll(order, "<order>").replaceAll(site, "<site>")
      expect(generic(refused.text, ORDER_B, B)).toBe(generic(missing.text, "ISO-NOPE-1", "dc-nowhere"))
      expect({ path, status: (await get(target, wesB)).status }).toEqual({ path, status: 200 })
      expect({ path, status: (await get(target, erp)).status }).toEqual({ path, status: 200 })
      expect({ path, status: (await get(concrete(path, ORDER_A, A), wesA)).status }).toEqual({ path, status: 200 })
    }
  })

  it("the site list (docks) shows the WES its own site only; the ERP sees both", async () => {
    const mine = (await get("/v1/sites", wesA)).body as { sites: ReadonlyArray<{ id: string }> }
    expect(mine.sites.map((s) => s.id)).toEqual([A])
    const all = (await get("/v1/sites", erp)).body as { sites: ReadonlyArray<{ id: string }> }
    expect(all.sites.map((s) => s.id).sort()).toEqual([A, B].sort())
  })
})

describe("commands: the WES of site A changes nothing of site B", () => {
  it("every command route has a site rule and a request here", () => {
    expect(Object.keys(commandSiteRules).sort()).toEqual(commandTable.map((r) => r.path).sort())
    for (const path of Object.keys(commandSiteRules)) expect(commandRequest(path, ORDER_B, B).path).not.toContain(":")
  })

  it("each answers 404 (a transition the WES owns) or 403 (one it never owns); nothing applied", async () => {
    const before = await evidence.settled()
    const orderBefore = await evidence.snapshot("order", ORDER_B)
    const shipmentBefore = await evidence.snapshot("shipment", `S-${ORDER_B}`)
    const taskBefore = await evidence.snapshot("task", `${ORDER_B}-L1`)
    const stockBefore = await evidence.snapshot("inventory", `${B}/SKU-42`)
    for (const route of Object.keys(commandSiteRules)) {
      const request = commandRequest(route, ORDER_B, B)
      const answer = await post(request.path, wesA, request.body, `attack-${route}`)
      const expected = wesOwns.has(route) ? 404 : 403
      expect({ route, status: answer.status }).toEqual({ route, status: expected })
      if (expected === 404) expect(answer.text).not.toContain(ORDER_B)
    }
    expect(await evidence.settled()).toEqual(before)
    expect((await evidence.snapshot("order", ORDER_B))?.version).toBe(orderBefore?.version)
    expect((await evidence.snapshot("shipment", `S-${ORDER_B}`))?.version).toBe(shipmentBefore?.version)
    expect((await evidence.snapshot("task", `${ORDER_B}-L1`))?.version).toBe(taskBefore?.version)
    expect((await evidence.snapshot("inventory", `${B}/SKU-42`))?.version).toBe(stockBefore?.version)
    expect(await evidence.snapshot("order", `${ORDER_B}-NEW`)).toBeUndefined()
  })

  it("control: the WES of site B confirms its own pick", async () => {
    const answer = await post(`/v1/tasks/${ORDER_B}-L2/confirm-pick`, wesB, { picked: ea("3"), location: "ANR-A-02" }, "control-pick-B")
    expect(answer.status).toBe(200)
  })
})

describe("Idempotency-Keys are scoped by principal", () => {
  it("the same key from the WES of A and of B is two requests, each applied", async () => {
    const key = "pick-line-1"
    const first = await post(`/v1/tasks/${ORDER_A}-L1/confirm-pick`, wesA, { picked: ea("24"), location: "RTM-A-01" }, key)
    const second = await post(`/v1/tasks/${ORDER_B}-L1/confirm-pick`, wesB, { picked: ea("24"), location: "ANR-A-01" }, key)
    expect(first.status).toBe(200)
    expect(second.status).toBe(200)
    expect(first.body.msgId).not.toBe(second.body.msgId)
    expect(first.body.events.length).toBeGreaterThan(0)
    expect(second.body.events.length).toBeGreaterThan(0)
  })
})

describe("commands through site A's leaf", () => {
  it("a message of A's WES naming B's task is refused (404) and nothing is applied; its own task is applied (control)", async () => {
    const before = await evidence.settled()
    const taskBefore = await evidence.snapshot("task", `${ORDER_B}-L2`)
    const refused = await channel.send(
      "POST",
      `/v1/tasks/${ORDER_B}-L2/confirm-pick`,
      { picked: ea("1"), location: "X" },
      { "idempotency-key": "leaf-attack-B" }
    )
    expect(refused.status).toBe(404)
    expect(await evidence.settled()).toEqual(before)
    expect((await evidence.snapshot("task", `${ORDER_B}-L2`))?.version).toBe(taskBefore?.version)
    const own = await channel.send(
      "POST",
      `/v1/tasks/${ORDER_A}-L2/confirm-pick`,
      { picked: ea("3"), location: "RTM-A-02" },
      { "idempotency-key": "leaf-own-A" }
    )
    expect(own.status).toBe(200)
  }, 90_000)

  it("a header naming another sender than the subject is parked as SenderMismatch, nothing applied", async () => {
    const before = await evidence.settled()
    const h = natsHeaders()
    h.set("Logimesh-Command-Path", "/v1/orders")
    h.set("Logimesh-Source-System", "ERP")
    h.set("Idempotency-Key", "leaf-spoof-erp")
    await jetstream(leafA, { domain: A }).publish(`site.${A}.evt.command`, new TextEncoder().encode(JSON.stringify(orderBody("ISO-SPOOF-1", A))), {
      msgID: `${A}:leaf-spoof-erp`,
      headers: h
    })
    const parked = await waitFor(
      "the spoofed message parked",
      async () => {
        const list = (await get("/v1/parked", admin)).body as { parked: ReadonlyArray<{ msgId: string | null; reason: string }> }
        return list.parked.find((p) => p.msgId === `${A}:leaf-spoof-erp`)
      },
      { timeoutMs: 20_000 }
    )
    expect(parked.reason).toBe("SenderMismatch")
    expect(await evidence.settled()).toEqual(before)
    expect(await evidence.snapshot("order", "ISO-SPOOF-1")).toBeUndefined()
  }, 60_000)
})
