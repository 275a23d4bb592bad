/**
 * The order-to-delivery flow over the local topology (hub, two site leaves
 * behind WAN proxies, the region with its five modules, Postgres), driven
 * through the `/v1` API as ERP, WES, dispatch and a carrier would, with what
 * each system receives read from the SYSTEMS stream (the WES through its
 * site's leaf):
 *   - the whole flow: create, release, picks, carton, ready to ship, tender rejected and re-tendered,
 *     revision, load, departure, milestones, POD, return and credit;
 *   - the exceptions: short pick and substitution, change and cancel after release before picking,
 *     cancel after picking, a failed delivery then a redelivery, an inventory mismatch.
 * It asserts each system's final view and the order's timeline, that every system message was
 * sent exactly once (by msg id and by business content), and that each one round-trips through the
 * schema of its type and version (the contract in `GET /v1/system-messages.json`).
 */
import { natsAuthOptions } from "@logimesh/bus"
import { ADMIN_USER } from "@logimesh/topology"
import { Schema } from "effect"
import { definedFields, ssccFromPayload } from "@logimesh/model"
import { systemMessageSchemaOf } from "@logimesh/region"
import { startTestTopology, type TestTopology } from "@logimesh/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api, orderBody } from "./apiClient.ts"
import { openSystemsInbox, type SystemsInbox } from "./systemsInbox.ts"

let mesh: TestTopology
let client: ReturnType<typeof api>
let central: SystemsInbox
let rotterdamWes: SystemsInbox

const STREAM = "SYSTEMS_eu-west"
const at = (minute: number) => `2026-12-01T${String(8 + Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}:00+01:00`
const ea = (amount: string) => ({ amount, unit: "EA" })
const freight = (amount: string) => ({ amount, currency: "EUR" })
let ssccSerial = 0
const nextSscc = () => ssccFromPayload(`0387123450${String(++ssccSerial).padStart(7, "0")}`)

beforeAll(async () => {
  mesh = await startTestTopology("order-to-delivery")
  client = api(mesh.regionUrl, mesh.apiKeys)
  const admin = natsAuthOptions(mesh.topology.natsCredentials(ADMIN_USER))
  central = await openSystemsInbox({ url: mesh.hubUrl, stream: STREAM, auth: admin })
  // The Rotterdam WES's share, where the WES reads it: sourced into its leaf's SITE_COMMANDS (the leaf link carries
  // nothing else from the hub's SYSTEMS stream).
  rotterdamWes = await openSystemsInbox({ url: mesh.leafUrls["dc-rotterdam"]!, stream: "SITE_COMMANDS", domain: "dc-rotterdam", auth: admin })
  // The site's inventory owner (WES at Rotterdam) counts the stock first.
  for (const item of ["SKU-42", "SKU-77", "SKU-310"]) {
    expect((await client.post(`/v1/inventory/dc-rotterdam/${item}/count`, "WES", { onHand: ea("500") })).status).toBe(200)
  }
}, 90_000)

afterAll(async () => {
  await rotterdamWes?.close()
  await central?.close()
  await mesh?.stop()
}, 60_000)

const ok = async (response: Promise<{ status: number; body: any }>, status = 200) => {
  const r = await response
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`)
  return r.body
}

const waitForState = async (path: string, predicate: (state: any) => boolean, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs
  let last: any
  for (;;) {
    const r = await client.get(path)
    last = r.body
    if (r.status === 200 && predicate(r.body)) return r.body
    if (Date.now() > deadline) throw new Error(`${path} never reached the expected state; last: ${JSON.stringify(last)}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const createAndRelease = async (order: string) => {
  await ok(client.post("/v1/orders", "ERP", orderBody(order), `create-${order}`), 201)
  await ok(client.post(`/v1/orders/${order}/release`, "ERP", {}, `release-${order}`))
  await rotterdamWes.waitFor("sys.wes.dc-rotterdam.order-release", (d) => d.order === order)
  await waitForState(`/v1/tasks/${order}-L2`, (s) => s.status === "open")
  await waitForState(`/v1/shipments/S-${order}`, (s) => s.status === "requested")
}

const pick = (order: string, line: number, amount: string, substituteItem?: string) =>
  ok(
    client.post(
      `/v1/tasks/${order}-L${line}/confirm-pick`,
      "WES",
      {
        picked: ea(amount),
        location: `RTM-A-0${line}`,
        ...definedFields({ substituteItem })
      },
      `pick-${order}-${line}`
    )
  )

const packAll = async (order: string) => {
  const sscc = nextSscc()
  await ok(
    client.post(
      `/v1/shipments/S-${order}/cartons`,
      "WES",
      {
        sscc,
        weight: { amount: "17.8", unit: "KG" },
        dimensions: { length: { amount: "60", unit: "CM" }, width: { amount: "40", unit: "CM" }, height: { amount: "35", unit: "CM" } },
        contents: [
          { lineNumber: 1, item: "SKU-42", quantity: ea("24") },
          { lineNumber: 2, item: "SKU-77", quantity: ea("3") }
        ]
      },
      `carton-${sscc}`
    )
  )
  await ok(client.post(`/v1/shipments/S-${order}/complete-packing`, "WES", {}, `packed-${order}`))
  return sscc
}

const tenderAcceptReviseLoad = async (order: string, sscc: string, carrier: string) => {
  const shipment = `S-${order}`
  await ok(
    client.post(`/v1/shipments/${shipment}/tender`, "DISPATCH", { carrier, route: "RTM-AMS-1", freight: freight("120.50") }, `tender-${order}-${carrier}`)
  )
  await ok(client.post(`/v1/shipments/${shipment}/tender-response`, "CARRIER", { carrier, accepted: true }, `accept-${order}-${carrier}`))
  await ok(
    client.post(
      `/v1/shipments/${shipment}/revise`,
      "DISPATCH",
      {
        carrier,
        route: "RTM-AMS-2",
        freight: freight("134.90"),
        deliveryCommitment: at(600),
        stagingLane: "LANE-7",
        loadingPriority: 2
      },
      `revise-${order}`
    )
  )
  await rotterdamWes.waitFor("sys.wes.dc-rotterdam.labels-revised", (d) => d.shipment === shipment)
  await ok(client.post(`/v1/shipments/${shipment}/confirm-load`, "WES", { dockDoor: "RTM-D10", ssccs: [sscc] }, `load-${order}`))
  await ok(client.post(`/v1/shipments/${shipment}/milestones`, "DISPATCH", { milestone: "departed", at: at(120) }, `depart-${order}`))
  await waitForState(`/v1/orders/${order}`, (s) => s.status === "shipped")
}

const timeline = async (order: string) =>
  (await ok(client.get(`/v1/orders/${order}/timeline`))).timeline as ReadonlyArray<{ entity: string; kind: string; type: string; data: any }>

describe("order to delivery", () => {
  it("runs the whole flow: release, pick, pack, tender rejected and re-tendered, revise, load, depart, POD, return", async () => {
    const order = "SO-FLOW-1"
    const shipment = `S-${order}`
    await createAndRelease(order)
    const release = rotterdamWes.of("sys.wes.dc-rotterdam.order-release").find((m) => m.data.order === order)!
    expect(release.data.lines.map((l: any) => [l.lineNumber, l.item, l.quantity])).toEqual([
      [1, "SKU-42", ea("24")],
      [2, "SKU-77", ea("3")]
    ])
    expect(release.data.tasks.map((t: any) => t.task)).toEqual([`${order}-L1`, `${order}-L2`])
    const request = await central.waitFor("sys.dispatch.shipment-request", (d) => d.order === order)
    expect(request.data).toMatchObject({ shipment, site: "dc-rotterdam", hazmat: true, weightEstimate: { amount: "16.5", unit: "KG" } })

    await pick(order, 1, "24")
    await pick(order, 2, "3")
    const picked = await central.waitFor("sys.erp.fulfilment-progress", (d) => d.order === order && d.stage === "picked")
    expect(picked.data.lines.map((l: any) => [l.short, l.substitute])).toEqual([
      [false, false],
      [false, false]
    ])

    const sscc = await packAll(order)
    const ready = await central.waitFor("sys.dispatch.ready-to-ship", (d) => d.order === order)
    expect(ready.data.cartons).toEqual([
      {
        sscc,
        weight: { amount: "17.8", unit: "KG" },
        dimensions: { length: { amount: "60", unit: "CM" }, width: { amount: "40", unit: "CM" }, height: { amount: "35", unit: "CM" } }
      }
    ])
    await central.waitFor("sys.erp.fulfilment-progress", (d) => d.order === order && d.stage === "ready_to_ship")

    // The first carrier rejects the tender; dispatch re-tenders to another one.
    await ok(
      client.post(`/v1/shipments/${shipment}/tender`, "DISPATCH", { carrier: "DHLX", route: "RTM-AMS-1", freight: freight("99.00") }, `tender-${order}-DHLX`)
    )
    await central.waitFor("sys.carrier.DHLX.tender", (d) => d.shipment === shipment)
    await ok(
      client.post(`/v1/shipments/${shipment}/tender-response`, "CARRIER", { carrier: "DHLX", accepted: false, reason: "no capacity" }, `reject-${order}`)
    )
    const rejected = await central.waitFor("sys.dispatch.tender-rejected", (d) => d.shipment === shipment)
    expect(rejected.data).toMatchObject({ carrier: "DHLX", reason: "no capacity" })
    await tenderAcceptReviseLoad(order, sscc, "UPSN")
    await central.waitFor("sys.carrier.UPSN.tender", (d) => d.shipment === shipment)
    await central.waitFor("sys.dispatch.tender-accepted", (d) => d.shipment === shipment && d.carrier === "UPSN")

    await ok(client.post(`/v1/shipments/${shipment}/milestones`, "CARRIER", { milestone: "in_transit", at: at(150) }, `transit-${order}`))
    await ok(client.post(`/v1/shipments/${shipment}/milestones`, "CARRIER", { milestone: "arrived", at: at(300) }, `arrived-${order}`))
    await ok(
      client.post(
        `/v1/shipments/${shipment}/pod`,
        "CARRIER",
        { order, outcome: "delivered", receivedBy: "J. de Vries", signatureRef: "sig-881", at: at(310) },
        `pod-${order}`
      )
    )
    await waitForState(`/v1/orders/${order}`, (s) => s.status === "delivered")

    await ok(client.post("/v1/returns/RMA-FLOW-1/authorize", "ERP", { order, lines: [{ lineNumber: 2, quantity: ea("1") }] }, "rma-FLOW-1"))
    await rotterdamWes.waitFor("sys.wes.dc-rotterdam.return-expected", (d) => d.rma === "RMA-FLOW-1")
    await ok(client.post("/v1/returns/RMA-FLOW-1/receive", "WES", { order, lines: [{ lineNumber: 2, quantity: ea("1") }] }, "rma-FLOW-1-received"))
    await waitForState(`/v1/orders/${order}`, (s) => s.status === "returned")

    // Each system's final view.
    const erp = {
      confirmation: await central.waitFor("sys.erp.shipment-confirmed", (d) => d.order === order),
      freight: await central.waitFor("sys.erp.freight-updated", (d) => d.order === order),
      pod: await central.waitFor("sys.erp.pod-attached", (d) => d.order === order),
      credit: await central.waitFor("sys.erp.credit-trigger", (d) => d.order === order)
    }
    expect(erp.confirmation.data).toMatchObject({ shipment, carrier: "UPSN", milestone: "departed", invoiceTrigger: true })
    expect(erp.freight.data).toMatchObject({ carrier: "UPSN", freight: freight("134.9"), deliveryCommitment: at(600) })
    expect(erp.pod.data).toMatchObject({ shipment, pod: `POD-${shipment}-1`, receivedBy: "J. de Vries", signatureRef: "sig-881" })
    expect(erp.credit.data).toMatchObject({ rma: "RMA-FLOW-1", lines: [{ lineNumber: 2, item: "SKU-77", quantity: ea("1") }] })
    const labels = rotterdamWes.of("sys.wes.dc-rotterdam.labels-revised").find((m) => m.data.shipment === shipment)!
    expect(labels.data).toMatchObject({ carrier: "UPSN", route: "RTM-AMS-2", stagingLane: "LANE-7", loadingPriority: 2, labels: [{ sscc, carrier: "UPSN" }] })
    expect(ready.data.totalWeight).toEqual({ amount: "17.8", unit: "KG" })
    await central.waitFor("sys.customer.notification", (d) => d.order === order && d.kind === "delivered")

    const shipmentState = await ok(client.get(`/v1/shipments/${shipment}`))
    expect(shipmentState.status).toBe("delivered")
    const events = (await timeline(order)).filter((e) => e.entity === "order").map((e) => e.type)
    expect(events).toEqual([
      "OrderCreated",
      "OrderReleased",
      "OrderLinePicked",
      "OrderLinePicked",
      "OrderPicked",
      "OrderProgressed",
      "OrderProgressed",
      "OrderProgressed",
      "OrderProgressed",
      "ReturnAuthorized",
      "ReturnReceived"
    ])
    const stages = (await timeline(order)).filter((e) => e.type === "OrderProgressed").map((e) => e.data.stage)
    expect(stages).toEqual(["packed", "loaded", "shipped", "delivered"])
    // Stock: 500 counted, 24 and 3 issued, 1 returned.
    expect((await ok(client.get("/v1/inventory/dc-rotterdam/SKU-77"))).onHand).toEqual(ea("498"))
  }, 90_000)

  it("short pick and substitution reach the ERP and the stock books", async () => {
    const order = "SO-SHORT-1"
    await createAndRelease(order)
    await pick(order, 1, "20")
    await pick(order, 2, "3", "SKU-310")
    const progress = await central.waitFor("sys.erp.fulfilment-progress", (d) => d.order === order && d.stage === "picked")
    expect(progress.data.lines).toEqual([
      { lineNumber: 1, item: "SKU-42", ordered: ea("24"), picked: ea("20"), short: true, substitute: false },
      { lineNumber: 2, item: "SKU-310", ordered: ea("3"), picked: ea("3"), short: false, substitute: true }
    ])
    await waitForState("/v1/inventory/dc-rotterdam/SKU-310", (s) => s.onHand.amount === "497")
    // The substituted item's reservation is released: nothing stays reserved for this order's line 2.
    const sku77 = await waitForState("/v1/inventory/dc-rotterdam/SKU-77", (s) => s.reserved.amount === "0")
    expect(sku77.availableToPromise).toEqual(sku77.onHand)
  }, 60_000)

  it("ERP change and cancel after release, before picking: WES and dispatch are told, tasks and reservations undone", async () => {
    const order = "SO-CHANGE-1"
    await createAndRelease(order)
    await ok(client.post(`/v1/orders/${order}/change`, "ERP", { lines: [{ lineNumber: 1, quantity: ea("12") }] }, `change-${order}`))
    const change = await rotterdamWes.waitFor("sys.wes.dc-rotterdam.order-change", (d) => d.order === order)
    expect(change.data.changed).toEqual([{ lineNumber: 1, previous: ea("24"), quantity: ea("12") }])
    // The line's pick task follows the change: it now asks for 12.
    await waitForState(`/v1/tasks/${order}-L1`, (s) => s.requested.amount === "12")
    await ok(client.post(`/v1/orders/${order}/cancel`, "ERP", { reason: "customer cancelled" }, `cancel-${order}`))
    const cancelled = await rotterdamWes.waitFor("sys.wes.dc-rotterdam.order-cancelled", (d) => d.order === order)
    expect(cancelled.data).toMatchObject({ afterPick: false, putAway: [] })
    await central.waitFor("sys.dispatch.shipment-cancelled", (d) => d.order === order)
    await central.waitFor("sys.erp.order-cancelled", (d) => d.order === order)
    await waitForState(`/v1/tasks/${order}-L1`, (s) => s.status === "cancelled")
    await waitForState(`/v1/shipments/S-${order}`, (s) => s.status === "cancelled")
    // A pick arriving after the cancel is refused by the task's state.
    const late = await client.post(`/v1/tasks/${order}-L1/confirm-pick`, "WES", { picked: ea("12"), location: "RTM-A-01" })
    expect(late.status).toBe(409)
  }, 60_000)

  it("cancel after picking: the WES is told to put the picked stock away and the stock book is restocked", async () => {
    const order = "SO-CANCEL-2"
    await createAndRelease(order)
    const before = await ok(client.get("/v1/inventory/dc-rotterdam/SKU-42"))
    await pick(order, 1, "24")
    await waitForState(`/v1/orders/${order}`, (s) => s.status === "picking")
    // A change is no longer allowed once picked...
    expect((await client.post(`/v1/orders/${order}/change`, "ERP", { lines: [{ lineNumber: 1, quantity: ea("6") }] })).status).toBe(409)
    // ...a cancel is, with the picked stock put away.
    await ok(client.post(`/v1/orders/${order}/cancel`, "ERP", { reason: "credit hold" }, `cancel-${order}`))
    const cancelled = await rotterdamWes.waitFor("sys.wes.dc-rotterdam.order-cancelled", (d) => d.order === order)
    expect(cancelled.data).toMatchObject({ afterPick: true, putAway: [{ lineNumber: 1, item: "SKU-42", quantity: ea("24") }] })
    // The pick issued 24 (consuming the line's reservation); the cancel restocks them: the book is back, nothing reserved for the line.
    const reservedWithoutLine = String(Number(before.reserved.amount) - 24)
    const after = await waitForState(
      "/v1/inventory/dc-rotterdam/SKU-42",
      (s) => s.onHand.amount === before.onHand.amount && s.reserved.amount === reservedWithoutLine
    )
    expect(after.onHand).toEqual(before.onHand)
  }, 60_000)

  it("a failed delivery reaches ERP and dispatch; the redelivery completes the order", async () => {
    const order = "SO-FAIL-1"
    const shipment = `S-${order}`
    await createAndRelease(order)
    await pick(order, 1, "24")
    await pick(order, 2, "3")
    const sscc = await packAll(order)
    await tenderAcceptReviseLoad(order, sscc, "UPSN")
    await ok(client.post(`/v1/shipments/${shipment}/pod`, "CARRIER", { order, outcome: "failed", reason: "nobody home", at: at(300) }, `pod-fail-${order}`))
    const failed = await central.waitFor("sys.erp.delivery-failed", (d) => d.order === order)
    expect(failed.data).toMatchObject({ attempt: 1, reason: "nobody home" })
    await central.waitFor("sys.dispatch.delivery-failed", (d) => d.order === order)
    await waitForState(`/v1/orders/${order}`, (s) => s.status === "delivery_failed")
    await ok(client.post(`/v1/shipments/${shipment}/pod`, "CARRIER", { order, outcome: "delivered", receivedBy: "neighbour", at: at(700) }, `pod-${order}`))
    const pod = await central.waitFor("sys.erp.pod-attached", (d) => d.order === order)
    expect(pod.data.pod).toBe(`POD-${shipment}-2`)
    await waitForState(`/v1/orders/${order}`, (s) => s.status === "delivered")
  }, 60_000)

  it("an inventory mismatch between the WES count and the book is sent to the ERP", async () => {
    const book = await ok(client.get("/v1/inventory/dc-rotterdam/SKU-42"))
    await ok(client.post("/v1/inventory/dc-rotterdam/SKU-42/count", "WES", { onHand: ea("431") }, "count-2"))
    const mismatch = await central.waitFor("sys.erp.inventory-mismatch", (d) => d.item === "SKU-42")
    expect(mismatch.data).toMatchObject({ site: "dc-rotterdam", book: book.onHand, counted: ea("431") })
    expect((await ok(client.get("/v1/inventory/dc-rotterdam/SKU-42"))).onHand).toEqual(ea("431"))
  }, 30_000)

  it("sent every system message exactly once", async () => {
    const all = central.all()
    expect(all.length).toBeGreaterThan(30)
    expect(new Set(all.map((m) => m.msgId)).size).toBe(all.length)
    const content = all.map((m) => `${m.subject} ${JSON.stringify(m.data)}`)
    expect(new Set(content).size).toBe(content.length)
    const parked = await ok(client.get("/v1/parked"))
    expect(parked.parked).toEqual([])
  })

  it("every system message round-trips through the schema of its type and version", async () => {
    const all = central.all()
    const checked = new Set<string>()
    for (const m of all) {
      const schema = systemMessageSchemaOf(m.subject, Number(m.version))
      if (schema === undefined) throw new Error(`${m.subject} (version ${m.version}): no schema for it`)
      const decoded = Schema.decodeUnknownSync(schema)(m.data)
      expect(Schema.encodeSync(schema)(decoded), m.subject).toEqual(m.data)
      checked.add(m.subject.replace(/^sys\.(wes|carrier)\.[^.]+\./, "sys.$1.*."))
    }
    // The scenarios above reach most message types; each is checked on the wire here.
    expect(checked.size).toBeGreaterThanOrEqual(20)
    const served = await ok(client.get("/v1/system-messages.json"))
    expect(Object.keys(served)).toContain("wes/order-release@1")
  })
})
