/**
 * Publishes to JetStream with a required `Nats-Msg-Id` and checks the PubAck.
 * A publish the stream already holds (same id inside `duplicate_window`) is
 * not an error: the ack comes back with `duplicate: true`.
 *
 * Ids must be globally unique across the mesh (include the site or region):
 * sourced streams keep `Nats-Msg-Id`, and the hub silently drops an id it has
 * already seen (FIELD-NOTES pitfall 4).
 *
 * `publishAll` pipelines many publishes (a sliding window of acks in flight)
 * and waits for every ack; it is the throughput path (outbox relay, bursts).
 */
import { type JetStreamClient, type PubAck } from "@nats-io/jetstream"
import { headers as makeHeaders, type MsgHdrs } from "@nats-io/transport-node"
import { Context, Effect, Layer } from "effect"
import { BadRequest, BusError, classifyBusError } from "./BusError.ts"
import { NatsConnection } from "./NatsConnection.ts"

export interface PublishOptions {
  /** `Nats-Msg-Id`: globally unique, stable across retries of the same logical message. */
  readonly msgId: string
  readonly headers?: Readonly<Record<string, string>>
  /** Optimistic concurrency: the subject's last sequence must equal this (0 = subject has no message yet). */
  readonly expectLastSubjectSequence?: number
  /** JetStream domain of the target stream; default the connected server's domain. */
  readonly domain?: string
}

export interface OutgoingMessage {
  readonly subject: string
  readonly payload: Uint8Array
  readonly msgId: string
  readonly headers?: Readonly<Record<string, string>>
  readonly expectLastSubjectSequence?: number
}

export interface PublishAck {
  readonly stream: string
  readonly seq: number
  /** True when the stream already held this `msgId`; nothing new was stored. */
  readonly duplicate: boolean
}

export interface PublishAllOptions {
  readonly domain?: string
  /** Publishes awaiting their ack at once; default 512. */
  readonly window?: number
}

export interface JetStreamPublisherShape {
  readonly publish: (subject: string, payload: Uint8Array, options: PublishOptions) => Effect.Effect<PublishAck, BusError>
  /** Acks in input order. Fails with the first error after every publish has settled (re-running is safe: ids dedupe). */
  readonly publishAll: (
    messages: ReadonlyArray<OutgoingMessage>,
    options?: PublishAllOptions
  ) => Effect.Effect<ReadonlyArray<PublishAck>, BusError>
}

const toHeaders = (record: Readonly<Record<string, string>> | undefined): MsgHdrs | undefined => {
  if (record === undefined) return undefined
  const h = makeHeaders()
  for (const [key, value] of Object.entries(record)) h.set(key, value)
  return h
}

/** Raw publish with client headers; shared with the consumer runner's parking. Rejects with the client's error. */
export const publishRaw = async (
  js: JetStreamClient,
  subject: string,
  payload: Uint8Array,
  msgId: string,
  headers: MsgHdrs | undefined,
  expectLastSubjectSequence: number | undefined
): Promise<PublishAck> => {
  const ack: PubAck = await js.publish(subject, payload, {
    msgID: msgId,
    ...(headers === undefined ? {} : { headers }),
    ...(expectLastSubjectSequence === undefined ? {} : { expect: { lastSubjectSequence: expectLastSubjectSequence } })
  })
  return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate }
}

const missingMsgId = (subject: string) =>
  new BusError({ operation: `publish ${subject}`, reason: new BadRequest({ message: "msgId (Nats-Msg-Id) is required" }) })

const make = Effect.gen(function*() {
  const nats = yield* NatsConnection

  const publish = (subject: string, payload: Uint8Array, options: PublishOptions) =>
    options.msgId === ""
      ? Effect.fail(missingMsgId(subject))
      : Effect.tryPromise({
        try: () =>
          publishRaw(
            nats.jetstream(options.domain),
            subject,
            payload,
            options.msgId,
            toHeaders(options.headers),
            options.expectLastSubjectSequence
          ),
        catch: (cause) => classifyBusError(`publish ${subject}`, cause)
      })

  const publishAll = (messages: ReadonlyArray<OutgoingMessage>, options: PublishAllOptions = {}) =>
    Effect.suspend(() => {
    const empty = messages.find((m) => m.msgId === "")
    if (empty !== undefined) return Effect.fail(missingMsgId(empty.subject))
    const js = nats.jetstream(options.domain)
    const window = Math.max(1, options.window ?? 512)
    const acks: Array<PublishAck | undefined> = new Array(messages.length)
    let firstFailure: { readonly subject: string; readonly cause: unknown } | undefined
    let next = 0
    // Each lane sends its next publish as soon as its previous ack arrives: `window` acks stay in flight.
    const lane = async (): Promise<void> => {
      while (next < messages.length) {
        const index = next++
        const message = messages[index]
        if (message === undefined) return
        await publishRaw(
          js,
          message.subject,
          message.payload,
          message.msgId,
          toHeaders(message.headers),
          message.expectLastSubjectSequence
        ).then(
          (ack) => {
            acks[index] = ack
          },
          (cause: unknown) => {
            firstFailure ??= { subject: message.subject, cause }
          }
        )
      }
    }
    return Effect.promise(() => Promise.all(Array.from({ length: Math.min(window, messages.length) }, lane))).pipe(
      Effect.flatMap(() =>
        firstFailure === undefined
          ? Effect.succeed(acks.filter((ack): ack is PublishAck => ack !== undefined))
          : Effect.fail(classifyBusError(`publishAll ${firstFailure.subject}`, firstFailure.cause))
      )
    )
    })

  return JetStreamPublisher.of({ publish, publishAll })
})

export class JetStreamPublisher extends Context.Service<JetStreamPublisher, JetStreamPublisherShape>()(
  "logimesh/bus/JetStreamPublisher"
) {
  static readonly layer: Layer.Layer<JetStreamPublisher, never, NatsConnection> = Layer.effect(JetStreamPublisher, make)
}
