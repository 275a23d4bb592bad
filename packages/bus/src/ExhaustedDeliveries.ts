/**
 * The exhausted lane of a consumer: messages its server gave up delivering
 * (`max_deliver` spent) are handed to the consumer's handler once more, from
 * the server's own notices, so none is left behind unhandled and unparked.
 *
 * nats-server publishes a MAX_DELIVERIES advisory (`{stream_seq, deliveries,
 * …}`) when it stops delivering a message; `DELIVERY_EXHAUSTED` stores them
 * (also while no consumer process runs) and a companion durable per consumer
 * reads its own (`withDeliveryExhaustedLane`). For each notice the lane loads
 * the message from its stream by sequence and runs the consumer's handler on
 * it, with the lane's delivery count as the message's:
 *
 *   handler acks                     -> notice acked (done)
 *   handler naks, or fails retryable -> notice nak'ed: tried again later
 *   handler parks, or fails terminal -> the message parked to the consumer's DLQ (same msg id as a park of the
 *                                       main path, so a message parked twice is stored once), notice acked
 *   retryable on the lane's last allowed delivery -> parked as RetriesExhausted, notice acked
 *   message no longer in its stream  -> the notice is parked (`ExhaustedMessageGone`) for an operator
 *
 * Who sends these: nats-server, when it has delivered a message `max_deliver`
 * times without an ack. In logimesh that happens when a process dies on a
 * message's last delivery, and on nats-server 2.9 before 2.9.22 when a
 * consumer's process has just died: a pull request younger than 2 s is
 * still served on a server with leafnodes, a delivery to its gone client
 * fails and goes straight back to the redelivery queue, and the message is
 * bounced between the dead process's requests until its deliveries are
 * spent, in microseconds (ARCHITECTURE.md, "nats-server 2.9 behaviour").
 * Every handler is idempotent (engine inbox, Idempotency-Key), so one that
 * did run before is harmless.
 */
import type { StoredMsg } from "@nats-io/jetstream"
import type { MsgHdrs } from "@nats-io/transport-node"
import { Cause, Effect, Exit } from "effect"
import { classifyBusError } from "./BusError.ts"
import { BusHeaders } from "./BusHeaders.ts"
import type { BusMessage } from "./BusMessage.ts"
import type { NatsConnectionShape } from "./NatsConnection.ts"
import { Outcome } from "./Outcome.ts"

export interface ExhaustedLaneTarget {
  /** The stream holding the consumer's notices (`DELIVERY_EXHAUSTED`). */
  readonly stream: string
  /** The companion durable reading this consumer's notices. */
  readonly consumer: string
}

export interface ExhaustedLaneOptions<E, R> {
  readonly nats: NatsConnectionShape
  /** The consumer whose messages the notices name. */
  readonly stream: string
  readonly consumer: string
  readonly domain: string | undefined
  /** The lane's own `max_deliver`: on that delivery a retryable failure parks the message. */
  readonly laneMaxDeliver: number
  readonly handler: (message: BusMessage) => Effect.Effect<Outcome, E, R>
  /** Publishes the message to the consumer's DLQ with its park headers (the runner's park, minus the reply). */
  readonly park: (message: BusMessage, headers: MsgHdrs | undefined, reason: string, detail: string) => Effect.Effect<void, unknown>
}

interface Notice {
  readonly streamSequence: number
  readonly deliveries: number
}

const decodeNotice = (data: Uint8Array): Notice | undefined => {
  try {
    const json: unknown = JSON.parse(new TextDecoder().decode(data))
    if (typeof json !== "object" || json === null || !("stream_seq" in json) || typeof json.stream_seq !== "number") return undefined
    const deliveries = "deliveries" in json && typeof json.deliveries === "number" ? json.deliveries : 0
    return { streamSequence: json.stream_seq, deliveries }
  } catch {
    return undefined
  }
}

const isTerminal = (error: unknown): error is { readonly _tag?: unknown; readonly message?: unknown } =>
  typeof error === "object" && error !== null && "isRetryable" in error && error.isRetryable === false

const headersOf = (stored: StoredMsg): Record<string, string> => {
  const headers: Record<string, string> = {}
  if (stored.header !== undefined) for (const [key, values] of stored.header) if (values.length > 0) headers[key] = values[0]!
  return headers
}

/** The handler of the companion durable: one notice in, the named message handled or parked. */
export const exhaustedLaneHandler =
  <E, R>(options: ExhaustedLaneOptions<E, R>) =>
  (notice: BusMessage) =>
    Effect.gen(function* () {
      const parsed = decodeNotice(notice.data)
      if (parsed === undefined) return Outcome.Park({ reason: "UnreadableNotice", detail: "a MAX_DELIVERIES notice without stream_seq" })
      const jsm = yield* options.nats.jetstreamManager(options.domain)
      const stored = yield* Effect.tryPromise({
        try: () => jsm.streams.getMessage(options.stream, { seq: parsed.streamSequence }),
        catch: (cause) => classifyBusError(`exhausted lane ${options.stream}/${options.consumer} seq ${parsed.streamSequence}`, cause)
      })
      if (stored === null) {
        return Outcome.Park({
          reason: "ExhaustedMessageGone",
          detail: `${options.stream} no longer holds seq ${parsed.streamSequence}, which the server gave up delivering to ${options.consumer}`
        })
      }
      const headers = headersOf(stored)
      const message: BusMessage = {
        subject: stored.subject,
        data: stored.data,
        headers,
        msgId: headers[BusHeaders.msgId],
        stream: options.stream,
        consumer: options.consumer,
        domain: options.domain ?? "",
        streamSequence: stored.seq,
        deliveryCount: notice.deliveryCount,
        redeliveryCount: notice.deliveryCount - 1,
        timestamp: stored.time
      }
      yield* Effect.logWarning("handling a message the server gave up delivering").pipe(
        Effect.annotateLogs({ consumer: options.consumer, seq: stored.seq, serverDeliveries: parsed.deliveries, laneDelivery: notice.deliveryCount })
      )
      const parkIt = (reason: string, detail: string) => options.park(message, stored.header, reason, detail).pipe(Effect.as(Outcome.Ack()))
      const exit = yield* Effect.exit(options.handler(message))
      if (Exit.isSuccess(exit)) {
        const outcome = exit.value
        if (outcome._tag === "Park") return yield* parkIt(outcome.reason, outcome.detail)
        if (outcome._tag === "Nak" && notice.deliveryCount >= options.laneMaxDeliver) {
          return yield* parkIt("RetriesExhausted", `exhausted lane delivery ${notice.deliveryCount} of ${options.laneMaxDeliver}`)
        }
        return outcome
      }
      const failure = exit.cause.reasons.find(Cause.isFailReason)
      if (failure !== undefined && isTerminal(failure.error)) {
        const tag = typeof failure.error._tag === "string" ? failure.error._tag : "TerminalError"
        return yield* parkIt(tag, String(failure.error.message ?? tag))
      }
      if (notice.deliveryCount >= options.laneMaxDeliver) {
        return yield* parkIt("RetriesExhausted", `exhausted lane delivery ${notice.deliveryCount} of ${options.laneMaxDeliver}: ${Cause.pretty(exit.cause)}`)
      }
      return yield* Effect.failCause(exit.cause)
    })
