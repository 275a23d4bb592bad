/**
 * A failed bus call (connect, publish, consume, stream administration).
 * The `reason` says whether a retry can help: timeouts, no responders, a
 * missing stream (not yet created, or its domain unreachable across a cut
 * leaf link) and a lost connection are retryable; a stale
 * `expectLastSubjectSequence`, a missing consumer, a bad request, a stream
 * definition that conflicts with the live stream and a full stream are
 * terminal. A full stream (discard new at its `max_msgs` / `max_bytes`, or
 * the server's store exhausted) frees space only as its messages age out or
 * when an operator raises the limit, so a quick retry cannot help: the
 * message is parked (consumers), answered 503 (the HTTP API) or kept unsent
 * (the outbox relay, which retries every round and logs each refusal).
 *
 * `classifyBusError` is the one place that maps what the NATS client throws
 * to a reason. It matches on the client's error `name` and JetStream API
 * `code`, not `instanceof`, so duplicate copies of the client still classify.
 */
import { Schema } from "effect"
import { redactText } from "@logimesh/logging"

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
/** The stream refused to store the message: it is full (discard new) or the server has no storage left. */
export class StreamFull extends Schema.TaggedError<StreamFull>()("StreamFull", {
  message: Schema.String,
  /** JetStream API error code (`err_code`). */
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
  StreamFull,
  DefinitionConflict
])
export type BusErrorReason = typeof BusErrorReason.Type

const retryableTags: ReadonlySet<BusErrorReason["_tag"]> = new Set(["Timeout", "NoResponders", "StreamNotFound", "Disconnected"])

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
  AccountResourcesExceeded: 10002,
  ConsumerNotFound: 10014,
  /** A publish the server refuses because its own store is exhausted (`max_file_store`). */
  InsufficientResources: 10023,
  StreamNotFound: 10059,
  StreamWrongLastSequence: 10071,
  StreamStoreFailed: 10077,
  StreamWrongLastSequenceUnknown: 10164
} as const

/** What a discard-new stream at its limit answers (nats-server `ErrMaxMsgs`, `ErrMaxBytes`, `ErrMaxMsgsPerSubject`). */
const limitReached = /maximum (messages|bytes|messages per subject) exceeded/i

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
  const message = redactText(cause instanceof Error ? cause.message : String(cause))
  const names = chain.map(nameOf)
  const code = chain.map(apiCodeOf).find((c) => c !== undefined && c >= 10000)
  if (code === ApiCode.StreamWrongLastSequence || code === ApiCode.StreamWrongLastSequenceUnknown) {
    return new WrongLastSequence({ message })
  }
  if (
    (code === ApiCode.StreamStoreFailed && limitReached.test(message)) ||
    code === ApiCode.AccountResourcesExceeded ||
    code === ApiCode.InsufficientResources
  ) {
    return new StreamFull({ message, code })
  }
  if (code === ApiCode.StreamNotFound || names.includes("StreamNotFoundError")) return new StreamNotFound({ message })
  if (code === ApiCode.ConsumerNotFound || names.includes("ConsumerNotFoundError")) return new ConsumerNotFound({ message })
  if (code !== undefined) return new BadRequest({ message, code })
  if (names.includes("NoResponders") || /no responders/i.test(message)) return new NoResponders({ message })
  if (names.includes("TimeoutError") || /timeout/i.test(message)) return new Timeout({ message })
  if (
    names.some((n) => n === "ClosedConnectionError" || n === "DrainingConnectionError" || n === "ConnectionError") ||
    /ECONNREFUSED|ECONNRESET|EPIPE|connection (closed|draining|refused)/i.test(message)
  ) {
    return new Disconnected({ message })
  }
  return new BadRequest({ message })
}

export const classifyBusError = (operation: string, cause: unknown): BusError => new BusError({ operation, reason: classifyBusReason(cause) })
