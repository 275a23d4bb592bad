/**
 * The envelope on the wire, in the three forms logimesh speaks:
 *
 *  - structured mode: one JSON object holding the attributes and `data`
 *    (CloudEvents JSON format; `application/cloudevents+json`);
 *  - binary mode over HTTP: each attribute in a `ce-<name>` header,
 *    `datacontenttype` in `content-type`, `data` as the JSON body;
 *  - NATS: the same `ce-*` headers on the message (CloudEvents NATS binding),
 *    as a plain `Record<string, string>` the bus copies onto its headers.
 *
 * Header values are percent-encoded outside printable ASCII (and `"`, `%`,
 * space), as the CloudEvents HTTP binding requires. Header names are matched
 * case-insensitively. Every decode fails with `InvalidMessage` (all failing
 * attributes by name, the raw input kept).
 */
import { Effect, Schema } from "effect"
import { decodeAtEdge, parseJson } from "./decodeAtEdge.ts"
import { Envelope, type EnvelopeAttributeName, envelopeAttributeNames, integerAttributes } from "./Envelope.ts"
import { invalidMessage, type InvalidMessage } from "./InvalidMessage.ts"

export const STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"

const encodeEnvelope = Schema.encodeSync(Envelope)
const decodeEnvelope = (raw: unknown) => decodeAtEdge(Envelope, { name: "envelope", raw })

// ---------------------------------------------------------------- structured

export const encodeStructured = (envelope: Envelope): string => JSON.stringify(encodeEnvelope(envelope))

export const decodeStructured = (input: string | Uint8Array): Effect.Effect<Envelope, InvalidMessage> => {
  const parsed = parseJson(input)
  if (!parsed.ok) return Effect.fail(invalidMessage("envelope", input, "", `not valid JSON: ${parsed.error}`))
  return decodeEnvelope(input)(parsed.value)
}

// -------------------------------------------------------------------- binary

export interface BinaryMessage {
  readonly headers: Readonly<Record<string, string>>
  /** The JSON text of `data`; empty when the event has no data. */
  readonly body: string
}

const mustEscape = (code: number) => code < 0x21 || code > 0x7e || code === 0x22 || code === 0x25

/** Percent-encodes a header value (UTF-8) where the CloudEvents HTTP binding requires it. */
export const encodeHeaderValue = (value: string): string => {
  let out = ""
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0
    if (!mustEscape(code)) {
      out += char
      continue
    }
    for (const byte of new TextEncoder().encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
  }
  return out
}

export const decodeHeaderValue = (value: string): string | undefined => {
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}

const headerName = (name: EnvelopeAttributeName): string => (name === "datacontenttype" ? "content-type" : `ce-${name}`)

const toHeaders = (envelope: Envelope): Record<string, string> => {
  const encoded: Record<string, unknown> = { ...encodeEnvelope(envelope) }
  const headers: Record<string, string> = {}
  for (const name of envelopeAttributeNames) {
    const value = encoded[name]
    if (value === undefined) continue
    headers[headerName(name)] = name === "datacontenttype" ? String(value) : encodeHeaderValue(String(value))
  }
  return headers
}

const fromHeaders = (
  headers: Readonly<Record<string, string>>,
  body: string,
  raw: unknown
): Effect.Effect<Envelope, InvalidMessage> => {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  const attributes: Record<string, unknown> = {}
  for (const name of envelopeAttributeNames) {
    const header = lower.get(headerName(name))
    if (header === undefined) continue
    if (name === "datacontenttype") {
      attributes[name] = header.split(";")[0]?.trim()
      continue
    }
    const value = decodeHeaderValue(header)
    if (value === undefined) return Effect.fail(invalidMessage("envelope", raw, name, `header ${headerName(name)} is not valid percent-encoding`))
    attributes[name] = integerAttributes.has(name) && /^\d{1,16}$/.test(value) ? Number(value) : value
  }
  if (body.length > 0) {
    const parsed = parseJson(body)
    if (!parsed.ok) return Effect.fail(invalidMessage("envelope", raw, "data", `body is not valid JSON: ${parsed.error}`))
    attributes["data"] = parsed.value
  }
  return decodeEnvelope(raw)(attributes)
}

export const encodeBinary = (envelope: Envelope): BinaryMessage => ({
  headers: toHeaders(envelope),
  body: envelope.data === undefined ? "" : JSON.stringify(envelope.data)
})

export const decodeBinary = (message: BinaryMessage): Effect.Effect<Envelope, InvalidMessage> =>
  fromHeaders(message.headers, message.body, message)

// ---------------------------------------------------------------------- NATS

export interface NatsEnvelopeMessage {
  readonly headers: Readonly<Record<string, string>>
  readonly data: Uint8Array
}

export const toNatsMessage = (envelope: Envelope): NatsEnvelopeMessage => {
  const binary = encodeBinary(envelope)
  return { headers: binary.headers, data: new TextEncoder().encode(binary.body) }
}

export const fromNatsMessage = (message: NatsEnvelopeMessage): Effect.Effect<Envelope, InvalidMessage> => {
  const body = decodeUtf8(message.data)
  if (body === undefined) return Effect.fail(invalidMessage("envelope", message, "data", "payload is not valid UTF-8"))
  return fromHeaders(message.headers, body, message)
}

const decodeUtf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}

