/**
 * Group commit: steps ready from many keys are written in ONE transaction
 * of two multi-row statements. A committer fiber takes what is queued (at
 * least one step, at most `maxBatch`), waits `window` for more if the batch
 * is not full, and writes it:
 *
 *   1. one statement: lock the existing entity rows (`FOR UPDATE`, key order) and read which
 *      inputs are already in the inbox (a key without a row is at version 0); every row is reached
 *      by a primary-key probe per key, so a batch costs O(batch) even when the planner has no
 *      statistics (a young table, autovacuum off), never O(table)
 *   2. steps whose entity version moved -> `conflict`; inputs already in the inbox -> `duplicate`
 *   3. one statement for the rest (one JSON array per table): entity rows updated under the version
 *      check through an upsert's conflict check (a key's first row inserted), and for exactly the rows written: inbox rows, audit
 *      rows, outbox rows (their ids drawn in the statement and returned), held rows inserted /
 *      released — then commit. A step whose row was not written (another writer got there first)
 *      answers `conflict`. The committed outbox rows go to `onOutboxCommitted` (the relay's hand-off).
 *
 * A failing batch must not poison the others: it is retried step by step,
 * each in its own transaction, so only the bad step fails. Invariant: a
 * process never has two steps of one key in flight (the actor waits for its
 * commit), so a batch holds at most one step per key; a second one is
 * answered `conflict` defensively.
 */
import { Deferred, Duration, Effect, Exit, Queue, type Scope } from "effect"
import { sql, type Transaction } from "kysely"
import { Db, type DbError, type NoTables } from "@logimesh/db"
import type { EngineStep, OutboxRow, StepResult } from "./EngineStep.ts"
import { FaultInjector } from "./FaultInjector.ts"
import type { CommittedOutboxRow } from "./OutboxHandoff.ts"

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

const str = (value: string) => JSON.stringify(value)
const num = (value: number | undefined) => (value === undefined ? "null" : String(value))
const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")

type Table = "entities" | "inbox" | "events" | "outbox" | "holds" | "releases"

interface BatchDocuments extends Readonly<Record<Table, string | undefined>> {
  /** The outbox rows of the batch; `"i"` in the outbox document is the index here. */
  readonly outboxRows: ReadonlyArray<OutboxRow>
}

interface WrittenBatch {
  /** One result per step (same order). */
  readonly results: ReadonlyArray<StepResult>
  /** The outbox rows written, with their ids, in id order. */
  readonly outbox: ReadonlyArray<CommittedOutboxRow>
}

/**
 * The rows of one batch as one JSON array per table, each read by `json_to_recordset` (one parameter
 * per table: far cheaper than a text[] per column, whose elements the driver escapes one by one).
 * Encoded state, sources and payloads are already JSON text: they are spliced in as they are, not
 * parsed and stringified again. Bytes travel as base64.
 */
const batchDocuments = (ok: ReadonlyArray<EngineStep>): BatchDocuments => {
  const outboxRows: Array<OutboxRow> = []
  const entities: Array<string> = []
  const inbox: Array<string> = []
  const events: Array<string> = []
  const outbox: Array<string> = []
  const holds: Array<string> = []
  const releases: Array<string> = []
  for (const s of ok) {
    const k = str(s.key)
    entities.push(
      `{"k":${k},"v":${s.expectedVersion + 1},"e":${s.eventSeq},"s":${s.sources},"st":${s.snapshot === undefined ? "null" : s.snapshot.state},"ss":${s.snapshot === undefined ? "null" : s.snapshot.seq}}`
    )
    const msgId = s.applied === undefined ? "" : s.applied.raw.msgId
    if (s.applied !== undefined) inbox.push(`{"m":${str(msgId)},"k":${k}}`)
    const position = s.applied?.position
    for (const row of s.audit) {
      events.push(
        `{"k":${k},"q":${row.seq},"kd":${str(row.kind)},"ty":${str(row.type)},"v":${row.version},"p":${row.payload},"m":${str(msgId)},"s":${position === undefined ? "null" : str(position.source)},"ss":${num(position?.seq)}}`
      )
    }
    for (const o of s.outbox) {
      outbox.push(`{"k":${k},"i":${outboxRows.length},"s":${str(o.subject)},"p":${str(base64(o.payload))},"h":${JSON.stringify(o.headers)}}`)
      outboxRows.push(o)
    }
    if (s.hold !== undefined) {
      const { raw, position: at } = s.hold
      holds.push(
        `{"k":${k},"s":${str(at.source)},"q":${at.seq},"m":${str(raw.msgId)},"sj":${str(raw.subject)},"p":${str(base64(raw.payload))},"h":${JSON.stringify(raw.headers)},"d":${str(raw.domain)},"st":${str(raw.stream)},"c":${str(raw.consumer)},"sq":${raw.streamSeq}}`
      )
    }
    if (s.release !== undefined) releases.push(`{"k":${k},"s":${str(s.release.source)},"q":${s.release.seq}}`)
  }
  const array = (rows: ReadonlyArray<string>) => (rows.length === 0 ? undefined : `[${rows.join(",")}]`)
  return {
    outboxRows,
    entities: array(entities),
    inbox: array(inbox),
    events: array(events),
    outbox: array(outbox),
    holds: array(holds),
    releases: array(releases)
  }
}

/** Writes `steps` inside `tx`: one result per step, and the outbox rows written. Two statements: check, then write. */
const writeBatch = async (tx: Transaction<NoTables>, entityType: string, steps: ReadonlyArray<EngineStep>, beforeCommit: () => void): Promise<WrittenBatch> => {
  const keys = [...new Set(steps.map((s) => s.key))].sort()
  const msgIds = steps.flatMap((s) => (s.applied === undefined ? [] : [s.applied.raw.msgId]))
  // 1. Lock the existing entity rows in key order; read which inputs are already in the inbox.
  //    A key without a row is at version 0 (its first step inserts the row).
  //    Every lookup is one primary-key probe per key (LATERAL), whatever the planner believes of the
  //    table: with stale or missing statistics (a young table, autovacuum off) a plain `= ANY(...)` or
  //    join was planned as a scan of the whole entity type / inbox, so a batch cost O(table).
  const checked = await sql<{ kind: "v" | "d"; id: string; version: string | null }>`
    SELECT 'v' AS kind, l.entity_key AS id, l.version
    FROM (SELECT key FROM unnest(${keys}::text[]) AS u(key) ORDER BY key) AS k
    CROSS JOIN LATERAL (
      SELECT entity_key, version FROM engine_entity
      WHERE entity_type = ${entityType} AND entity_key = k.key
      FOR UPDATE
    ) AS l
    UNION ALL
    SELECT 'd', i.msg_id, NULL FROM unnest(${msgIds}::text[]) AS m(id)
    CROSS JOIN LATERAL (SELECT msg_id FROM engine_inbox WHERE msg_id = m.id LIMIT 1) AS i`.execute(tx)
  const versions = new Map<string, number>()
  const seen = new Set<string>()
  for (const row of checked.rows) {
    if (row.kind === "v") versions.set(row.id, Number(row.version))
    else seen.add(row.id)
  }
  const claimed = new Set<string>()
  const results = steps.map((step): StepResult => {
    if (claimed.has(step.key) || (versions.get(step.key) ?? 0) !== step.expectedVersion) return "conflict"
    if (step.applied !== undefined && seen.has(step.applied.raw.msgId)) return "duplicate"
    claimed.add(step.key)
    return "committed"
  })
  const ok = steps.filter((_, i) => results[i] === "committed")
  const outbox: Array<CommittedOutboxRow> = []
  if (ok.length > 0) {
    // 2. One statement writes the entity rows (update under the version check, or insert a key's first
    //    row) and, only for the rows it wrote, everything else the step changes. A row another writer
    //    inserted meanwhile is not written (ON CONFLICT DO NOTHING) and its step answers `conflict`.
    const doc = batchDocuments(ok)
    const none = sql``
    const written = await sql<{ k: string | null; i: number | null; id: string | null }>`
      WITH v AS (
        SELECT * FROM json_to_recordset(${doc.entities}::json) AS v(k text, v bigint, e bigint, s jsonb, st jsonb, ss bigint)
      ), updated AS (
        -- A later step of a key: its row exists and step 1 locked it. Updated through the primary key's
        -- conflict check (never a planner's join, which with missing statistics scanned the whole entity
        -- type), under the version check; a row that moved on is not written and not returned. Only rows
        -- this transaction already holds go through DO UPDATE, so it never waits on another writer's lock.
        INSERT INTO engine_entity AS e (entity_type, entity_key, version, event_seq, state, snapshot_seq, sources)
        SELECT ${entityType}, v.k, v.v, v.e, v.st, COALESCE(v.ss, 0), v.s FROM v WHERE v.v > 1 ORDER BY v.k
        ON CONFLICT (entity_type, entity_key) DO UPDATE SET
          version = EXCLUDED.version, event_seq = EXCLUDED.event_seq, sources = EXCLUDED.sources, updated_at = now(),
          -- No snapshot in this step (state NULL): keep the stored one.
          state = COALESCE(EXCLUDED.state, e.state),
          snapshot_seq = CASE WHEN EXCLUDED.state IS NULL THEN e.snapshot_seq ELSE EXCLUDED.snapshot_seq END
        WHERE e.version = EXCLUDED.version - 1
        RETURNING e.entity_key AS k
      ), inserted AS (
        -- A key's first step: its row inserted, unless another writer inserted it meanwhile.
        INSERT INTO engine_entity (entity_type, entity_key, version, event_seq, state, snapshot_seq, sources)
        SELECT ${entityType}, v.k, v.v, v.e, v.st, CASE WHEN v.st IS NULL THEN 0 ELSE v.ss END, v.s FROM v WHERE v.v = 1 ORDER BY v.k
        ON CONFLICT DO NOTHING
        RETURNING entity_key AS k
      ), written AS (
        SELECT k FROM updated UNION ALL SELECT k FROM inserted
      )${
        doc.inbox === undefined
          ? none
          : sql`, inbox AS (
        INSERT INTO engine_inbox (msg_id, entity_type, entity_key)
        SELECT t.m, ${entityType}, t.k FROM json_to_recordset(${doc.inbox}::json) AS t(m text, k text)
        WHERE t.k IN (SELECT k FROM written)
      )`
      }${
        doc.events === undefined
          ? none
          : sql`, events AS (
        INSERT INTO engine_event (entity_type, entity_key, seq, kind, type, schema_version, payload, msg_id, source, source_seq)
        SELECT ${entityType}, t.k, t.q, t.kd, t.ty, t.v, t.p, t.m, t.s, t.ss
        FROM json_to_recordset(${doc.events}::json) AS t(k text, q bigint, kd text, ty text, v int, p jsonb, m text, s text, ss bigint)
        WHERE t.k IN (SELECT k FROM written)
      )`
      }${
        doc.outbox === undefined
          ? none
          : sql`, outbox_ids AS (
        -- Ids drawn here (a volatile CTE is evaluated once) so the statement can tell which row got which:
        -- the committer hands the rows to the relay with their ids (OutboxHandoff).
        SELECT nextval(pg_get_serial_sequence('engine_outbox', 'id')) AS id, t.i, t.s, t.p, t.h
        FROM json_to_recordset(${doc.outbox}::json) AS t(k text, i int, s text, p text, h jsonb)
        WHERE t.k IN (SELECT k FROM written)
      ), outbox AS (
        INSERT INTO engine_outbox (id, subject, payload, headers)
        SELECT id, s, decode(p, 'base64'), h FROM outbox_ids
      )`
      }${
        doc.holds === undefined
          ? none
          : sql`, holds AS (
        INSERT INTO engine_held (entity_type, entity_key, source, source_seq, msg_id, subject, payload, headers, domain, stream, consumer, stream_seq)
        SELECT ${entityType}, t.k, t.s, t.q, t.m, t.sj, decode(t.p, 'base64'), t.h, t.d, t.st, t.c, t.sq
        FROM json_to_recordset(${doc.holds}::json)
          AS t(k text, s text, q bigint, m text, sj text, p text, h jsonb, d text, st text, c text, sq bigint)
        WHERE t.k IN (SELECT k FROM written)
        ON CONFLICT DO NOTHING
      )`
      }${
        doc.releases === undefined
          ? none
          : sql`, releases AS (
        DELETE FROM engine_held h USING json_to_recordset(${doc.releases}::json) AS t(k text, s text, q bigint)
        WHERE h.entity_type = ${entityType} AND h.entity_key = t.k AND h.source = t.s AND h.source_seq = t.q
          AND t.k IN (SELECT k FROM written)
      )`
      }
      SELECT k, NULL::int AS i, NULL::text AS id FROM written${
        doc.outbox === undefined
          ? none
          : sql`
      UNION ALL SELECT NULL, i, id::text FROM outbox_ids`
      }`.execute(tx)
    const wrote = new Set<string>()
    for (const row of written.rows) {
      if (row.k !== null) wrote.add(row.k)
      else if (row.i !== null && row.id !== null) {
        const o = doc.outboxRows[row.i]!
        outbox.push({ id: row.id, subject: o.subject, payload: o.payload, headers: o.headers })
      }
    }
    steps.forEach((step, i) => {
      if (results[i] === "committed" && !wrote.has(step.key)) results[i] = "conflict"
    })
    // Id order (ids are decimal strings without leading zeros: shorter is smaller).
    outbox.sort((a, b) => a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }
  beforeCommit()
  return { results, outbox }
}

/** Starts the committer fibers in the current scope. */
export const makeGroupCommitter = (
  entityType: string,
  options: GroupCommitOptions = {},
  /** Called after a commit that wrote outbox rows, with those rows (an in-process relay's hand-off). */
  onOutboxCommitted: (rows: ReadonlyArray<CommittedOutboxRow>) => void = () => undefined,
  /** Called after each commit with the input message ids its committed steps applied (`CommitNotifier`); none: nothing collected. */
  onApplied?: (msgIds: ReadonlyArray<string>) => void
): Effect.Effect<GroupCommitter, never, Db | FaultInjector | Scope.Scope> =>
  Effect.gen(function* () {
    const db = yield* Db
    const faults = yield* FaultInjector
    const maxBatch = Math.max(1, options.maxBatch ?? 200)
    const window = Duration.fromInputUnsafe(options.window ?? Duration.millis(2))
    const queue = yield* Queue.unbounded<Pending>()
    const stats = { batches: 0, steps: 0, largestBatch: 0, isolatedRetries: 0 }

    // `unsafe-drop-outbox` (tests of a checker only; see FaultInjector): rows left out of their step.
    const drop = faults.dropOutboxRow
    const kept = (steps: ReadonlyArray<EngineStep>) =>
      drop === undefined ? steps : steps.map((s) => (s.outbox.length === 0 ? s : { ...s, outbox: s.outbox.filter(() => !drop()) }))
    const write = (steps: ReadonlyArray<EngineStep>) =>
      db
        .transaction(`engine.${entityType}.commit`, (tx) => writeBatch(tx, entityType, kept(steps), () => faults.crash("before-commit")))
        .pipe(
          Effect.map((written) => {
            if (written.outbox.length > 0) onOutboxCommitted(written.outbox)
            if (onApplied !== undefined) {
              const applied: Array<string> = []
              steps.forEach((step, i) => {
                if (written.results[i] !== "conflict" && step.applied !== undefined) applied.push(step.applied.raw.msgId)
              })
              if (applied.length > 0) onApplied(applied)
            }
            return written.results
          })
        )

    const settle = (batch: ReadonlyArray<Pending>) =>
      write(batch.map((p) => p.step)).pipe(
        Effect.map((results) => {
          for (let i = 0; i < batch.length; i++) Deferred.doneUnsafe(batch[i]!.done, Exit.succeed(results[i] ?? "conflict"))
        }),
        Effect.catch((error) =>
          batch.length === 1
            ? Deferred.fail(batch[0]!.done, error)
            : // Isolate the bad step: each step alone, in its own transaction.
              Effect.sync(() => (stats.isolatedRetries += 1)).pipe(
                Effect.andThen(
                  Effect.forEach(batch, (p) => Deferred.into(write([p.step]).pipe(Effect.map((r) => r[0] ?? "conflict")), p.done), {
                    discard: true
                  })
                )
              )
        )
      )

    const committer = Effect.gen(function* () {
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
        Effect.suspend(() => {
          const done = Deferred.makeUnsafe<StepResult, DbError>()
          Queue.offerUnsafe(queue, { step, done })
          return Deferred.await(done)
        }),
      stats: Effect.sync(() => ({ ...stats }))
    }
  })
