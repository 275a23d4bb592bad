/**
 * Bounded reads of a JetStream stream for reconciliation: from a start time,
 * through an ordered consumer (ephemeral, in-order, re-created by the client
 * on a sequence gap, so a completed scan has seen every stored message of its
 * range), until the stream's last sequence when the scan began, a stop time,
 * a message cap or a deadline — whichever comes first. The caller sees each
 * message once through `visit` and keeps only what it needs; nothing is
 * buffered here.
 *
 * Coverage: `complete` = every message stored between `startTime` and the end
 * (the sequence / stop time) was visited. When `truncated`, every message up to
 * `lastTimestampMs` was visited and nothing after it.
 */
import { DeliverPolicy, type JsMsg } from "@nats-io/jetstream"
import { Duration, Effect } from "effect"
import { type BusError, classifyBusError, NatsConnection } from "@logimesh/bus"
import { definedFields } from "@logimesh/model"

export interface ScannedMessage {
  readonly seq: number
  readonly subject: string
  /** `Nats-Msg-Id`, "" when the message has none. */
  readonly msgId: string
  readonly timestampMs: number
  readonly header: (name: string) => string | undefined
  readonly payload: () => Uint8Array
}

export interface ScanOptions {
  /** JetStream domain; undefined = the domain of the server the region is connected to (its hub). */
  readonly domain: string | undefined
  readonly stream: string
  readonly startTime: Date
  /** Visit no message after this sequence (the stream's last one when the caller looked). */
  readonly endSeq: number
  /** Stop at the first message stored after this time. */
  readonly stopAfter?: Date | undefined
  /** Only messages on this subject (one filter; nats-server 2.9 has no multi-filter consumers). */
  readonly filterSubject?: string | undefined
  readonly maxMessages: number
  /** Overall time budget of the scan. */
  readonly deadline: Duration.Duration
  /** Messages per pull; default 500. */
  readonly batch?: number
}

export type Truncation = "max_messages" | "deadline"

export interface ScanResult {
  readonly scanned: number
  readonly firstSeq: number | null
  readonly lastSeq: number | null
  /** Stored time of the last message visited. */
  readonly lastTimestampMs: number | null
  readonly complete: boolean
  readonly truncated: Truncation | null
}

const emptyScan: ScanResult = { scanned: 0, firstSeq: null, lastSeq: null, lastTimestampMs: null, complete: true, truncated: null }

const headerReader =
  (m: JsMsg) =>
  (name: string): string | undefined => {
    const value = m.headers?.get(name)
    return value === undefined || value === "" ? undefined : value
  }

/** Reads `options.stream` as described in the file comment, calling `visit` for every message in range. */
export const scanStream = (options: ScanOptions, visit: (message: ScannedMessage) => void): Effect.Effect<ScanResult, BusError, NatsConnection> =>
  Effect.gen(function* () {
    if (options.endSeq <= 0) return emptyScan
    const nats = yield* NatsConnection
    const js = nats.jetstream(options.domain)
    const deadlineMs = Duration.toMillis(options.deadline)
    const batch = Math.max(1, options.batch ?? 500)
    return yield* Effect.tryPromise({
      try: async (signal) => {
        const startedAt = Date.now()
        const consumer = await js.consumers.get(options.stream, {
          deliver_policy: DeliverPolicy.StartTime,
          opt_start_time: options.startTime.toISOString(),
          ...definedFields({ filter_subjects: options.filterSubject })
        })
        let scanned = 0
        let firstSeq: number | null = null
        let lastSeq: number | null = null
        let lastTimestampMs: number | null = null
        let complete = false
        let truncated: Truncation | null = null
        const stopAfterMs = options.stopAfter?.getTime()
        try {
          for (;;) {
            const want = Math.min(batch, options.maxMessages - scanned)
            if (want <= 0) {
              truncated = "max_messages"
              break
            }
            const left = deadlineMs - (Date.now() - startedAt)
            if (left <= 0 || signal.aborted) {
              truncated = "deadline"
              break
            }
            const messages = await consumer.fetch({ max_messages: want, expires: Math.max(1_000, Math.min(left, 3_000)) })
            let received = 0
            let done = false
            for await (const m of messages) {
              received += 1
              const timestampMs = Number(m.timestampNanos / 1_000_000n)
              if (m.seq > options.endSeq || (stopAfterMs !== undefined && timestampMs > stopAfterMs)) {
                done = true
                break
              }
              visit({
                seq: m.seq,
                subject: m.subject,
                msgId: m.headers?.get("Nats-Msg-Id") ?? "",
                timestampMs,
                header: headerReader(m),
                payload: () => m.data
              })
              scanned += 1
              firstSeq ??= m.seq
              lastSeq = m.seq
              lastTimestampMs = timestampMs
              if (m.seq >= options.endSeq || m.info.pending === 0) {
                done = true
                break
              }
            }
            // Closing the iterator from inside its own loop deadlocks it: break first.
            if (done) await messages.close()
            if (done) {
              complete = true
              break
            }
            if (received === 0) {
              // An empty pull is the end only if the server says nothing is pending (not a slow link).
              const info = await consumer.info()
              if (info.num_pending === 0) {
                complete = true
                break
              }
            }
          }
        } finally {
          await consumer.delete().catch(() => false)
        }
        return { scanned, firstSeq, lastSeq, lastTimestampMs, complete, truncated }
      },
      catch: (cause) => classifyBusError(`scan ${options.domain ?? "(local)"}/${options.stream}`, cause)
    })
  })
