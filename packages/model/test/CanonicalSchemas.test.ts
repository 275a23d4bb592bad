/**
 * The canonical documents decode from realistic payloads and refuse bad ones
 * at the edge with every failing field path: SSCC check digit, timestamps
 * without an offset, route order of a shipment plan, exact decimals.
 */
import { BigDecimal, DateTime, Effect, Exit, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  decodeAtEdge,
  decodeJsonAtEdge,
  gs1CheckDigit,
  type InvalidMessage,
  Quantity,
  SalesOrder,
  ShipmentPlan,
  SourceTimestamp,
  SourceTimestampValue,
  Sscc,
  ssccFromPayload
} from "../src/index.ts"

const failureOf = <A>(effect: Effect.Effect<A, InvalidMessage>): InvalidMessage => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a refusal")
  const reason = exit.cause.reasons[0]
  if (reason?._tag !== "Fail") throw new Error(`unexpected ${String(exit)}`)
  return reason.error
}

const salesOrder = {
  id: "ORD-1001",
  status: "released",
  serviceLevel: "EXPRESS",
  shipFrom: "dc-rotterdam",
  shipTo: { name: "Bakkerij de Vries", gln: "8712345000004", lines: ["Kerkstraat 1"], city: "Utrecht", postalCode: "3511 AB", country: "NL", timeZone: "Europe/Amsterdam" },
  deliveryWindow: { from: "2025-06-03T08:00:00+02:00", to: "2025-06-03T12:00:00+02:00" },
  lines: [
    {
      lineNumber: 1,
      item: "SKU-42",
      quantity: { amount: "24", unit: "EA" },
      requestedShipDate: "2025-06-02",
      hazmat: { unNumber: "UN1263", hazardClass: "3", packingGroup: "II", limitedQuantity: true },
      allocations: [{ site: "dc-rotterdam", location: "A-01-02", quantity: { amount: "24", unit: "EA" } }]
    }
  ]
}

describe("SSCC", () => {
  it("accepts the GS1 example and refuses a wrong check digit", () => {
    expect(Schema.is(Sscc)("106141411234567897")).toBe(true)
    expect(Schema.is(Sscc)("106141411234567890")).toBe(false)
    expect(Schema.is(Sscc)("10614141123456789")).toBe(false)
  })

  it("catches every single-digit substitution (property)", () => {
    fc.assert(fc.property(fc.stringMatching(/^\d{17}$/), fc.integer({ min: 0, max: 17 }), fc.integer({ min: 1, max: 9 }), (payload, at, delta) => {
      const sscc = ssccFromPayload(payload)
      expect(sscc.endsWith(String(gs1CheckDigit(payload)))).toBe(true)
      const digit = (Number(sscc[at]) + delta) % 10
      const typo = `${sscc.slice(0, at)}${digit}${sscc.slice(at + 1)}`
      expect(Schema.is(Sscc)(typo)).toBe(false)
    }))
  })
})

describe("SourceTimestamp", () => {
  it("normalises to UTC and keeps the source offset", () => {
    const ts = Schema.decodeUnknownSync(SourceTimestamp)("2025-03-30T01:30:00-05:30")
    expect(DateTime.formatIso(ts.utc)).toBe("2025-03-30T07:00:00.000Z")
    expect(ts.sourceOffsetMinutes).toBe(-330)
    expect(Schema.encodeSync(SourceTimestamp)(ts)).toBe("2025-03-30T01:30:00.000-05:30")
  })

  it("refuses a timestamp without an offset, and impossible dates", () => {
    for (const bad of ["2025-06-01T14:05:00", "2025-02-30T10:00:00Z", "2025-06-01 14:05:00+02:00", "2025-06-01T24:00:00Z"]) {
      const error = failureOf(decodeAtEdge(SourceTimestamp, { name: "timestamp" })(bad))
      expect(error.issues[0]?.message).toMatch(/ISO-8601 timestamp with an offset/)
    }
  })

  it("round-trips any instant and offset (property)", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4102444800000 }), fc.integer({ min: -14 * 4, max: 14 * 4 }), (millis, quarter) => {
      const value = Schema.decodeUnknownSync(SourceTimestamp)(
        Schema.encodeSync(SourceTimestamp)(new SourceTimestampValue({ utc: DateTime.makeUnsafe(millis), sourceOffsetMinutes: quarter * 15 }))
      )
      expect(DateTime.toEpochMillis(value.utc)).toBe(millis)
      expect(value.sourceOffsetMinutes).toBe(quarter * 15)
    }))
  })
})

describe("canonical documents at the edge", () => {
  it("decodes a sales order with branded ids and exact quantities", () => {
    const order = Effect.runSync(decodeAtEdge(SalesOrder)(salesOrder))
    expect(order.lines[0]?.quantity).toBeInstanceOf(Quantity)
    expect(BigDecimal.format(order.lines[0]!.quantity.amount)).toBe("24")
  })

  it("lists every failing field with its path and keeps the raw input", () => {
    const raw = JSON.stringify({
      ...salesOrder,
      shipFrom: "Rotterdam",
      lines: [{ ...salesOrder.lines[0], quantity: { amount: 24.5, unit: "each" }, hazmat: { unNumber: "1263", hazardClass: "3", limitedQuantity: true } }]
    })
    const error = failureOf(decodeJsonAtEdge(SalesOrder, { name: "SalesOrder" })(raw))
    expect(error.raw).toBe(raw)
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      "lines.0.hazmat.unNumber",
      "lines.0.quantity.amount",
      "lines.0.quantity.unit",
      "shipFrom"
    ])
    expect(error.message).toContain("shipFrom")
  })

  it("refuses a shipment plan whose stops are not in route order", () => {
    const plan = {
      id: "SHP-9",
      revision: 1,
      status: "planned",
      stops: [
        { sequence: 2, kind: "pickup", site: "dc-rotterdam", orders: ["ORD-1001"] },
        { sequence: 1, kind: "delivery", address: salesOrder.shipTo, orders: ["ORD-1001"] }
      ],
      legs: [{ fromStop: 1, toStop: 2, carrier: "DHLF", mode: "LTL" }],
      freight: { charge: { amount: "412.50", currency: "EUR" }, grossWeight: { amount: "180.4", unit: "KG" }, handlingUnits: ["106141411234567897"] }
    }
    expect(failureOf(decodeAtEdge(ShipmentPlan)(plan)).issues[0]?.message).toMatch(/route order/)
    const ok = { ...plan, stops: [{ ...plan.stops[0], sequence: 1 }, { ...plan.stops[1], sequence: 2 }] }
    expect(BigDecimal.format(Effect.runSync(decodeAtEdge(ShipmentPlan)(ok)).freight.charge.amount)).toBe("412.5")
  })
})
