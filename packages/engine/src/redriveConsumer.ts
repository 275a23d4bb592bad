/**
 * Re-drive: a fresh durable consumer on a stream that starts at a stream
 * sequence or a time (`deliver_policy: by_start_sequence / by_start_time`).
 * Run the engine on it to re-apply history; the inbox and the per-source
 * sequences make re-applied inputs no-ops, so this is safe at any time.
 */
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { Duration, Effect } from "effect"
import { type BusError, classifyBusError, NatsConnection } from "@logimesh/bus"
import { definedFields } from "@logimesh/model"

export interface RedriveOptions {
  readonly stream: string
  /** Name of the new durable consumer (must not exist). */
  readonly name: string
  readonly domain?: string
  readonly from: { readonly sequence: number } | { readonly time: Date }
  readonly filterSubject?: string
  readonly maxDeliver?: number
  readonly ackWait?: Duration.Input
  readonly maxAckPending?: number
}

export const redriveConsumer = (options: RedriveOptions): Effect.Effect<string, BusError, NatsConnection> =>
  Effect.gen(function* () {
    const nats = yield* NatsConnection
    const jsm = yield* nats.jetstreamManager(options.domain)
    const start =
      "sequence" in options.from
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.from.sequence }
        : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: options.from.time.toISOString() }
    yield* Effect.tryPromise({
      try: () =>
        jsm.consumers.add(options.stream, {
          durable_name: options.name,
          ack_policy: AckPolicy.Explicit,
          ...start,
          ...definedFields({ filter_subject: options.filterSubject }),
          ack_wait: nanos(Duration.toMillis(Duration.fromInputUnsafe(options.ackWait ?? Duration.seconds(30)))),
          max_deliver: options.maxDeliver ?? 10,
          max_ack_pending: options.maxAckPending ?? 1_000
        }),
      catch: (cause) => classifyBusError(`redrive ${options.stream}/${options.name}`, cause)
    })
    return options.name
  })
