/**
 * Publishes to JetStream with a required `Nats-Msg-Id` and checks the PubAck.
 * A publish the stream already holds (same id inside `duplicate_window`) is
 * not an error: the ack comes back with `duplicate: true`.
 *
 * Ids must be globally unique across the mesh (include the site or region):
 * sourced streams keep `Nats-Msg-Id`; on nats-server 2.9 a hub stream that
 * already holds an id from another site stalls that site's whole source until
 * its duplicate window has passed (`test/mesh/crossDomainSourcing.test.ts`).
 *
 * `publishBatch` pipelines many publishes (a sliding window of acks in
 * flight, one reply subscription, see `JetStreamBatchPublisher.ts`) and
 * returns every message's own result; `publishAll` is the same, failing with
 * the first error. They are the throughput path (outbox relay, bursts).
 */
import type { JetStreamClient, PubAck } from "@nats-io/jetstream"
import { headers as makeHeaders, type MsgHdrs } from "@nats-io/transport-node"
import { Context, Duration, Effect, Layer, Result } from "effect"
import { BadRequest, BusError, classifyBusError } from "./BusError.ts"
import { makeBatchPublisher, type OutgoingMessage, type PublishAck, type PublishResult } from "./JetStreamBatchPublisher.ts"
import { NatsConnection } from "./NatsConnection.ts"
import { definedFields } from "@logimesh/model"

export type { OutgoingMessage, PublishAck, PublishResult } from "./JetStreamBatchPublisher.ts"

export interface PublishOptions {
  /** `Nats-Msg-Id`: globally unique, stable across retries of the same logical message. */
  readonly msgId: string
  readonly headers?: Readonly<Record<string, string>>
  /** Optimistic concurrency: the subject's last sequence must equal this (0 = subject has no message yet). */
  readonly expectLastSubjectSequence?: number
  /** JetStream domain of the target stream; default the connected server's domain. */
  readonly domain?: string
}

export interface PublishAllOptions {
  /** Unused: a publish is routed by its subject (kept for callers that name the target's domain). */
  readonly domain?: string
  /** Publishes awaiting their ack at once; default 1024. */
  readonly window?: number
  /** A batch fails what is still unacked when no ack arrives for this long; default 5 s. */
  readonly timeout?: Duration.Input
}

export interface JetStreamPublisherShape {
  readonly publish: (subject: string, payload: Uint8Array, options: PublishOptions) => Effect.Effect<PublishAck, BusError>
  /** Acks in input order. Fails with the first error after every publish has settled (re-running is safe: ids dedupe). */
  readonly publishAll: (messages: ReadonlyArray<OutgoingMessage>, options?: PublishAllOptions) => Effect.Effect<ReadonlyArray<PublishAck>, BusError>
  /** One result per message, in input order, once every publish has settled: its ack, or why it was not acked. */
  readonly publishBatch: (messages: ReadonlyArray<OutgoingMessage>, options?: PublishAllOptions) => Effect.Effect<ReadonlyArray<PublishResult>>
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
    ...definedFields({ headers }),
    ...(expectLastSubjectSequence === undefined ? {} : { expect: { lastSubjectSequence: expectLastSubjectSequence } })
  })
  return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate }
}

const missingMsgId = (subject: string) =>
  new BusError({ operation: `publish ${subject}`, reason: new BadRequest({ message: "msgId (Nats-Msg-Id) is required" }) })

const make = Effect.gen(function* () {
  const nats = yield* NatsConnection

  const publish = (subject: string, payload: Uint8Array, options: PublishOptions) =>
    options.msgId === ""
      ? Effect.fail(missingMsgId(subject))
      : Effect.tryPromise({
          try: () => publishRaw(nats.jetstream(options.domain), subject, payload, options.msgId, toHeaders(options.headers), options.expectLastSubjectSequence),
          catch: (cause) => classifyBusError(`publish ${subject}`, cause)
        })

  const batches = yield* Effect.acquireRelease(
    Effect.sync(() => makeBatchPublisher(nats.client, 5_000)),
    (publisher) => Effect.sync(() => publisher.close())
  )
  const timeoutOf = (options: PublishAllOptions) => (options.timeout === undefined ? undefined : Duration.toMillis(Duration.fromInputUnsafe(options.timeout)))

  const publishBatch = (messages: ReadonlyArray<OutgoingMessage>, options: PublishAllOptions = {}) =>
    Effect.promise(() => batches.publishBatch(messages, Math.max(1, options.window ?? 1024), timeoutOf(options)))

  const publishAll = (messages: ReadonlyArray<OutgoingMessage>, options: PublishAllOptions = {}) =>
    Effect.suspend(() => {
      const empty = messages.find((m) => m.msgId === "")
      if (empty !== undefined) return Effect.fail(missingMsgId(empty.subject))
      return Effect.flatMap(publishBatch(messages, options), (results) => {
        const acks: Array<PublishAck> = []
        for (const result of results) {
          if (Result.isFailure(result)) return Effect.fail(result.failure)
          acks.push(result.success)
        }
        return Effect.succeed(acks)
      })
    })

  return JetStreamPublisher.of({ publish, publishAll, publishBatch })
})

export class JetStreamPublisher extends Context.Service<JetStreamPublisher, JetStreamPublisherShape>()("logimesh/bus/JetStreamPublisher") {
  static readonly layer: Layer.Layer<JetStreamPublisher, never, NatsConnection> = Layer.effect(JetStreamPublisher, make)
}
