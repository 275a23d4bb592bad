/**
 * Schema evolution: an `OrderReleased` written at v1 (no serviceLevel) is read
 * by v2 code through the upcaster chain; a version newer than the reader and
 * a broken v1 payload are refused with a reason, never guessed.
 */
import { DateTime, Effect, Exit, Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  decodeEvent,
  decodeStructured,
  Envelope,
  eventData,
  type InvalidMessage,
  OrderReleased,
  OrderReleasedEvent
} from "../src/index.ts"
import { carrierServiceFor, envelopeJson, v1Data } from "./orderReleasedFixtures.ts"

const read = (json: string) =>
  Effect.runSyncExit(decodeStructured(json).pipe(Effect.flatMap(decodeEvent(OrderReleasedEvent))))

const failureOf = <A>(exit: Exit.Exit<A, InvalidMessage>): InvalidMessage => {
  if (Exit.isSuccess(exit)) throw new Error("expected a refusal")
  const reason = exit.cause.reasons[0]
  if (reason?._tag !== "Fail") throw new Error(`unexpected ${String(exit)}`)
  return reason.error
}

describe("OrderReleased versions", () => {
  it("upcasts a v1 event and v2 code processes it with the default service level", () => {
    const exit = read(envelopeJson(1, v1Data))
    if (Exit.isFailure(exit)) throw new Error(String(exit))
    const { event } = exit.value
    expect(event).toBeInstanceOf(OrderReleased)
    expect(event.serviceLevel).toBe("STANDARD")
    expect(DateTime.formatIso(event.releasedAt.utc)).toBe("2025-06-01T12:05:00.000Z")
    expect(carrierServiceFor(event)).toBe("ORD-1001:ROAD-48H")
  })

  it("reads a v2 event as written (the default does not override a sent value)", () => {
    const exit = read(envelopeJson(2, { _tag: "OrderReleased", ...v1Data, serviceLevel: "NEXT_DAY" }))
    if (Exit.isFailure(exit)) throw new Error(String(exit))
    expect(carrierServiceFor(exit.value.event)).toBe("ORD-1001:AIR-NEXT-DAY")
  })

  it("writes the current version", () => {
    const event = Effect.runSync(decodeStructured(envelopeJson(1, v1Data)).pipe(Effect.flatMap(decodeEvent(OrderReleasedEvent)))).event
    const written = eventData(OrderReleasedEvent, event)
    expect(written.schemaversion).toBe(2)
    expect(written.data).toMatchObject({ _tag: "OrderReleased", serviceLevel: "STANDARD", releasedAt: "2025-06-01T14:05:00.000+02:00" })
    const envelope = Schema.decodeUnknownSync(Envelope)({ ...JSON.parse(envelopeJson(2, written.data)) })
    expect(Effect.runSync(decodeEvent(OrderReleasedEvent)(envelope)).event.serviceLevel).toBe("STANDARD")
  })

  it("refuses a version newer than the reader knows", () => {
    const error = failureOf(read(envelopeJson(3, v1Data)))
    expect(error.issues[0]?.path).toBe("schemaversion")
    expect(error.message).toContain("knows versions 1..2")
  })

  it("reports a broken v1 payload against v1's fields", () => {
    const error = failureOf(read(envelopeJson(1, { ...v1Data, shipFrom: "Rotterdam DC", releasedAt: "2025-06-01 14:05" })))
    expect(error.schema).toBe("com.logimesh.order.released v1")
    expect(error.issues.map((i) => i.path).sort()).toEqual(["data.releasedAt", "data.shipFrom"])
  })
})
