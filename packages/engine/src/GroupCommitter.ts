/**
 * Group commit: steps ready from many keys are written in ONE transaction
 * with multi-row (`unnest`) statements. A committer fiber takes what is
 * queued (at least one step, at most `maxBatch`), waits `window` for more if
 * the batch is not full, and writes it:
 *
 *   1. make sure every entity row exists, then lock them (`FOR UPDATE`, key order)
 *   2. steps whose entity version moved -> `conflict`; inputs already in the inbox -> `duplicate`
 *   3. for the rest: entity rows updated (version, snapshot, sources), inbox rows, audit rows,
 *      outbox rows, held rows inserted / released — then commit
 *
 * A failing batch must not poison the others: it is retried step by step,
 * each in its own transaction, so only the bad step fails. Invariant: a
 * process never has two steps of one key in flight (the actor waits for its
 * commit), so a batch holds at most one step per key; a second one is
 * answered `conflict` defensively.
 */
import { Deferred, Duration, Effect, Queue, type Scope } from "effect"
import { sql, type Transaction } from "kysely"
import { Db, type DbError, type NoTables } from "@logimesh/db"
import type { EngineStep, StepResult } from "./EngineStep.ts"
import { FaultInjector } from "./FaultInjector.ts"

export interface GroupCommitOptions {
  /** Steps per transaction at most; default 200. */
  readonly maxBatch?: number
  /** How long a committer waits for more steps when the batch is not full; default 2 ms. */
  readonly window?: Duration.Input
  /** Transactions in flight at once; default 2. */
  readonly committers?: number
}

export interface CommitStats {
  readonly batches: number
  readonly steps: number
  readonly largestBatch: number
  readonly isolatedRetries: number
}

export interface GroupCommitter {
  readonly commit: (step: EngineStep) => Effect.Effect<StepResult, DbError>
  readonly stats: Effect.Effect<CommitStats>
}

interface Pending {
  readonly step: EngineStep
  readonly done: Deferred.Deferred<StepResult, DbError>
}

const json = (value: unknown) => JSON.stringify(value)

/** Writes `steps` inside `tx`; returns one result per step (same order). */
const writeBatch = async (
  tx: Transaction<NoTables>,
  entityType: string,
  steps: ReadonlyArray<EngineStep>,
  beforeCommit: () => void
): Promise<ReadonlyArray<StepResult>> => {
  const keys = [...new Set(steps.map((s) => s.key))].sort()
  await sql`
    INSERT INTO engine_entity (entity_type, entity_key)
    SELECT ${entityType}, k FROM unnest(${keys}::text[]) AS t(k) ORDER BY k
    ON CONFLICT DO NOTHING`.execute(tx)
  const locked = await sql<{ entity_key: string; version: string }>`
    SELECT entity_key, version FROM engine_entity
    WHERE entity_type = ${entityType} AND entity_key = ANY(${keys}::text[])
    ORDER BY entity_key FOR UPDATE`.execute(tx)
  const versions = new Map(locked.rows.map((row) => [row.entity_key, Number(row.version)]))
  const msgIds = steps.flatMap((s) => (s.applied === undefined ? [] : [s.applied.raw.msgId]))
  const seen = msgIds.length === 0 ? new Set<string>() : new Set(
    (await sql<{ msg_id: string }>`SELECT msg_id FROM engine_inbox WHERE msg_id = ANY(${msgIds}::text[])`.execute(tx)).rows
      .map((row) => row.msg_id)
  )
  const claimed = new Set<string>()
  const results = steps.map((step): StepResult => {
    if (claimed.has(step.key) || versions.get(step.key) !== step.expectedVersion) return "conflict"
    if (step.applied !== undefined && seen.has(step.applied.raw.msgId)) return "duplicate"
    claimed.add(step.key)
    return "committed"
  })
  const ok = steps.filter((_, i) => results[i] === "committed")
  if (ok.length > 0) {
    await sql`
      UPDATE engine_entity e SET
        version = v.version, event_seq = v.event_seq, sources = v.sources, updated_at = now(),
        state = CASE WHEN v.snap THEN v.state ELSE e.state END,
        snapshot_seq = CASE WHEN v.snap THEN v.snapshot_seq ELSE e.snapshot_seq END
      FROM unnest(
        ${ok.map((s) => s.key)}::text[], ${ok.map((s) => s.expectedVersion + 1)}::bigint[],
        ${ok.map((s) => s.eventSeq)}::bigint[], ${ok.map((s) => s.sources)}::jsonb[],
        ${ok.map((s) => s.snapshot !== undefined)}::bool[], ${ok.map((s) => s.snapshot?.state ?? null)}::jsonb[],
        ${ok.map((s) => s.snapshot?.seq ?? 0)}::bigint[]
      ) AS v(entity_key, version, event_seq, sources, snap, state, snapshot_seq)
      WHERE e.entity_type = ${entityType} AND e.entity_key = v.entity_key`.execute(tx)
    const applied = ok.flatMap((s) => (s.applied === undefined ? [] : [{ key: s.key, ...s.applied }]))
    if (applied.length > 0) {
      await sql`
        INSERT INTO engine_inbox (msg_id, entity_type, entity_key)
        SELECT m, ${entityType}, k FROM unnest(${applied.map((a) => a.raw.msgId)}::text[], ${applied.map((a) => a.key)}::text[]) AS t(m, k)`
        .execute(tx)
    }
    const audit = ok.flatMap((s) =>
      s.audit.map((row) => ({ key: s.key, row, msgId: s.applied?.raw.msgId ?? "", position: s.applied?.position }))
    )
    if (audit.length > 0) {
      await sql`
        INSERT INTO engine_event (entity_type, entity_key, seq, kind, type, payload, msg_id, source, source_seq)
        SELECT ${entityType}, k, q, kd, ty, p, m, s, ss FROM unnest(
          ${audit.map((a) => a.key)}::text[], ${audit.map((a) => a.row.seq)}::bigint[], ${audit.map((a) => a.row.kind)}::text[],
          ${audit.map((a) => a.row.type)}::text[], ${audit.map((a) => a.row.payload)}::jsonb[], ${audit.map((a) => a.msgId)}::text[],
          ${audit.map((a) => a.position?.source ?? null)}::text[], ${audit.map((a) => a.position?.seq ?? null)}::bigint[]
        ) AS t(k, q, kd, ty, p, m, s, ss)`.execute(tx)
    }
    const outbox = ok.flatMap((s) => s.outbox)
    if (outbox.length > 0) {
      await sql`
        INSERT INTO engine_outbox (subject, payload, headers)
        SELECT * FROM unnest(${outbox.map((o) => o.subject)}::text[], ${outbox.map((o) => Buffer.from(o.payload))}::bytea[],
          ${outbox.map((o) => json(o.headers))}::jsonb[])`.execute(tx)
    }
    const holds = ok.flatMap((s) => (s.hold === undefined ? [] : [{ key: s.key, ...s.hold }]))
    if (holds.length > 0) {
      await sql`
        INSERT INTO engine_held (entity_type, entity_key, source, source_seq, msg_id, subject, payload, headers, domain, stream, consumer, stream_seq)
        SELECT ${entityType}, * FROM unnest(
          ${holds.map((h) => h.key)}::text[], ${holds.map((h) => h.position.source)}::text[], ${holds.map((h) => h.position.seq)}::bigint[],
          ${holds.map((h) => h.raw.msgId)}::text[], ${holds.map((h) => h.raw.subject)}::text[],
          ${holds.map((h) => Buffer.from(h.raw.payload))}::bytea[], ${holds.map((h) => json(h.raw.headers))}::jsonb[],
          ${holds.map((h) => h.raw.domain)}::text[], ${holds.map((h) => h.raw.stream)}::text[], ${holds.map((h) => h.raw.consumer)}::text[],
          ${holds.map((h) => h.raw.streamSeq)}::bigint[]
        ) ON CONFLICT DO NOTHING`.execute(tx)
    }
    const releases = ok.flatMap((s) => (s.release === undefined ? [] : [{ key: s.key, ...s.release }]))
    if (releases.length > 0) {
      await sql`
        DELETE FROM engine_held h USING unnest(
          ${releases.map((r) => r.key)}::text[], ${releases.map((r) => r.source)}::text[], ${releases.map((r) => r.seq)}::bigint[]
        ) AS d(k, s, q)
        WHERE h.entity_type = ${entityType} AND h.entity_key = d.k AND h.source = d.s AND h.source_seq = d.q`.execute(tx)
    }
  }
  beforeCommit()
  return results
}

/** Starts the committer fibers in the current scope. */
export const makeGroupCommitter = (
  entityType: string,
  options: GroupCommitOptions = {}
): Effect.Effect<GroupCommitter, never, Db | FaultInjector | Scope.Scope> =>
  Effect.gen(function*() {
    const db = yield* Db
    const faults = yield* FaultInjector
    const maxBatch = Math.max(1, options.maxBatch ?? 200)
    const window = Duration.fromInputUnsafe(options.window ?? Duration.millis(2))
    const queue = yield* Queue.unbounded<Pending>()
    const stats = { batches: 0, steps: 0, largestBatch: 0, isolatedRetries: 0 }

    const write = (steps: ReadonlyArray<EngineStep>) =>
      db.transaction(`engine.${entityType}.commit`, (tx) =>
        writeBatch(tx, entityType, steps, () => faults.crash("before-commit")))

    const settle = (batch: ReadonlyArray<Pending>) =>
      write(batch.map((p) => p.step)).pipe(
        Effect.flatMap((results) =>
          Effect.forEach(batch, (p, i) => Deferred.succeed(p.done, results[i] ?? "conflict"), { discard: true })
        ),
        Effect.catch((error) =>
          batch.length === 1
            ? Deferred.fail(batch[0]!.done, error)
            // Isolate the bad step: each step alone, in its own transaction.
            : Effect.sync(() => (stats.isolatedRetries += 1)).pipe(
              Effect.andThen(Effect.forEach(batch, (p) => Deferred.into(write([p.step]).pipe(Effect.map((r) => r[0] ?? "conflict")), p.done), {
                discard: true
              }))
            )
        )
      )

    const committer = Effect.gen(function*() {
      const first = yield* Queue.takeBetween(queue, 1, maxBatch)
      const batch: Array<Pending> = [...first]
      if (batch.length < maxBatch && Duration.toMillis(window) > 0) {
        yield* Effect.sleep(window)
        batch.push(...(yield* Queue.takeBetween(queue, 0, maxBatch - batch.length)))
      }
      stats.batches += 1
      stats.steps += batch.length
      stats.largestBatch = Math.max(stats.largestBatch, batch.length)
      yield* settle(batch)
    }).pipe(Effect.forever)

    for (let i = 0; i < Math.max(1, options.committers ?? 2); i++) yield* Effect.forkScoped(committer)

    return {
      commit: (step) =>
        Effect.gen(function*() {
          const done = yield* Deferred.make<StepResult, DbError>()
          yield* Queue.offer(queue, { step, done })
          return yield* Deferred.await(done)
        }),
      stats: Effect.sync(() => ({ ...stats }))
    }
  })
