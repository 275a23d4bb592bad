/**
 * A failed bus call (connect, publish, consume, stream administration).
 * The `reason` says whether a retry can help: timeouts, no responders, a
 * missing stream (not yet created, or its domain unreachable across a cut
 * leaf link) and a lost connection are retryable; a stale
 * `expectLastSubjectSequence`, a missing consumer, a bad request and a stream
 * definition that conflicts with the live stream are terminal.
 *
 * `classifyBusError` is the one place that maps what the NATS client throws
 * to a reason. It matches on the client's error `name` and JetStream API
 * `code`, not `instanceof`, so duplicate copies of the client still classify.
 */
import { Schema } from "effect"

export class Timeout extends Schema.TaggedError<Timeout>()("Timeout", { message: Schema.String }) {}
export class NoResponders extends Schema.TaggedError<NoResponders>()("NoResponders", { message: Schema.String }) {}
export class StreamNotFound extends Schema.TaggedError<StreamNotFound>()("StreamNotFound", { message: Schema.String }) {}
export class Disconnected extends Schema.TaggedError<Disconnected>()("Disconnected", { message: Schema.String }) {}
export class WrongLastSequence extends Schema.TaggedError<WrongLastSequence>()("WrongLastSequence", {
  message: Schema.String
}) {}
export class ConsumerNotFound extends Schema.TaggedError<ConsumerNotFound>()("ConsumerNotFound", {
  message: Schema.String
}) {}
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", {
  message: Schema.String,
  /** JetStream API error code (`err_code`), when the server sent one. */
  code: Schema.optional(Schema.Number)
}) {}
/** A stream/consumer definition that cannot be applied without destroying data (e.g. a changed retention). */
export class DefinitionConflict extends Schema.TaggedError<DefinitionConflict>()("DefinitionConflict", {
  message: Schema.String
}) {}

export const BusErrorReason = Schema.Union([
  Timeout,
  NoResponders,
  StreamNotFound,
  Disconnected,
  WrongLastSequence,
  ConsumerNotFound,
  BadRequest,
  DefinitionConflict
])
export type BusErrorReason = typeof BusErrorReason.Type

const retryableTags: ReadonlySet<BusErrorReason["_tag"]> = new Set([
  "Timeout",
  "NoResponders",
  "StreamNotFound",
  "Disconnected"
])

export const isRetryableReason = (reason: BusErrorReason): boolean => retryableTags.has(reason._tag)

export class BusError extends Schema.TaggedError<BusError>()("BusError", {
  /** What the caller was doing, e.g. `publish site.dc-rotterdam.evt.order` or `applyStreams hub/DLQ`. */
  operation: Schema.String,
  reason: BusErrorReason
}) {
  get isRetryable(): boolean {
    return isRetryableReason(this.reason)
  }

  override get message(): string {
    return `${this.operation}: ${this.reason._tag}: ${this.reason.message}`
  }
}

/** JetStream API error codes (server `err_code`) the classifier knows. */
const ApiCode = {
  ConsumerNotFound: 10014,
  StreamNotFound: 10059,
  StreamWrongLastSequence: 10071,
  StreamWrongLastSequenceUnknown: 10164
} as const

const fieldOf = (cause: unknown, key: string): unknown =>
  typeof cause === "object" && cause !== null && key in cause ? (cause as Record<string, unknown>)[key] : undefined

const nameOf = (cause: unknown): string | undefined => {
  const name = fieldOf(cause, "name")
  return typeof name === "string" ? name : undefined
}

const apiCodeOf = (cause: unknown): number | undefined => {
  const code = fieldOf(cause, "code")
  return typeof code === "number" ? code : undefined
}

/** Walks `cause` chains: the client wraps `NoResponders`/`TimeoutError` inside `RequestError`. */
const causes = (cause: unknown): ReadonlyArray<unknown> => {
  const chain: Array<unknown> = []
  let current: unknown = cause
  while (current !== undefined && current !== null && chain.length < 5) {
    chain.push(current)
    current = fieldOf(current, "cause")
  }
  return chain
}

export const classifyBusReason = (cause: unknown): BusErrorReason => {
  const chain = causes(cause)
  const message = cause instanceof Error ? cause.message : String(cause)
  const names = chain.map(nameOf)
  const code = chain.map(apiCodeOf).find((c) => c !== undefined && c >= 10000)
  if (code === ApiCode.StreamWrongLastSequence || code === ApiCode.StreamWrongLastSequenceUnknown) {
    return new WrongLastSequence({ message })
  }
  if (code === ApiCode.StreamNotFound || names.includes("StreamNotFoundError")) return new StreamNotFound({ message })
  if (code === ApiCode.ConsumerNotFound || names.includes("ConsumerNotFoundError")) return new ConsumerNotFound({ message })
  if (code !== undefined) return new BadRequest({ message, code })
  if (names.includes("NoResponders") || /no responders/i.test(message)) return new NoResponders({ message })
  if (names.includes("TimeoutError") || /timeout/i.test(message)) return new Timeout({ message })
  if (
    names.some((n) =>
      n === "ClosedConnectionError" || n === "DrainingConnectionError" || n === "ConnectionError"
    ) || /ECONNREFUSED|ECONNRESET|EPIPE|connection (closed|draining|refused)/i.test(message)
  ) {
    return new Disconnected({ message })
  }
  return new BadRequest({ message })
}

export const classifyBusError = (operation: string, cause: unknown): BusError =>
  new BusError({ operation, reason: classifyBusReason(cause) })
