/**
 * The envelope survives every wire form unchanged (property tests over
 * generated envelopes, unicode in free-text attributes and data), and a bad
 * message is refused with every failing attribute named and the raw input kept.
 */
import { DateTime, Effect, Exit } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  decodeBinary,
  decodeStructured,
  encodeBinary,
  encodeStructured,
  fromNatsMessage,
  InvalidMessage,
  toNatsMessage
} from "../src/index.ts"
import { encodedEnvelope, envelopeArb } from "./envelopeArbitrary.ts"

const encoded = encodedEnvelope
const run = <A>(effect: Effect.Effect<A, InvalidMessage>) => Effect.runSync(effect)
const failureOf = <A>(effect: Effect.Effect<A, InvalidMessage>): InvalidMessage => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected the message to be refused")
  const reason = exit.cause.reasons[0]
  if (reason?._tag !== "Fail") throw new Error(`unexpected ${String(exit)}`)
  return reason.error
}

describe("CloudEvents codecs", () => {
  it("round-trips structured mode", () => {
    fc.assert(fc.property(envelopeArb, (envelope) => {
      const back = run(decodeStructured(encodeStructured(envelope)))
      expect(encoded(back)).toEqual(encoded(envelope))
      expect(DateTime.toEpochMillis(back.time)).toBe(DateTime.toEpochMillis(envelope.time))
    }), { numRuns: 300 })
  })

  it("round-trips binary mode over HTTP headers, every header value printable ASCII", () => {
    fc.assert(fc.property(envelopeArb, (envelope) => {
      const message = encodeBinary(envelope)
      for (const value of Object.values(message.headers)) expect(value).toMatch(/^[\x21-\x7e]*$/)
      expect(message.headers["content-type"]).toBe("application/json")
      expect(message.headers["ce-specversion"]).toBe("1.0")
      expect(encoded(run(decodeBinary(message)))).toEqual(encoded(envelope))
    }), { numRuns: 300 })
  })

  it("round-trips through NATS headers, also when the transport changes header case", () => {
    fc.assert(fc.property(envelopeArb, fc.boolean(), (envelope, upper) => {
      const message = toNatsMessage(envelope)
      const headers = upper
        ? Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()), v]))
        : message.headers
      expect(encoded(run(fromNatsMessage({ headers, data: message.data })))).toEqual(encoded(envelope))
    }), { numRuns: 300 })
  })

  it("writes the CloudEvents attribute names and extensions", () => {
    const envelope = fc.sample(envelopeArb, { numRuns: 1, seed: 7 })[0]!
    const structured = JSON.parse(encodeStructured(envelope)) as Record<string, unknown>
    for (const name of ["specversion", "id", "source", "type", "time", "datacontenttype", "correlationid", "region", "businesskey", "schemaversion", "sourcesystem", "sequence"]) {
      expect(structured).toHaveProperty(name)
    }
    expect(Object.keys(encodeBinary(envelope).headers)).toEqual(
      expect.arrayContaining(["ce-id", "ce-source", "ce-type", "ce-time", "ce-correlationid", "ce-sequence", "content-type"])
    )
  })

  it("refuses a structured message listing every failing attribute, keeping the raw text", () => {
    const raw = JSON.stringify({ specversion: "0.3", id: "e-1", type: "Order Released", time: "2025-06-01T10:00:00", region: "eu-west", sequence: -1 })
    const error = failureOf(decodeStructured(raw))
    expect(error).toBeInstanceOf(InvalidMessage)
    expect(error.raw).toBe(raw)
    expect(error.issues.map((i) => i.path).sort()).toEqual(
      ["businesskey", "correlationid", "datacontenttype", "schemaversion", "sequence", "source", "sourcesystem", "specversion", "time", "type"].sort()
    )
    expect(error.isRetryable).toBe(false)
  })

  it("refuses malformed JSON and a body that is not JSON, with a readable reason", () => {
    expect(failureOf(decodeStructured("{\"id\": ")).issues[0]?.message).toMatch(/not valid JSON/)
    const good = encodeBinary(fc.sample(envelopeArb, { numRuns: 1, seed: 3 })[0]!)
    const error = failureOf(decodeBinary({ headers: good.headers, body: "{oops" }))
    expect(error.issues[0]?.path).toBe("data")
    expect(error.raw).toEqual({ headers: good.headers, body: "{oops" })
  })
})
