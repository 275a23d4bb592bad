/**
 * The outbox relay: publishes committed `engine_outbox` rows to JetStream.
 *
 * Two kinds of round, one transaction each:
 *   - hand-off round (the usual path): rows the group committers of this
 *     process handed over right after their commit (`OutboxHandoff`), with
 *     payloads in memory. The round locks exactly those rows that are still
 *     unsent (`FOR UPDATE SKIP LOCKED`, one primary-key probe per id, ids
 *     only: no payload read back), publishes them and marks them;
 *   - claim round: up to `batchSize` unsent rows read from Postgres (`FOR
 *     UPDATE SKIP LOCKED`, never `id > last_seen`: ids commit out of order) —
 *     what a crashed process left, what the hand-off dropped (full queue),
 *     what another process committed without a relay. With a hand-off it
 *     runs every `claimAfter` (default 1 s) and claims only rows older than
 *     that, so it does not race the hand-off for fresh rows (back to back
 *     while full, alternating with hand-off rounds); without one it is the
 *     only round (back to back while full, else polling). Once the hand-off
 *     has lost rows (full queue, failed round: it is `behind`), claim rounds
 *     of every unsent row run in id order until one is not full, then the
 *     hand-off resumes (after one more such claim), so a key's effects keep
 *     their commit order through it.
 * Either way the rows are locked before they are published, so two relays
 * (or the two kinds of round) never publish the same row at once.
 *
 * Publishing: `publishBatch` with `Nats-Msg-Id` = `<region>:<outbox id>`
 * (globally unique), every ack checked (a `duplicate` ack means the stream
 * already holds it: delivered), exactly the acked rows marked sent (one
 * `UPDATE ... WHERE id = ANY`), then commit. Rows without an ack (error,
 * timeout) stay unsent and a later claim round retries them; the round then
 * reports the first error. A stream that refuses a row because it is full
 * (`StreamFull`: discard new at its limit) is such an error: the row stays
 * unsent, the round is logged as an error naming the stream's refusal and
 * counted in `refused`, and every later round tries it again until the
 * stream has room (its messages age out, or an operator raises its limit).
 * Rows of other streams in the same round are published and marked; but
 * claim rounds take the oldest unsent rows first, so once more than a batch
 * of refused rows wait, they hold back every newer row: a full stream stops
 * the relay, loudly, rather than losing a message. A crash between publish and mark leaves the rows
 * unsent; the next round re-publishes them under the same ids and the stream
 * dedupes them (inside its duplicate window). Postgres lost between publish
 * and mark (the process lives on): the relay remembers the acked ids and,
 * once Postgres answers again, first marks them sent instead of re-publishing
 * them, so an outage longer than the stream's duplicate window does not store
 * them twice (measured: 200 s outage). A process that dies during such an
 * outage forgets them (then: re-published), and the memory is this relay's:
 * it protects one relay per region (another relay process could claim and
 * re-publish those rows). Wake-up: back-to-back rounds while there is work;
 * when idle, a short poll, cut short when the hand-off signals
 * new rows.
 */
import { Duration, Effect, Latch, Result, type Scope } from "effect"
import { sql, type Transaction } from "kysely"
import { type BusError, JetStreamPublisher } from "@logimesh/bus"
import { Db, type DbError, type NoTables } from "@logimesh/db"
import { FaultInjector } from "./FaultInjector.ts"
import type { CommittedOutboxRow, OutboxHandoffShape } from "./OutboxHandoff.ts"
import { definedFields } from "@logimesh/model"

export interface OutboxRelayOptions {
  /** Names the msg ids: `<region>:<outbox id>`. */
  readonly region: string
  /** Rows per round; default 1000. */
  readonly batchSize?: number
  /** Poll interval when the outbox is empty; default 25 ms. */
  readonly idleDelay?: Duration.Input
  /** JetStream domain the outbox subjects are captured in; default the connected server's. */
  readonly domain?: string
  /** Committed rows handed over in memory by this process's committers; its `wakeUp` ends an idle wait early. */
  readonly handoff?: OutboxHandoffShape
  /** With a hand-off: claim rounds take only rows older than this (and run at least this often); default 1 s. */
  readonly claimAfter?: Duration.Input
  /**
   * Observer (benchmarks: end-to-end latency): called once a round's publishes have settled, with the rows
   * the stream acked, before they are marked sent. Each row's own ack came at most one round's publishing earlier.
   */
  readonly onAcked?: (rows: ReadonlyArray<CommittedOutboxRow>) => void
}

export interface RelayStats {
  readonly rounds: number
  readonly published: number
  readonly duplicates: number
  readonly failedRounds: number
  /** Publishes a full stream refused (`StreamFull`); each such row stays unsent and is retried. */
  readonly refused: number
  /** Rows published from the hand-off (the rest were claimed from Postgres). */
  readonly handedOff: number
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

type Counters = { rounds: number; published: number; duplicates: number; refused?: number }

const defaultBatchSize = 1_000

export const outboxMsgId = (region: string, outboxId: number | string): string => `${region}:${outboxId}`

/** Marks the ids a relay published before it lost Postgres (never re-published by this relay). */
const markRemembered = (unmarked: Set<string>) =>
  Effect.gen(function* () {
    if (unmarked.size === 0) return
    const db = yield* Db
    const ids = [...unmarked]
    yield* db.use("engine.outbox.markRemembered", (k) =>
      sql`UPDATE engine_outbox SET sent_at = now() WHERE id = ANY(${ids}::bigint[]) AND sent_at IS NULL`.execute(k)
    )
    for (const id of ids) unmarked.delete(id)
    yield* Effect.logInfo("outbox relay: rows published before Postgres was lost marked sent").pipe(Effect.annotateLogs({ rows: ids.length }))
  })

/**
 * One transaction: `claim` locks rows inside it, then they are published, every ack checked, the acked
 * ones marked sent, and the transaction committed. Returns how many rows were claimed.
 */
const inTransaction = (
  options: OutboxRelayOptions,
  counters: Counters,
  unmarked: Set<string>,
  claim: (tx: Transaction<NoTables>) => Effect.Effect<ReadonlyArray<CommittedOutboxRow>, DbError, Db>
): Effect.Effect<number, DbError | BusError, Db | JetStreamPublisher | FaultInjector> =>
  Effect.gen(function* () {
    const db = yield* Db
    const publisher = yield* JetStreamPublisher
    const faults = yield* FaultInjector
    return yield* Effect.acquireUseRelease(
      db.use("engine.outbox.begin", (k) => k.startTransaction().execute()),
      (tx) =>
        Effect.gen(function* () {
          const rows = yield* claim(tx)
          if (rows.length === 0) {
            yield* db.use("engine.outbox.commit", () => tx.commit().execute())
            return 0
          }
          const results = yield* publisher.publishBatch(
            rows.map((row) => ({ subject: row.subject, payload: row.payload, msgId: outboxMsgId(options.region, row.id), headers: row.headers })),
            { window: rows.length, ...definedFields({ domain: options.domain }) }
          )
          faults.crash("after-publish")
          const acked: Array<string> = []
          let duplicates = 0
          let refused = 0
          let firstRefusal: BusError | undefined
          let firstError: BusError | undefined
          results.forEach((result, i) => {
            if (Result.isSuccess(result)) {
              acked.push(rows[i]!.id)
              if (result.success.duplicate) duplicates += 1
            } else {
              if (result.failure.reason._tag === "StreamFull") {
                refused += 1
                firstRefusal ??= result.failure
              }
              firstError ??= result.failure
            }
          })
          if (options.onAcked !== undefined) options.onAcked(rows.filter((_, i) => Result.isSuccess(results[i]!)))
          const markAndCommit = Effect.gen(function* () {
            if (acked.length > 0) {
              yield* db.use("engine.outbox.mark", () => sql`UPDATE engine_outbox SET sent_at = now() WHERE id = ANY(${acked}::bigint[])`.execute(tx))
            }
            yield* db.use("engine.outbox.commit", () => tx.commit().execute())
          })
          // Published but not marked (Postgres lost): remember, so the next round marks instead of re-publishing.
          yield* markAndCommit.pipe(Effect.tapError(() => Effect.sync(() => acked.forEach((id) => unmarked.add(id)))))
          counters.rounds += 1
          counters.published += acked.length
          counters.duplicates += duplicates
          counters.refused = (counters.refused ?? 0) + refused
          if (firstRefusal !== undefined) {
            yield* Effect.logError("outbox relay: a full stream refused rows; they stay unsent and are retried every round").pipe(
              Effect.annotateLogs({ refused, published: acked.length, error: firstRefusal.message })
            )
          }
          if (firstError !== undefined) return yield* firstError
          return rows.length
        }),
      (tx) =>
        tx.isCommitted
          ? Effect.void
          : Effect.promise(() =>
              tx
                .rollback()
                .execute()
                .catch(() => undefined)
            )
    )
  })

/**
 * One claim round: up to `batchSize` unsent rows read from Postgres (older than `olderThan`, when given),
 * published and marked. Returns how many rows it claimed.
 */
export const relayOnce = (
  options: OutboxRelayOptions,
  stats: Counters = { rounds: 0, published: 0, duplicates: 0 },
  /** Ids the stream acked whose mark was lost with Postgres: marked first, never re-published by this relay. */
  unmarked: Set<string> = new Set(),
  olderThan?: Duration.Duration
): Effect.Effect<number, DbError | BusError, Db | JetStreamPublisher | FaultInjector> =>
  Effect.gen(function* () {
    yield* markRemembered(unmarked)
    const db = yield* Db
    const batchSize = Math.max(1, options.batchSize ?? defaultBatchSize)
    const age = olderThan === undefined ? sql`` : sql`AND created_at < now() - make_interval(secs => ${Duration.toMillis(olderThan) / 1000})`
    return yield* inTransaction(options, stats, unmarked, (tx) =>
      db
        .use("engine.outbox.claim", () =>
          sql<OutboxRow>`
          SELECT id, subject, payload, headers FROM engine_outbox WHERE sent_at IS NULL ${age}
          ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`.execute(tx)
        )
        .pipe(
          Effect.map((claimed) => claimed.rows.map((row) => ({ id: row.id, subject: row.subject, payload: new Uint8Array(row.payload), headers: row.headers })))
        )
    )
  })

/**
 * One hand-off round: of `rows` (handed over in memory, already committed), those still unsent and not
 * locked by another relay are locked, published from memory and marked. Returns how many it published.
 */
export const relayHandedOnce = (
  options: OutboxRelayOptions,
  rows: ReadonlyArray<CommittedOutboxRow>,
  stats: Counters = { rounds: 0, published: 0, duplicates: 0 },
  unmarked: Set<string> = new Set()
): Effect.Effect<number, DbError | BusError, Db | JetStreamPublisher | FaultInjector> =>
  Effect.gen(function* () {
    yield* markRemembered(unmarked)
    const db = yield* Db
    return yield* inTransaction(options, stats, unmarked, (tx) =>
      db
        .use("engine.outbox.lockHanded", () =>
          // One primary-key probe per id (no plan over the whole outbox), ids only: the payloads are in memory.
          sql<{ id: string }>`
          SELECT o.id::text AS id FROM unnest(${rows.map((r) => r.id)}::bigint[]) AS u(id)
          CROSS JOIN LATERAL (
            SELECT id FROM engine_outbox WHERE id = u.id AND sent_at IS NULL FOR UPDATE SKIP LOCKED
          ) AS o`.execute(tx)
        )
        .pipe(
          Effect.map((locked) => {
            const mine = new Set(locked.rows.map((r) => r.id))
            return rows.filter((row) => mine.has(row.id))
          })
        )
    )
  })

/** Runs the relay in the current scope until the scope closes. */
export const runOutboxRelay = (options: OutboxRelayOptions): Effect.Effect<OutboxRelay, never, Db | JetStreamPublisher | FaultInjector | Scope.Scope> =>
  Effect.gen(function* () {
    const stats = { rounds: 0, published: 0, duplicates: 0, failedRounds: 0, refused: 0, handedOff: 0 }
    const unmarked = new Set<string>()
    const idle = Duration.fromInputUnsafe(options.idleDelay ?? Duration.millis(25))
    const batchSize = Math.max(1, options.batchSize ?? defaultBatchSize)
    const handoff = options.handoff
    const wakeUp = handoff?.wakeUp
    const claimAfter = Duration.fromInputUnsafe(options.claimAfter ?? Duration.seconds(1))
    let lastClaim = 0
    /** The last claim round was full: claim again at once (a backlog drains back to back). */
    let claimBacklog = false
    /** Rounds alternate while both have work, so neither starves the other. */
    let lastWasClaim = false
    /** The hand-off was just resumed: one more claim round of every unsent row before any hand-off round. */
    let claimAfterResume = false
    // Closed before each round, so a signal that arrives during a round cuts the next wait short.
    const idleWait = wakeUp === undefined ? Effect.sleep(idle) : Effect.raceFirst(Effect.sleep(idle), wakeUp.await)
    /** A claim round; `minAge` = only rows older than that. Returns whether it was full. */
    const claimRound = (minAge: Duration.Duration | undefined) =>
      Effect.suspend(() => {
        lastClaim = Date.now()
        lastWasClaim = true
        return relayOnce(options, stats, unmarked, minAge)
      }).pipe(
        Effect.map((n) => {
          claimBacklog = n >= batchSize
          return claimBacklog
        })
      )
    const handedRound = (hand: OutboxHandoffShape) =>
      Effect.suspend(() => {
        lastWasClaim = false
        const before = stats.published
        return relayHandedOnce(options, hand.take(batchSize), stats, unmarked).pipe(
          Effect.ensuring(Effect.sync(() => (stats.handedOff += stats.published - before))),
          // Rows taken and not relayed: claim rounds publish them, in id order with what came after.
          Effect.tapError(() => Effect.sync(() => hand.markBehind())),
          Effect.as(true)
        )
      })
    const round = Effect.suspend((): Effect.Effect<boolean, DbError | BusError, Db | JetStreamPublisher | FaultInjector> => {
      if (wakeUp !== undefined) Latch.closeUnsafe(wakeUp)
      if (handoff === undefined) return claimRound(undefined)
      if (handoff.behind()) {
        // Catch up in id order; once a round is not full everything committed so far is sent: take offers again,
        // then claim once more (rows committed before the resume but offered after it go out first, in order).
        return claimRound(undefined).pipe(
          Effect.map((full) => {
            if (!full) {
              handoff.resume()
              claimAfterResume = true
            }
            return true
          })
        )
      }
      if (claimAfterResume) {
        return claimRound(undefined).pipe(
          Effect.map((full) => {
            claimAfterResume = full
            return true
          })
        )
      }
      // Claim rounds (for what the hand-off never got) every `claimAfter`, back to back while full.
      const claimDue = claimBacklog || Date.now() - lastClaim >= Duration.toMillis(claimAfter)
      const handed = handoff.size() > 0
      if (claimDue && (!handed || !lastWasClaim)) return claimRound(claimAfter)
      return handed ? handedRound(handoff) : Effect.succeed(false)
    }).pipe(
      Effect.flatMap((more) => (more || (handoff !== undefined && handoff.size() > 0) ? Effect.void : idleWait)),
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
