/**
 * Test support: a fast-check arbitrary of valid envelopes (every optional
 * attribute present or absent, unicode in free-text attributes, any JSON in
 * `data`), shared by the codec property tests here and the NATS round trip
 * in test/envelope/.
 */
import { DateTime, Schema } from "effect"
import fc from "fast-check"
import { Envelope } from "../src/index.ts"

const token = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,40}$/)
const meshId = fc.stringMatching(/^[a-z][a-z0-9-]{1,10}[a-z0-9]$/)
const text = fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 })
const json: fc.Arbitrary<unknown> = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown)

export const envelopeArb: fc.Arbitrary<Envelope> = fc.record({
  id: token,
  source: fc.stringMatching(/^\/[a-z0-9/-]{1,40}$/),
  type: fc.constantFrom("com.logimesh.order.released", "com.logimesh.pick.confirmed", "com.logimesh.shipment.revised"),
  subject: fc.option(text, { nil: undefined }),
  time: fc.integer({ min: 0, max: 4102444800000 }),
  correlationid: token,
  causationid: fc.option(token, { nil: undefined }),
  region: meshId,
  site: fc.option(meshId, { nil: undefined }),
  businesskey: text,
  schemaversion: fc.integer({ min: 1, max: 9 }),
  sourcesystem: fc.constantFrom("ERP", "WES", "DISPATCH", "CARRIER", "PORTAL", "LOGIMESH" as const),
  sequence: fc.maxSafeNat(),
  data: fc.option(json, { nil: undefined })
}).map((r) =>
  Schema.decodeUnknownSync(Envelope)({
    specversion: "1.0",
    datacontenttype: "application/json",
    ...Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)),
    time: DateTime.formatIso(DateTime.makeUnsafe(r.time))
  })
)

/** The envelope's encoded (plain JSON) form: compare envelopes through it (instants compare by value). */
export const encodedEnvelope = (envelope: Envelope) => Schema.encodeSync(Envelope)(envelope)
