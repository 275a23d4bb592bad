/**
 * The outbox relay: publishes committed `engine_outbox` rows to JetStream.
 *
 * Each round claims up to `batchSize` unsent rows with `FOR UPDATE SKIP
 * LOCKED` (never `id > last_seen`: ids commit out of order), publishes them
 * with `publishBatch` and `Nats-Msg-Id` = `<region>:<outbox id>` (globally
 * unique), checks every ack (a `duplicate` ack means the stream already holds
 * it: delivered), marks sent exactly the rows whose ack came back (one
 * `UPDATE ... WHERE id = ANY`) and commits — one transaction per round. Rows
 * without an ack (error, timeout) stay unsent and are retried by a later
 * round; the round then reports the first error. A crash between publish and
 * mark leaves the rows unsent; the next round re-publishes them under the
 * same ids and the stream dedupes them (inside its duplicate window).
 * Postgres lost between publish and mark (the process lives on): the relay
 * remembers the acked ids and, once Postgres answers again, first marks them
 * sent instead of re-publishing them, so an outage longer than the stream's
 * duplicate window does not store them twice (measured: 200 s outage). A
 * process that dies during such an outage forgets them (then: re-published),
 * and the memory is this relay's: it protects one relay per region (another
 * relay process could claim and re-publish those rows).
 * Several relays (processes) run side by side: SKIP LOCKED gives each its own
 * rows. Wake-up: back-to-back rounds while full; when idle, a short poll,
 * cut short by `wakeUp` when a committer in the same process signals new rows.
 */
import { Duration, Effect, Latch, Result, type Scope } from "effect"
import { sql } from "kysely"
import { type BusError, JetStreamPublisher } from "@logimesh/bus"
import { Db, type DbError } from "@logimesh/db"
import { FaultInjector } from "./FaultInjector.ts"

export interface OutboxRelayOptions {
  /** Names the msg ids: `<region>:<outbox id>`. */
  readonly region: string
  /** Rows per round; default 1000. */
  readonly batchSize?: number
  /** Poll interval when the outbox is empty; default 25 ms. */
  readonly idleDelay?: Duration.Input
  /** JetStream domain the outbox subjects are captured in; default the connected server's. */
  readonly domain?: string
  /** Opened by an in-process committer after it committed outbox rows: ends an idle wait early. */
  readonly wakeUp?: Latch.Latch
}

export interface RelayStats {
  readonly rounds: number
  readonly published: number
  readonly duplicates: number
  readonly failedRounds: number
}

export interface OutboxRelay {
  readonly stats: Effect.Effect<RelayStats>
}

interface OutboxRow {
  readonly id: string
  readonly subject: string
  readonly payload: Buffer
  readonly headers: Record<string, string>
}

const defaultBatchSize = 1_000

export const outboxMsgId = (region: string, outboxId: number | string): string => `${region}:${outboxId}`

/** One round: claim, publish, check, mark, commit. Returns how many rows it relayed. */
export const relayOnce = (
  options: OutboxRelayOptions,
  stats: { rounds: number; published: number; duplicates: number } = { rounds: 0, published: 0, duplicates: 0 },
  /** Ids the stream acked whose mark was lost with Postgres: marked first, never re-published by this relay. */
  unmarked: Set<string> = new Set()
): Effect.Effect<number, DbError | BusError, Db | JetStreamPublisher | FaultInjector> =>
  Effect.gen(function*() {
    const db = yield* Db
    const publisher = yield* JetStreamPublisher
    const faults = yield* FaultInjector
    const batchSize = Math.max(1, options.batchSize ?? defaultBatchSize)
    if (unmarked.size > 0) {
      const ids = [...unmarked]
      yield* db.use("engine.outbox.markRemembered", (k) =>
        sql`UPDATE engine_outbox SET sent_at = now() WHERE id = ANY(${ids}::bigint[]) AND sent_at IS NULL`.execute(k))
      for (const id of ids) unmarked.delete(id)
      yield* Effect.logInfo("outbox relay: rows published before Postgres was lost marked sent").pipe(Effect.annotateLogs({ rows: ids.length }))
    }
    return yield* Effect.acquireUseRelease(
      db.use("engine.outbox.begin", (k) => k.startTransaction().execute()),
      (tx) =>
        Effect.gen(function*() {
          const claimed = yield* db.use("engine.outbox.claim", () =>
            sql<OutboxRow>`
              SELECT id, subject, payload, headers FROM engine_outbox WHERE sent_at IS NULL
              ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`.execute(tx))
          const rows = claimed.rows
          if (rows.length === 0) {
            yield* db.use("engine.outbox.commit", () => tx.commit().execute())
            return 0
          }
          const results = yield* publisher.publishBatch(
            rows.map((row) => ({
              subject: row.subject,
              payload: new Uint8Array(row.payload),
              msgId: outboxMsgId(options.region, row.id),
              headers: row.headers
            })),
            { window: rows.length, ...(options.domain === undefined ? {} : { domain: options.domain }) }
          )
          faults.crash("after-publish")
          const acked: Array<string> = []
          let duplicates = 0
          let firstError: BusError | undefined
          results.forEach((result, i) => {
            if (Result.isSuccess(result)) {
              acked.push(rows[i]!.id)
              if (result.success.duplicate) duplicates += 1
            } else firstError ??= result.failure
          })
          const markAndCommit = Effect.gen(function*() {
            if (acked.length > 0) {
              yield* db.use("engine.outbox.mark", () =>
                sql`UPDATE engine_outbox SET sent_at = now() WHERE id = ANY(${acked}::bigint[])`.execute(tx))
            }
            yield* db.use("engine.outbox.commit", () => tx.commit().execute())
          })
          // Published but not marked (Postgres lost): remember, so the next round marks instead of re-publishing.
          yield* markAndCommit.pipe(Effect.tapError(() => Effect.sync(() => acked.forEach((id) => unmarked.add(id)))))
          stats.rounds += 1
          stats.published += acked.length
          stats.duplicates += duplicates
          if (firstError !== undefined) return yield* firstError
          return rows.length
        }),
      (tx) => (tx.isCommitted ? Effect.void : Effect.promise(() => tx.rollback().execute().catch(() => undefined)))
    )
  })

/** Runs the relay in the current scope until the scope closes. */
export const runOutboxRelay = (
  options: OutboxRelayOptions
): Effect.Effect<OutboxRelay, never, Db | JetStreamPublisher | FaultInjector | Scope.Scope> =>
  Effect.gen(function*() {
    const stats = { rounds: 0, published: 0, duplicates: 0, failedRounds: 0 }
    const unmarked = new Set<string>()
    const idle = Duration.fromInputUnsafe(options.idleDelay ?? Duration.millis(25))
    const batchSize = Math.max(1, options.batchSize ?? defaultBatchSize)
    const wakeUp = options.wakeUp
    // Closed before each claim, so a signal that arrives during a round cuts the next wait short.
    const idleWait = wakeUp === undefined ? Effect.sleep(idle) : Effect.raceFirst(Effect.sleep(idle), wakeUp.await)
    const round = Effect.suspend(() => {
      if (wakeUp !== undefined) Latch.closeUnsafe(wakeUp)
      return relayOnce(options, stats, unmarked)
    }).pipe(
      Effect.flatMap((n) => (n >= batchSize ? Effect.void : idleWait)),
      Effect.catch((error) =>
        Effect.sync(() => (stats.failedRounds += 1)).pipe(
          Effect.andThen(Effect.logWarning("outbox relay round failed; retrying").pipe(Effect.annotateLogs({ error: error.message }))),
          Effect.andThen(Effect.sleep(Duration.millis(500)))
        )
      )
    )
    yield* Effect.forkScoped(Effect.forever(round))
    return { stats: Effect.sync(() => ({ ...stats })) }
  })
