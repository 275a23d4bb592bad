/**
 * Decode-once at the edge: turns unknown input into a canonical value or an
 * `InvalidMessage` listing every failing field (never just the first) with
 * the raw input attached. Adapters and consumers call this exactly once per
 * inbound message; everything behind it works with branded, typed values.
 */
import { Effect, Schema } from "effect"
import { InvalidMessage, invalidMessage, messageIssuesOf } from "./InvalidMessage.ts"

export interface DecodeAtEdgeOptions {
  /** Name used in the error (defaults to the schema's identifier or "message"). */
  readonly name?: string
  /** Refuse unknown fields (default: ignore them, so producers can add fields first). */
  readonly strict?: boolean
  /** The raw input to keep with an error, when `input` is already a parsed form of it. */
  readonly raw?: unknown
}

export const decodeAtEdge = <S extends Schema.Decoder<unknown>>(schema: S, options: DecodeAtEdgeOptions = {}) => {
  const decode = Schema.decodeUnknownEffect(schema)
  const name = options.name ?? "message"
  return (input: unknown): Effect.Effect<S["Type"], InvalidMessage> =>
    decode(input, { errors: "all", onExcessProperty: options.strict === true ? "error" : "ignore" }).pipe(
      Effect.mapError((error) =>
        new InvalidMessage({ schema: name, raw: "raw" in options ? options.raw : input, issues: messageIssuesOf(error.issue) })
      )
    )
}

/** Parses JSON text (or UTF-8 bytes) and decodes it; malformed JSON is an `InvalidMessage` too. */
export const decodeJsonAtEdge = <S extends Schema.Decoder<unknown>>(schema: S, options: DecodeAtEdgeOptions = {}) => {
  const name = options.name ?? "message"
  return (input: string | Uint8Array): Effect.Effect<S["Type"], InvalidMessage> => {
    const parsed = parseJson(input)
    if (!parsed.ok) return Effect.fail(invalidMessage(name, input, "", `not valid JSON: ${parsed.error}`))
    return decodeAtEdge(schema, { ...options, raw: input })(parsed.value)
  }
}

type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string }

export const parseJson = (input: string | Uint8Array): Parsed => {
  try {
    const text = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: true }).decode(input)
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (cause) {
    return { ok: false, error: cause instanceof Error ? cause.message : String(cause) }
  }
}
