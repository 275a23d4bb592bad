/**
 * Given / when / then for the pod decider: a captured POD and its reference,
 * failed attempts numbered, a delivery after failures, replays, every
 * rejection, and the JSON round trip of state and events through the Schema
 * codecs. Commands are decoded from their wire JSON; decisions are compared
 * in their encoded form.
 */
import { Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { deciderHarness } from "@logimesh/engine/testing"
import { decide, evolve, initialState, PodCommand, podEntity, PodEvent, podReference, PodState } from "../src/index.ts"
import { definedFields } from "@logimesh/model"

const decodeCommand = Schema.decodeUnknownSync(PodCommand)
const encodeEvent = Schema.encodeSync(PodEvent)
const decodeEvent = Schema.decodeUnknownSync(PodEvent)
const encodeState = Schema.encodeSync(PodState)
const decodeState = Schema.decodeUnknownSync(PodState)

type Json = Record<string, unknown>

const SHIPMENT = "S-O-1001"
const ORDER = "O-1001"
const ids = { shipment: SHIPMENT, order: ORDER }

const delivered = (at: string, extra: Json = {}): Json => ({
  _tag: "CapturePod",
  by: "CARRIER",
  ...ids,
  outcome: "delivered",
  receivedBy: "J. Jansen",
  signatureRef: "sig-778",
  at,
  ...extra
})
const failed = (at: string, reason?: string, extra: Json = {}): Json => ({
  _tag: "CapturePod",
  by: "CARRIER",
  ...ids,
  outcome: "failed",
  ...definedFields({ reason }),
  at,
  ...extra
})

/** Decisions in wire form, and states reached by commands given as wire JSON (`@logimesh/engine/testing`). */
const { decided, given, run } = deciderHarness(podEntity)

const invalidState = (state: string) => ({ rejection: { _tag: "InvalidState", command: "CapturePod", state, detail: expect.any(String) } })

describe("CapturePod delivered", () => {
  it("first attempt: PodCaptured with reference POD-<shipment>-1", () => {
    expect(decided(delivered("2025-06-03T14:05:00+02:00"), initialState)).toEqual({
      events: [
        {
          _tag: "PodCaptured",
          ...ids,
          pod: "POD-S-O-1001-1",
          receivedBy: "J. Jansen",
          signatureRef: "sig-778",
          at: "2025-06-03T14:05:00+02:00"
        }
      ]
    })
    const state = given(delivered("2025-06-03T14:05:00+02:00"))
    expect([state.status, state.pod, state.receivedBy, state.signatureRef]).toEqual(["delivered", "POD-S-O-1001-1", "J. Jansen", "sig-778"])
  })

  it("without a receiver or signature: the receiver is recorded as not recorded, no signature", () => {
    const { receivedBy: _r, signatureRef: _s, ...bare } = delivered("2025-06-03T12:00:00Z")
    expect(decided(bare, initialState)).toEqual({
      events: [{ _tag: "PodCaptured", ...ids, pod: "POD-S-O-1001-1", receivedBy: "not recorded", at: "2025-06-03T12:00:00Z" }]
    })
  })

  it("the same capture again is a replay; a different one is InvalidState", () => {
    const state = given(delivered("2025-06-03T12:00:00Z"))
    expect(decided(delivered("2025-06-03T12:00:00Z"), state)).toEqual({ events: [] })
    expect(decided(delivered("2025-06-03T12:00:00Z", { receivedBy: "Someone Else" }), state)).toEqual(invalidState("delivered"))
    expect(decided(delivered("2025-06-03T12:30:00Z"), state)).toEqual(invalidState("delivered"))
  })

  it("a capture naming another order is InvalidState", () => {
    const state = given(failed("2025-06-03T12:00:00Z", "closed"))
    expect(decided(delivered("2025-06-04T12:00:00Z", { order: "O-9999" }), state)).toEqual(invalidState("delivery_failed"))
  })

  it("refuses a timestamp without an offset or an unknown outcome (at the codec)", () => {
    expect(() => decodeCommand(delivered("2025-06-03 12:00"))).toThrow()
    expect(() => decodeCommand(delivered("2025-06-03T12:00:00Z", { outcome: "lost" }))).toThrow()
  })
})

describe("CapturePod failed", () => {
  it("counts the attempts: DeliveryAttemptFailed 1, 2", () => {
    expect(decided(failed("2025-06-03T12:00:00Z", "recipient absent"), initialState)).toEqual({
      events: [{ _tag: "DeliveryAttemptFailed", ...ids, attempt: 1, reason: "recipient absent", at: "2025-06-03T12:00:00Z" }]
    })
    const once = given(failed("2025-06-03T12:00:00Z", "recipient absent"))
    expect(once.status).toBe("delivery_failed")
    expect(decided(failed("2025-06-04T12:00:00Z", "dock closed"), once)).toEqual({
      events: [{ _tag: "DeliveryAttemptFailed", ...ids, attempt: 2, reason: "dock closed", at: "2025-06-04T12:00:00Z" }]
    })
  })

  it("without a reason records that none was given", () => {
    expect(decided(failed("2025-06-03T12:00:00Z"), initialState)).toMatchObject({ events: [{ reason: "no reason given" }] })
  })

  it("the same attempt again is a replay (also after delivery); the same time with another reason is InvalidState", () => {
    const once = given(failed("2025-06-03T12:00:00Z", "recipient absent"))
    expect(decided(failed("2025-06-03T12:00:00Z", "recipient absent"), once)).toEqual({ events: [] })
    expect(decided(failed("2025-06-03T12:00:00Z", "address unknown"), once)).toEqual(invalidState("delivery_failed"))
    const after = run([delivered("2025-06-04T10:00:00Z")], once).state
    expect(decided(failed("2025-06-03T12:00:00Z", "recipient absent"), after)).toEqual({ events: [] })
  })

  it("after a captured POD a failure is InvalidState", () => {
    expect(decided(failed("2025-06-04T12:00:00Z", "late scan"), given(delivered("2025-06-03T12:00:00Z")))).toEqual(invalidState("delivered"))
  })
})

describe("a delivery after failed attempts", () => {
  it("the POD reference carries the attempt that delivered", () => {
    const { state, events } = run([
      failed("2025-06-03T12:00:00Z", "recipient absent"),
      failed("2025-06-04T12:00:00Z", "dock closed"),
      delivered("2025-06-05T09:15:00+02:00")
    ])
    expect(events.map((e) => e._tag)).toEqual(["DeliveryAttemptFailed", "DeliveryAttemptFailed", "PodCaptured"])
    expect(state.pod).toBe("POD-S-O-1001-3")
    expect(state.pod).toBe(podReference(SHIPMENT, 3))
    expect(state.attempts.map((a) => [a.attempt, a.reason])).toEqual([
      [1, "recipient absent"],
      [2, "dock closed"]
    ])
    expect(state.status).toBe("delivered")
  })
})

describe("JSON round trip (state is persisted as JSON snapshots)", () => {
  const throughJson = (encoded: unknown): unknown => JSON.parse(JSON.stringify(encoded))
  const { state, events } = run([failed("2025-06-03T12:00:00Z", "recipient absent"), delivered("2025-06-04T09:15:00+02:00")])

  it("every event survives encode -> JSON -> decode unchanged", () => {
    for (const event of events) {
      const wire = throughJson(encodeEvent(event))
      const decoded = decodeEvent(wire)
      expect(decoded).toBeInstanceOf(event.constructor)
      expect(encodeEvent(decoded)).toEqual(wire)
    }
  })

  it("the state at every step survives encode -> JSON -> decode and decides the same afterwards", () => {
    let current = initialState
    for (const event of [undefined, ...events]) {
      if (event !== undefined) current = evolve(current, event)
      const wire = throughJson(encodeState(current))
      const restored = decodeState(wire)
      expect(restored).toBeInstanceOf(PodState)
      expect(encodeState(restored)).toEqual(wire)
    }
    const restored = decodeState(throughJson(encodeState(state)))
    expect(restored.pod).toBe("POD-S-O-1001-2")
    expect(decided(delivered("2025-06-04T09:15:00+02:00"), restored)).toEqual({ events: [] })
    expect(decided(failed("2025-06-05T09:00:00Z", "x"), restored)).toEqual(invalidState("delivered"))
  })
})

describe("podEntity", () => {
  it("is the engine entity 'pod' keyed by shipment id", () => {
    expect(podEntity.name).toBe("pod")
    expect(podEntity.keyOf(decodeCommand(delivered("2025-06-03T12:00:00Z")))).toBe(SHIPMENT)
    expect(podEntity.eventType(run([failed("2025-06-03T12:00:00Z")]).events[0]!)).toBe("DeliveryAttemptFailed")
    const rejected = decide(decodeCommand(failed("2025-06-04T12:00:00Z")), given(delivered("2025-06-03T12:00:00Z")))
    expect(Result.isFailure(rejected) ? podEntity.rejectionType(rejected.failure) : undefined).toBe("InvalidState")
    expect(podEntity.notifyRejections).toBe(false)
  })
})
