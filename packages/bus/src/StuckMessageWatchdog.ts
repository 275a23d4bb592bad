/**
 * A consumer's pending messages checked against what its runner holds: a
 * message the server keeps ack-pending while nobody in this process holds it
 * is handed back to the server for redelivery ("re-driven").
 *
 * Why: a message can stay ack-pending with nobody working on it — delivered
 * to a pull request of a process that died, then lost from nats-server
 * 2.9's redelivery queue (see ARCHITECTURE.md, "nats-server 2.9 behaviour").
 * Every handler in logimesh is idempotent (engine inbox, Idempotency-Key),
 * so handling such a message once more is safe; leaving it is not (the
 * sender waits for its answer).
 *
 * How, every `checkEvery` (the consumer's `ack_wait`): read the consumer's
 * ack floor. When messages are ack-pending and the floor has not moved for
 * `stuckAfter` (2 x `ack_wait`), the lowest pending message is the first
 * stream message after the floor's stream sequence that matches the
 * consumer's filter (past the ones already re-driven at this floor: a
 * message the server gave up on keeps the floor below it; the exhausted
 * lane, `ExhaustedDeliveries`, handles those). If the
 * runner does not hold it (no handler, no hold, no own nak delay still
 * running), the watchdog sends `-NAK` on that message's ack subject, which
 * the server answers by queueing it for redelivery at once; the runner then
 * handles it like any delivery (delivery count, parking). After a re-drive
 * the next stuck message needs only `checkEvery` more (it was already
 * behind a stuck floor). One runner per durable: a second live process
 * holding the message would see it handled twice (tolerated, see above).
 */
import type { Consumer } from "@nats-io/jetstream"
import { Duration, Effect } from "effect"
import { classifyBusError } from "./BusError.ts"
import type { NatsConnectionShape } from "./NatsConnection.ts"

export interface WatchdogOptions {
  readonly label: string
  readonly stream: string
  readonly consumerName: string
  readonly consumer: Consumer
  readonly nats: NatsConnectionShape
  readonly domain: string | undefined
  readonly filterSubject: string | undefined
  /** True while a handler, a hold (closed gate) or an own nak delay of the runner keeps the message at that stream sequence. */
  readonly holds: (streamSequence: number) => boolean
  readonly checkEvery: Duration.Duration
  readonly stuckAfter: Duration.Duration
  /** Called once per re-driven message (metrics, tests). */
  readonly onRedrive?: (streamSequence: number) => void
}

/**
 * The ack subject of a pending message: `$JS.ACK.<stream>.<consumer>.<delivery count>.<stream seq>.<consumer seq>.<time>.<pending>`,
 * the format nats-server 2.9 sends and later servers still accept. The server reads the stream and consumer
 * sequences only; delivery count, time and pending are informational.
 */
export const ackSubjectOf = (stream: string, consumer: string, streamSequence: number, consumerSequence: number): string =>
  `$JS.ACK.${stream}.${consumer}.1.${streamSequence}.${consumerSequence}.0.0`

interface MsgGetResponse {
  readonly message?: { readonly seq: number }
  readonly error?: { readonly code: number; readonly description: string }
}

/** The first message of `stream` at or after `seq` on `subject` (JetStream `STREAM.MSG.GET` with `next_by_subj`); undefined when none. */
const firstMessageFrom = (nats: NatsConnectionShape, domain: string | undefined, stream: string, seq: number, subject: string) =>
  Effect.tryPromise({
    try: async () => {
      const api = domain === undefined ? "$JS.API" : `$JS.${domain}.API`
      const reply = await nats.client.request(`${api}.STREAM.MSG.GET.${stream}`, JSON.stringify({ seq, next_by_subj: subject }), { timeout: 5_000 })
      const answer = reply.json<MsgGetResponse>()
      if (answer.error !== undefined) {
        if (answer.error.code === 404) return undefined
        throw new Error(`STREAM.MSG.GET ${stream}: ${answer.error.description}`)
      }
      return answer.message?.seq
    },
    catch: (cause) => classifyBusError(`watchdog ${stream} message after ${seq}`, cause)
  })

/** Runs until interrupted; failures to read the consumer are logged and retried next round. */
export const runStuckMessageWatchdog = (options: WatchdogOptions): Effect.Effect<never> =>
  Effect.gen(function* () {
    const stuckAfterMs = Duration.toMillis(options.stuckAfter)
    const checkEveryMs = Duration.toMillis(options.checkEvery)
    let floor = -1
    let floorSince = Date.now()
    let patienceMs = stuckAfterMs
    let redriven = false
    // Sequences re-driven while the floor stayed where it is: a message the server no longer holds pending (it gave
    // up delivering it; the exhausted lane handles those) keeps the floor below it, and a NAK for it does nothing, so
    // the next round looks past it.
    const tried = new Set<number>()

    const round = Effect.gen(function* () {
      const info = yield* Effect.tryPromise({
        try: () => options.consumer.info(false),
        catch: (cause) => classifyBusError(`watchdog ${options.label}`, cause)
      })
      const now = Date.now()
      if (info.num_ack_pending === 0) {
        floor = info.ack_floor.stream_seq
        floorSince = now
        patienceMs = stuckAfterMs
        redriven = false
        tried.clear()
        return
      }
      if (info.ack_floor.stream_seq !== floor) {
        floor = info.ack_floor.stream_seq
        floorSince = now
        tried.clear()
        // The message right behind a re-driven one has waited as long: one more round is enough for it.
        patienceMs = redriven ? checkEveryMs : stuckAfterMs
        redriven = false
        return
      }
      if (now - floorSince < patienceMs) return
      let lowest = yield* firstMessageFrom(options.nats, options.domain, options.stream, floor + 1, options.filterSubject ?? ">")
      for (let step = 0; lowest !== undefined && tried.has(lowest) && step < 16; step++) {
        lowest = yield* firstMessageFrom(options.nats, options.domain, options.stream, lowest + 1, options.filterSubject ?? ">")
      }
      if (lowest === undefined || tried.has(lowest) || lowest > info.delivered.stream_seq || options.holds(lowest)) return
      tried.add(lowest)
      // nats-server takes a NAK for a pending stream sequence whose consumer sequence lies between the ack floor and
      // the last delivery (it does not match it against the message's own); the floor's + 1 always does.
      options.nats.client.publish(ackSubjectOf(options.stream, options.consumerName, lowest, info.ack_floor.consumer_seq + 1), "-NAK")
      options.onRedrive?.(lowest)
      yield* Effect.logWarning("re-driving a message pending with nobody holding it").pipe(
        Effect.annotateLogs({ consumer: options.label, seq: lowest, stuckForMs: now - floorSince })
      )
      floorSince = now
      redriven = true
    })

    return yield* round.pipe(
      Effect.catch((error) => Effect.logWarning("watchdog round failed").pipe(Effect.annotateLogs({ consumer: options.label, error: error.message }))),
      Effect.andThen(Effect.sleep(options.checkEvery)),
      Effect.forever
    )
  })
