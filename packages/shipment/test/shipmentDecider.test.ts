/**
 * Given / when / then for the shipment decider: every command's happy path,
 * every rejection, replays, the whole lifecycle (with a rejected tender, a
 * revision and a failed delivery), and the JSON round trip of state and
 * events through the Schema codecs (state is persisted as JSON snapshots).
 * Commands are decoded from their wire JSON; decisions are compared in their
 * encoded (wire) form, so decimals are compared exactly as strings.
 */
import { BigDecimal, Result, Schema } from "effect"
import { definedFields, ssccFromPayload } from "@logimesh/model"
import { describe, expect, it } from "vitest"
import { deciderHarness } from "@logimesh/engine/testing"
import { decide, evolve, initialState, ShipmentCommand, shipmentEntity, ShipmentEvent, ShipmentState } from "../src/index.ts"

const decodeCommand = Schema.decodeUnknownSync(ShipmentCommand)
const encodeEvent = Schema.encodeSync(ShipmentEvent)
const decodeEvent = Schema.decodeUnknownSync(ShipmentEvent)
const encodeState = Schema.encodeSync(ShipmentState)
const decodeState = Schema.decodeUnknownSync(ShipmentState)

type Json = Record<string, unknown>

const SHIPMENT = "S-O-1001"
const ORDER = "O-1001"
const SITE = "dc-rotterdam"
const SSCC_1 = ssccFromPayload("08712345000000011")
const SSCC_2 = ssccFromPayload("08712345000000012")
const SSCC_3 = ssccFromPayload("08712345000000013")

const kg = (amount: string) => ({ amount, unit: "KG" })
const cm = (amount: string) => ({ amount, unit: "CM" })
const eur = (amount: string) => ({ amount, currency: "EUR" })
const box = { length: cm("60"), width: cm("40"), height: cm("30.5") }
const shipTo = { name: "Acme Retail", lines: ["Keizersgracht 1"], city: "Amsterdam", postalCode: "1015 CJ", country: "NL" }

const request: Json = {
  _tag: "RequestShipment",
  by: "LOGIMESH",
  shipment: SHIPMENT,
  order: ORDER,
  site: SITE,
  shipTo,
  serviceLevel: "STANDARD",
  weightEstimate: kg("12.5"),
  hazmat: false
}
const pack = (sscc: string, weight: string, extra: Json = {}): Json => ({
  _tag: "PackCarton",
  by: "WES",
  shipment: SHIPMENT,
  sscc,
  weight: kg(weight),
  dimensions: box,
  contents: [{ lineNumber: 1, item: "SKU-42", quantity: { amount: "6", unit: "EA" } }],
  ...extra
})
const completePacking: Json = { _tag: "CompletePacking", by: "WES", shipment: SHIPMENT }
const tender = (carrier: string, freight = "120.50", route = "RTM-AMS-1"): Json => ({
  _tag: "TenderCarrier",
  by: "DISPATCH",
  shipment: SHIPMENT,
  carrier,
  route,
  freight: eur(freight)
})
const respond = (carrier: string, accepted: boolean, reason?: string): Json => ({
  _tag: "RespondToTender",
  by: "CARRIER",
  shipment: SHIPMENT,
  carrier,
  accepted,
  ...definedFields({ reason })
})
const revise = (carrier: string, extra: Json = {}): Json => ({
  _tag: "ReviseShipment",
  by: "DISPATCH",
  shipment: SHIPMENT,
  carrier,
  route: "RTM-AMS-2",
  freight: eur("135.00"),
  deliveryCommitment: "2025-06-04T17:00:00+02:00",
  stagingLane: "RTM-STG-3",
  loadingPriority: 2,
  ...extra
})
const confirmLoad = (ssccs: ReadonlyArray<string>, dockDoor = "RTM-D10"): Json => ({
  _tag: "ConfirmLoad",
  by: "WES",
  shipment: SHIPMENT,
  dockDoor,
  ssccs
})
const milestone = (name: string, at: string, detail?: string): Json => ({
  _tag: "RecordMilestone",
  by: "CARRIER",
  shipment: SHIPMENT,
  milestone: name,
  at,
  ...definedFields({ detail })
})
const cancel: Json = { _tag: "CancelShipment", by: "LOGIMESH", shipment: SHIPMENT, reason: "customer cancelled" }
const delivery = (outcome: "delivered" | "failed"): Json => ({ _tag: "RecordDelivery", by: "LOGIMESH", shipment: SHIPMENT, outcome })

/** Decisions in wire form, and states reached by commands given as wire JSON (`@logimesh/engine/testing`). */
const { decided, given, run } = deciderHarness(shipmentEntity)

const invalidState = (command: string, state: string) => ({
  rejection: { _tag: "InvalidState", command, state, detail: expect.any(String) }
})

const requested = () => given(request)
const readyToShip = () => given(request, pack(SSCC_1, "4.5"), pack(SSCC_2, "8.25"), completePacking)
const assigned = () => run([tender("DHLF"), respond("DHLF", true)], readyToShip()).state
const loaded = () => run([confirmLoad([SSCC_1, SSCC_2])], assigned()).state
const departed = () => run([milestone("departed", "2025-06-03T08:00:00Z")], loaded()).state

describe("RequestShipment", () => {
  it("given nothing, when requested, then ShipmentRequested with the request's fields", () => {
    expect(decided(request, initialState)).toEqual({
      events: [
        {
          _tag: "ShipmentRequested",
          shipment: SHIPMENT,
          order: ORDER,
          site: SITE,
          shipTo,
          serviceLevel: "STANDARD",
          weightEstimate: kg("12.5"),
          hazmat: false
        }
      ]
    })
    expect(requested().status).toBe("requested")
  })

  it("keeps the delivery window when one is given", () => {
    const window = { from: "2025-06-04T08:00:00.000Z", to: "2025-06-04T12:00:00.000Z" }
    const decision = decided({ ...request, deliveryWindow: window }, initialState)
    expect(decision).toMatchObject({ events: [{ _tag: "ShipmentRequested", deliveryWindow: window }] })
  })

  it("the same request again is a replay: nothing happened", () => {
    expect(decided(request, requested())).toEqual({ events: [] })
  })

  it("a request for another order is a conflicting repeat: InvalidState", () => {
    expect(decided({ ...request, order: "O-2002" }, requested())).toEqual(invalidState("RequestShipment", "requested"))
  })
})

describe("PackCarton", () => {
  it("given a requested shipment, when a carton is packed, then CartonPacked and the shipment is packing", () => {
    expect(decided(pack(SSCC_1, "4.5"), requested())).toEqual({
      events: [
        {
          _tag: "CartonPacked",
          shipment: SHIPMENT,
          order: ORDER,
          site: SITE,
          sscc: SSCC_1,
          weight: kg("4.5"),
          dimensions: box,
          contents: [{ lineNumber: 1, item: "SKU-42", quantity: { amount: "6", unit: "EA" } }]
        }
      ]
    })
    const state = given(request, pack(SSCC_1, "4.5"))
    expect(state.status).toBe("packing")
    expect(state.cartons.map((c) => c.sscc)).toEqual([SSCC_1])
  })

  it("the same SSCC again is a replay: nothing happened (also after packing completed)", () => {
    expect(decided(pack(SSCC_1, "4.5"), given(request, pack(SSCC_1, "4.5")))).toEqual({ events: [] })
    expect(decided(pack(SSCC_1, "4.50"), readyToShip())).toEqual({ events: [] })
  })

  it("the same SSCC with another weight is a conflicting repeat: InvalidState", () => {
    expect(decided(pack(SSCC_1, "4.6"), given(request, pack(SSCC_1, "4.5")))).toEqual(invalidState("PackCarton", "packing"))
  })

  it("a weight in another unit than the shipment's is UnitMismatch", () => {
    expect(decided(pack(SSCC_1, "4.5", { weight: { amount: "9.9", unit: "LB" } }), requested())).toEqual({
      rejection: { _tag: "UnitMismatch", expected: "KG", got: "LB" }
    })
  })

  it("dimensions in mixed units are UnitMismatch", () => {
    const dimensions = { length: cm("60"), width: cm("40"), height: { amount: "0.3", unit: "M" } }
    expect(decided(pack(SSCC_1, "4.5", { dimensions }), requested())).toEqual({
      rejection: { _tag: "UnitMismatch", expected: "CM", got: "M" }
    })
  })

  it("is refused before the shipment is requested, after packing completed, and once cancelled", () => {
    expect(decided(pack(SSCC_1, "4.5"), initialState)).toEqual(invalidState("PackCarton", "none"))
    expect(decided(pack(SSCC_3, "1"), readyToShip())).toEqual(invalidState("PackCarton", "ready_to_ship"))
    expect(decided(pack(SSCC_3, "1"), given(request, cancel))).toEqual(invalidState("PackCarton", "cancelled"))
  })
})

describe("CompletePacking", () => {
  it("given cartons, then ShipmentReadyToShip with the cartons and their exact total weight", () => {
    const state = given(request, pack(SSCC_1, "4.5"), pack(SSCC_2, "8.25"))
    expect(decided(completePacking, state)).toEqual({
      events: [
        {
          _tag: "ShipmentReadyToShip",
          shipment: SHIPMENT,
          order: ORDER,
          site: SITE,
          cartons: [
            { sscc: SSCC_1, weight: kg("4.5"), dimensions: box },
            { sscc: SSCC_2, weight: kg("8.25"), dimensions: box }
          ],
          totalWeight: kg("12.75")
        }
      ]
    })
    const ready = readyToShip()
    expect(ready.status).toBe("ready_to_ship")
    expect(ready.packingComplete).toBe(true)
  })

  it("sums decimals exactly (0.1 + 0.2 is 0.3, not 0.30000000000000004)", () => {
    const state = given(request, pack(SSCC_1, "0.1"), pack(SSCC_2, "0.2"), completePacking)
    expect(state.totalWeight?.amount).toEqual(expect.anything())
    expect(BigDecimal.format(BigDecimal.normalize(state.totalWeight!.amount))).toBe("0.3")
  })

  it("without a carton is NoCartons", () => {
    expect(decided(completePacking, requested())).toEqual({ rejection: { _tag: "NoCartons", shipment: SHIPMENT } })
  })

  it("again is a replay; before the request or once cancelled it is InvalidState", () => {
    expect(decided(completePacking, readyToShip())).toEqual({ events: [] })
    expect(decided(completePacking, initialState)).toEqual(invalidState("CompletePacking", "none"))
    expect(decided(completePacking, given(request, pack(SSCC_1, "1"), cancel))).toEqual(invalidState("CompletePacking", "cancelled"))
  })
})

describe("TenderCarrier and RespondToTender", () => {
  it("given a shipment ready to ship, when tendered, then CarrierTendered and the shipment is tendered", () => {
    expect(decided(tender("DHLF"), readyToShip())).toEqual({
      events: [
        {
          _tag: "CarrierTendered",
          shipment: SHIPMENT,
          order: ORDER,
          site: SITE,
          shipTo,
          carrier: "DHLF",
          route: "RTM-AMS-1",
          freight: eur("120.5")
        }
      ]
    })
    const state = run([tender("DHLF")], readyToShip()).state
    expect(state.status).toBe("tendered")
    expect(state.tendered?.carrier).toBe("DHLF")
    expect(state.carrier).toBeUndefined()
  })

  it("tendering may start while packing; packing goes on while tendered", () => {
    const state = given(request, tender("DHLF"), pack(SSCC_1, "4.5"), completePacking)
    expect(state.status).toBe("tendered")
    expect(state.packingComplete).toBe(true)
  })

  it("the same tender again is a replay, also once accepted", () => {
    const tendered = run([tender("DHLF")], readyToShip()).state
    expect(decided(tender("DHLF", "120.5"), tendered)).toEqual({ events: [] })
    expect(decided(tender("DHLF"), assigned())).toEqual({ events: [] })
  })

  it("a tender after loading is InvalidState; before the request and once cancelled too", () => {
    expect(decided(tender("UPSN"), loaded())).toEqual(invalidState("TenderCarrier", "loaded"))
    expect(decided(tender("UPSN"), initialState)).toEqual(invalidState("TenderCarrier", "none"))
    expect(decided(tender("UPSN"), given(request, cancel))).toEqual(invalidState("TenderCarrier", "cancelled"))
  })

  it("the tendered carrier accepts: TenderAccepted with the tendered route and freight; carrier_assigned", () => {
    const tendered = run([tender("DHLF")], readyToShip()).state
    expect(decided(respond("DHLF", true), tendered)).toEqual({
      events: [{ _tag: "TenderAccepted", shipment: SHIPMENT, order: ORDER, carrier: "DHLF", route: "RTM-AMS-1", freight: eur("120.5") }]
    })
    const state = assigned()
    expect(state.status).toBe("carrier_assigned")
    expect([state.carrier, state.route, state.freight?.currency]).toEqual(["DHLF", "RTM-AMS-1", "EUR"])
    expect(state.tendered).toBeUndefined()
  })

  it("the tendered carrier rejects: TenderRejected, back to the previous status with no carrier", () => {
    const tendered = run([tender("DHLF")], readyToShip()).state
    expect(decided(respond("DHLF", false, "no capacity"), tendered)).toEqual({
      events: [{ _tag: "TenderRejected", shipment: SHIPMENT, order: ORDER, carrier: "DHLF", reason: "no capacity" }]
    })
    const state = run([respond("DHLF", false, "no capacity")], tendered).state
    expect(state.status).toBe("ready_to_ship")
    expect(state.tendered).toBeUndefined()
    expect(state.carrier).toBeUndefined()
    expect(state.rejectedTenders.map((r) => [r.carrier, r.reason])).toEqual([["DHLF", "no capacity"]])
    const whilePacking = given(request, pack(SSCC_1, "1"), tender("DHLF"), respond("DHLF", false))
    expect(whilePacking.status).toBe("packing")
  })

  it("a rejection without a reason records that none was given", () => {
    const tendered = run([tender("DHLF")], readyToShip()).state
    expect(decided(respond("DHLF", false), tendered)).toMatchObject({ events: [{ _tag: "TenderRejected", reason: "no reason given" }] })
  })

  it("a response from a carrier without the open tender is NotTendered (naming the tendered carrier)", () => {
    const tendered = run([tender("DHLF")], readyToShip()).state
    expect(decided(respond("UPSN", true), tendered)).toEqual({ rejection: { _tag: "NotTendered", carrier: "UPSN", tendered: "DHLF" } })
    expect(decided(respond("UPSN", true), readyToShip())).toEqual({ rejection: { _tag: "NotTendered", carrier: "UPSN" } })
  })

  it("replayed responses are nothing; conflicting ones are InvalidState", () => {
    expect(decided(respond("DHLF", true), assigned())).toEqual({ events: [] })
    expect(decided(respond("DHLF", false), assigned())).toEqual(invalidState("RespondToTender", "carrier_assigned"))
    const rejected = run([tender("DHLF"), respond("DHLF", false, "no capacity")], readyToShip()).state
    expect(decided(respond("DHLF", false, "no capacity"), rejected)).toEqual({ events: [] })
    expect(decided(respond("DHLF", true), rejected)).toEqual(invalidState("RespondToTender", "ready_to_ship"))
  })

  it("after a rejection the shipment can be tendered again (same or other carrier)", () => {
    const rejected = run([tender("DHLF"), respond("DHLF", false)], readyToShip()).state
    expect(decided(tender("UPSN", "140"), rejected)).toMatchObject({ events: [{ _tag: "CarrierTendered", carrier: "UPSN", freight: eur("140") }] })
    expect(decided(tender("DHLF"), rejected)).toMatchObject({ events: [{ _tag: "CarrierTendered", carrier: "DHLF" }] })
  })

  it("a new tender supersedes the open one: the earlier carrier's answer is then NotTendered", () => {
    const state = run([tender("DHLF"), tender("UPSN")], readyToShip()).state
    expect(state.tendered?.carrier).toBe("UPSN")
    expect(decided(respond("DHLF", true), state)).toEqual({ rejection: { _tag: "NotTendered", carrier: "DHLF", tendered: "UPSN" } })
  })
})

describe("ReviseShipment", () => {
  it("before a carrier accepted it is InvalidState", () => {
    expect(decided(revise("DHLF"), readyToShip())).toEqual(invalidState("ReviseShipment", "ready_to_ship"))
    expect(decided(revise("DHLF"), run([tender("DHLF")], readyToShip()).state)).toEqual(invalidState("ReviseShipment", "tendered"))
  })

  it("after acceptance: ShipmentRevised with a label per carton for the new carrier", () => {
    expect(decided(revise("UPSN"), assigned())).toEqual({
      events: [
        {
          _tag: "ShipmentRevised",
          shipment: SHIPMENT,
          order: ORDER,
          site: SITE,
          carrier: "UPSN",
          route: "RTM-AMS-2",
          freight: eur("135"),
          deliveryCommitment: "2025-06-04T17:00:00+02:00",
          stagingLane: "RTM-STG-3",
          loadingPriority: 2,
          labels: [
            { sscc: SSCC_1, carrier: "UPSN" },
            { sscc: SSCC_2, carrier: "UPSN" }
          ]
        }
      ]
    })
    const state = run([revise("UPSN")], assigned()).state
    expect(state.status).toBe("carrier_assigned")
    expect([state.carrier, state.route, state.revision?.stagingLane, state.revision?.loadingPriority]).toEqual(["UPSN", "RTM-AMS-2", "RTM-STG-3", 2])
  })

  it("the same revision again is a replay; another one is applied", () => {
    const revised = run([revise("UPSN")], assigned()).state
    expect(decided(revise("UPSN"), revised)).toEqual({ events: [] })
    expect(decided(revise("UPSN", { loadingPriority: 1 }), revised)).toMatchObject({ events: [{ _tag: "ShipmentRevised", loadingPriority: 1 }] })
  })

  it("after loading it is InvalidState", () => {
    expect(decided(revise("UPSN"), loaded())).toEqual(invalidState("ReviseShipment", "loaded"))
  })

  it("refuses a delivery commitment that is not an ISO instant with an offset (at the codec)", () => {
    expect(() => decodeCommand(revise("UPSN", { deliveryCommitment: "2025-06-04 17:00" }))).toThrow()
  })
})

describe("ConfirmLoad", () => {
  it("with every packed carton and an accepted carrier: ShipmentLoaded, loaded", () => {
    expect(decided(confirmLoad([SSCC_2, SSCC_1]), assigned())).toEqual({
      events: [{ _tag: "ShipmentLoaded", shipment: SHIPMENT, order: ORDER, site: SITE, dockDoor: "RTM-D10", ssccs: [SSCC_2, SSCC_1] }]
    })
    const state = loaded()
    expect(state.status).toBe("loaded")
    expect(state.load?.dockDoor).toBe("RTM-D10")
  })

  it("a packed carton left behind is CartonsMissing naming it", () => {
    expect(decided(confirmLoad([SSCC_1]), assigned())).toEqual({ rejection: { _tag: "CartonsMissing", missing: [SSCC_2] } })
  })

  it("an SSCC not packed in this shipment is InvalidState", () => {
    expect(decided(confirmLoad([SSCC_1, SSCC_2, SSCC_3]), assigned())).toEqual(invalidState("ConfirmLoad", "carrier_assigned"))
  })

  it("needs packing complete and an accepted carrier", () => {
    const packingWithCarrier = given(request, pack(SSCC_1, "1"), tender("DHLF"), respond("DHLF", true))
    expect(decided(confirmLoad([SSCC_1]), packingWithCarrier)).toEqual(invalidState("ConfirmLoad", "carrier_assigned"))
    expect(decided(confirmLoad([SSCC_1, SSCC_2]), readyToShip())).toEqual(invalidState("ConfirmLoad", "ready_to_ship"))
    expect(decided(confirmLoad([SSCC_1, SSCC_2]), run([tender("DHLF")], readyToShip()).state)).toEqual(invalidState("ConfirmLoad", "tendered"))
  })

  it("the same load again is a replay; another dock door is a conflicting repeat", () => {
    expect(decided(confirmLoad([SSCC_1, SSCC_2, SSCC_1]), loaded())).toEqual({ events: [] })
    expect(decided(confirmLoad([SSCC_1, SSCC_2], "RTM-D11"), loaded())).toEqual(invalidState("ConfirmLoad", "loaded"))
  })
})

describe("RecordMilestone", () => {
  it("departed before loading is InvalidState", () => {
    expect(decided(milestone("departed", "2025-06-03T08:00:00Z"), assigned())).toEqual(invalidState("RecordMilestone", "carrier_assigned"))
  })

  it("after loading: departed is MilestoneRecorded with the carrier", () => {
    expect(decided(milestone("departed", "2025-06-03T10:00:00+02:00", "gate out"), loaded())).toEqual({
      events: [
        {
          _tag: "MilestoneRecorded",
          shipment: SHIPMENT,
          order: ORDER,
          site: SITE,
          carrier: "DHLF",
          milestone: "departed",
          at: "2025-06-03T10:00:00+02:00",
          detail: "gate out"
        }
      ]
    })
    expect(departed().status).toBe("departed")
  })

  it("in transit, delayed and arrived follow the departure; each moves the status", () => {
    expect(decided(milestone("in_transit", "2025-06-03T09:00:00Z"), loaded())).toEqual(invalidState("RecordMilestone", "loaded"))
    const transit = run([milestone("in_transit", "2025-06-03T09:00:00Z")], departed()).state
    expect(transit.status).toBe("in_transit")
    const delayed = run([milestone("delayed", "2025-06-03T11:00:00Z", "traffic")], transit).state
    expect(delayed.status).toBe("delayed")
    const arrived = run([milestone("arrived", "2025-06-03T14:00:00Z")], delayed).state
    expect(arrived.status).toBe("arrived")
    expect(arrived.milestones.map((m) => m.milestone)).toEqual(["departed", "in_transit", "delayed", "arrived"])
  })

  it("the same milestone again is a replay; a second departure at another time is InvalidState", () => {
    expect(decided(milestone("departed", "2025-06-03T08:00:00Z"), departed())).toEqual({ events: [] })
    expect(decided(milestone("departed", "2025-06-03T09:00:00Z"), departed())).toEqual(invalidState("RecordMilestone", "departed"))
  })

  it("refuses a timestamp without an offset (at the codec)", () => {
    expect(() => decodeCommand(milestone("departed", "2025-06-03T08:00:00"))).toThrow()
  })
})

describe("CancelShipment", () => {
  it("before departure: ShipmentCancelled, cancelled (also once loaded)", () => {
    expect(decided(cancel, readyToShip())).toEqual({ events: [{ _tag: "ShipmentCancelled", shipment: SHIPMENT, order: ORDER, site: SITE }] })
    expect(decided(cancel, loaded())).toMatchObject({ events: [{ _tag: "ShipmentCancelled" }] })
    expect(given(request, cancel).status).toBe("cancelled")
  })

  it("again is a replay; a shipment never requested has nothing to cancel", () => {
    expect(decided(cancel, given(request, cancel))).toEqual({ events: [] })
    expect(decided(cancel, initialState)).toEqual({ events: [] })
  })

  it("after departure it is InvalidState", () => {
    expect(decided(cancel, departed())).toEqual(invalidState("CancelShipment", "departed"))
  })
})

describe("RecordDelivery", () => {
  it("delivered: ShipmentDelivered; failed: ShipmentDeliveryFailed", () => {
    const arrived = run([milestone("arrived", "2025-06-03T14:00:00Z")], departed()).state
    expect(decided(delivery("delivered"), arrived)).toEqual({ events: [{ _tag: "ShipmentDelivered", shipment: SHIPMENT, order: ORDER }] })
    expect(decided(delivery("failed"), arrived)).toEqual({ events: [{ _tag: "ShipmentDeliveryFailed", shipment: SHIPMENT, order: ORDER }] })
  })

  it("a failed delivery, then a redelivery", () => {
    const failed = run([delivery("failed")], departed()).state
    expect([failed.status, failed.delivery, failed.failedDeliveries]).toEqual(["delivery_failed", "failed", 1])
    expect(decided(delivery("failed"), failed)).toEqual({ events: [] })
    const delivered = run([milestone("in_transit", "2025-06-04T08:00:00Z"), delivery("delivered")], failed).state
    expect([delivered.status, delivered.delivery, delivered.failedDeliveries]).toEqual(["delivered", "delivered", 1])
  })

  it("delivered again is a replay; failed after delivered, before loading or once cancelled is InvalidState", () => {
    const delivered = run([delivery("delivered")], departed()).state
    expect(decided(delivery("delivered"), delivered)).toEqual({ events: [] })
    expect(decided(delivery("failed"), delivered)).toEqual(invalidState("RecordDelivery", "delivered"))
    expect(decided(delivery("delivered"), assigned())).toEqual(invalidState("RecordDelivery", "carrier_assigned"))
    expect(decided(delivery("delivered"), given(request, cancel))).toEqual(invalidState("RecordDelivery", "cancelled"))
  })

  it("no milestone once delivered", () => {
    const delivered = run([delivery("delivered")], departed()).state
    expect(decided(milestone("arrived", "2025-06-03T14:00:00Z"), delivered)).toEqual(invalidState("RecordMilestone", "delivered"))
  })
})

const lifecycle: ReadonlyArray<Json> = [
  request,
  pack(SSCC_1, "4.5"),
  pack(SSCC_2, "8.25"),
  completePacking,
  tender("DHLF"),
  respond("DHLF", false, "no capacity"),
  tender("UPSN", "140.00"),
  respond("UPSN", true),
  revise("UPSN"),
  confirmLoad([SSCC_1, SSCC_2], "RTM-D12"),
  milestone("departed", "2025-06-03T08:00:00Z"),
  milestone("in_transit", "2025-06-03T09:30:00Z"),
  milestone("delayed", "2025-06-03T11:00:00Z", "traffic"),
  milestone("arrived", "2025-06-03T14:00:00Z"),
  delivery("failed"),
  milestone("in_transit", "2025-06-04T08:00:00Z"),
  milestone("arrived", "2025-06-04T10:00:00Z"),
  delivery("delivered")
]

describe("the shipment lifecycle", () => {
  it("requested -> cartons -> ready_to_ship -> tendered -> rejected -> re-tendered -> accepted -> revised -> loaded -> departed -> arrived -> delivered", () => {
    const statuses: Array<string> = []
    let state = initialState
    for (const command of lifecycle) {
      state = run([command], state).state
      statuses.push(state.status)
    }
    expect(statuses).toEqual([
      "requested",
      "packing",
      "packing",
      "ready_to_ship",
      "tendered",
      "ready_to_ship",
      "tendered",
      "carrier_assigned",
      "carrier_assigned",
      "loaded",
      "departed",
      "in_transit",
      "delayed",
      "arrived",
      "delivery_failed",
      "in_transit",
      "arrived",
      "delivered"
    ])
    expect(state.carrier).toBe("UPSN")
    expect(state.route).toBe("RTM-AMS-2")
    expect(state.freight === undefined ? undefined : BigDecimal.format(BigDecimal.normalize(state.freight.amount))).toBe("135")
    expect(state.rejectedTenders.map((r) => r.carrier)).toEqual(["DHLF"])
    expect(state.revision?.deliveryCommitment).toBe("2025-06-04T17:00:00+02:00")
    expect(state.load?.dockDoor).toBe("RTM-D12")
    expect(state.delivery).toBe("delivered")
    expect(state.failedDeliveries).toBe(1)
  })

  it("each step emits exactly its events, in order", () => {
    expect(run(lifecycle).events.map((e) => e._tag)).toEqual([
      "ShipmentRequested",
      "CartonPacked",
      "CartonPacked",
      "ShipmentReadyToShip",
      "CarrierTendered",
      "TenderRejected",
      "CarrierTendered",
      "TenderAccepted",
      "ShipmentRevised",
      "ShipmentLoaded",
      "MilestoneRecorded",
      "MilestoneRecorded",
      "MilestoneRecorded",
      "MilestoneRecorded",
      "ShipmentDeliveryFailed",
      "MilestoneRecorded",
      "MilestoneRecorded",
      "ShipmentDelivered"
    ])
  })
})

describe("JSON round trip (state is persisted as JSON snapshots)", () => {
  const { state, events } = run(lifecycle)
  const throughJson = (encoded: unknown): unknown => JSON.parse(JSON.stringify(encoded))

  it("every event survives encode -> JSON -> decode unchanged", () => {
    for (const event of events) {
      const wire = throughJson(encodeEvent(event))
      const decoded = decodeEvent(wire)
      expect(decoded._tag).toBe(event._tag)
      expect(decoded).toBeInstanceOf(event.constructor)
      expect(encodeEvent(decoded)).toEqual(wire)
    }
  })

  it("the state at every step survives encode -> JSON -> decode, and decides the same afterwards", () => {
    let current = initialState
    for (const event of events) {
      current = evolve(current, event)
      const wire = throughJson(encodeState(current))
      const restored = decodeState(wire)
      expect(restored).toBeInstanceOf(ShipmentState)
      expect(encodeState(restored)).toEqual(wire)
    }
    const restored = decodeState(throughJson(encodeState(state)))
    expect(BigDecimal.equals(restored.totalWeight!.amount, BigDecimal.fromStringUnsafe("12.75"))).toBe(true)
    expect(restored.cartons[1]?.contents[0]?.quantity.unit).toBe("EA")
    expect(decided(delivery("delivered"), restored)).toEqual({ events: [] })
    expect(decided(delivery("failed"), restored)).toEqual(decided(delivery("failed"), state))
  })

  it("the initial state round-trips too", () => {
    expect(encodeState(decodeState(throughJson(encodeState(initialState))))).toEqual(encodeState(initialState))
  })
})

describe("shipmentEntity", () => {
  it("is the engine entity 'shipment' keyed by shipment id, with _tag types and unnotified rejections", () => {
    const command = decodeCommand(request)
    expect(shipmentEntity.name).toBe("shipment")
    expect(shipmentEntity.keyOf(command)).toBe(SHIPMENT)
    expect(shipmentEntity.eventType(run([request]).events[0]!)).toBe("ShipmentRequested")
    const rejected = decide(decodeCommand(completePacking), requested())
    expect(Result.isFailure(rejected) ? shipmentEntity.rejectionType(rejected.failure) : undefined).toBe("NoCartons")
    expect(shipmentEntity.notifyRejections).toBe(false)
    expect(shipmentEntity.decider.initialState).toBe(initialState)
  })
})
