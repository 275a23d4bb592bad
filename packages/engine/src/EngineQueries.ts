/**
 * What the engine recorded, read by everything outside it: the region's API
 * (snapshots, a command's outcome, audit trails), reconciliation (the outbox
 * window and its one repair), the drills and the benchmark (applied message
 * ids, parked records, the outbox backlog). Nothing outside this package
 * writes SQL on `engine_*` tables; the test command checks it.
 *
 *   engineQueries(k)  the queries over a Kysely (tools holding their own connection)
 *   EngineQueries     the same as an Effect service over `Db` (the region)
 */
import { Context, Effect, Layer } from "effect"
import { type Kysely, sql } from "kysely"
import { Db, type DbError, type NoTables } from "@logimesh/db"

export interface EntitySnapshot {
  readonly entityType: string
  readonly key: string
  readonly version: number
  readonly state: unknown
  readonly updatedAt: string
}

/** One audit row: an event or a rejection an actor recorded. */
export interface AuditRecord {
  readonly at: Date
  readonly entityType: string
  readonly key: string
  readonly seq: number
  readonly kind: "event" | "rejection"
  readonly type: string
  readonly payload: unknown
}

/** Which audit rows: entities of these types whose key equals `key` or matches the POSIX regular expression `keyPattern`. */
export interface AuditSelector {
  readonly entityTypes: ReadonlyArray<string>
  readonly key?: string
  readonly keyPattern?: string
}

/** A step's record of one input message id: whether it is in the inbox, and the audit rows it wrote (in seq order). */
export interface MessageOutcome {
  readonly inInbox: boolean
  readonly audit: ReadonlyArray<Pick<AuditRecord, "seq" | "kind" | "type" | "payload">>
}

export interface OutboxRecord {
  readonly id: string
  readonly subject: string
  readonly headers: Readonly<Record<string, string>>
  readonly createdAt: Date
  readonly sentAt: Date | null
  /** The payload's top-level field named by `OutboxWindow.about.entityType` (JSON payloads), if any. */
  readonly payloadKey: string | null
}

export interface OutboxWindow {
  readonly subjectPrefix: string
  readonly since: Date
  readonly until: Date
  /** Only rows about this entity: the payload's field named like the entity type, else the entity headers. */
  readonly about?: { readonly entityType: string; readonly key?: string }
  readonly limit: number
}

/** An applied input message id: when it was first recorded, and whether its step was a rejection. */
export interface AppliedMessage {
  readonly atMs: number
  readonly rejected: boolean
}

export interface ParkedRecord {
  readonly id: string
  readonly msgId: string | null
  readonly reason: string
  readonly headers: Readonly<Record<string, string>>
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]-]/g, (c) => `\\${c}`)

/** A POSIX regular expression matching exactly `prefix` followed by `suffixPattern` (a regex fragment). */
export const keyPatternOf = (prefix: string, suffixPattern: string): string => `^${escapeRegex(prefix)}${suffixPattern}$`

export const engineQueries = (k: Kysely<NoTables>) => ({
  snapshot: async (entityType: string, key: string): Promise<EntitySnapshot | undefined> => {
    const rows = await sql<{ version: string; state: unknown; updated_at: Date }>`
      SELECT version, state, updated_at FROM engine_entity WHERE entity_type = ${entityType} AND entity_key = ${key}`.execute(k)
    const row = rows.rows[0]
    return row === undefined || row.state === null
      ? undefined
      : { entityType, key, version: Number(row.version), state: row.state, updatedAt: row.updated_at.toISOString() }
  },

  /** One statement, one snapshot: a step writes its inbox row and its audit rows in one transaction. */
  messageOutcome: async (entityType: string, key: string, msgId: string): Promise<MessageOutcome> => {
    const rows = await sql<{ in_inbox: boolean; seq: string | null; kind: "event" | "rejection" | null; type: string | null; payload: unknown }>`
      SELECT i.msg_id IS NOT NULL AS in_inbox, e.seq, e.kind, e.type, e.payload
        FROM (SELECT 1) AS one
        LEFT JOIN engine_inbox i ON i.msg_id = ${msgId}
        LEFT JOIN engine_event e ON e.entity_type = ${entityType} AND e.entity_key = ${key} AND e.msg_id = ${msgId}
       ORDER BY e.seq`.execute(k)
    return {
      inInbox: rows.rows[0]?.in_inbox === true,
      audit: rows.rows.flatMap((r) =>
        r.seq === null || r.kind === null || r.type === null ? [] : [{ seq: Number(r.seq), kind: r.kind, type: r.type, payload: r.payload }]
      )
    }
  },

  /** Audit rows of the selected entities, in commit order (time, then seq). */
  auditTrail: async (selectors: ReadonlyArray<AuditSelector>): Promise<ReadonlyArray<AuditRecord>> => {
    const conditions = selectors.flatMap((s) => {
      if (s.entityTypes.length === 0) return []
      const types = sql`entity_type IN (${sql.join(s.entityTypes)})`
      if (s.key !== undefined) return [sql`(${types} AND entity_key = ${s.key})`]
      if (s.keyPattern !== undefined) return [sql`(${types} AND entity_key ~ ${s.keyPattern})`]
      return []
    })
    if (conditions.length === 0) return []
    const rows = await sql<{ at: Date; entity: string; key: string; seq: string; kind: AuditRecord["kind"]; type: string; payload: unknown }>`
      SELECT recorded_at AS at, entity_type AS entity, entity_key AS key, seq, kind, type, payload
        FROM engine_event
       WHERE ${sql.join(conditions, sql` OR `)}
       ORDER BY recorded_at, seq`.execute(k)
    return rows.rows.map((r) => ({ at: r.at, entityType: r.entity, key: r.key, seq: Number(r.seq), kind: r.kind, type: r.type, payload: r.payload }))
  },

  /** Payloads of every audit event of one type, by key then seq (e.g. an entity's progress events). */
  eventsOfType: async (entityType: string, type: string): Promise<ReadonlyArray<{ readonly key: string; readonly payload: unknown }>> =>
    (
      await sql<{ key: string; payload: unknown }>`
      SELECT entity_key AS key, payload FROM engine_event
       WHERE entity_type = ${entityType} AND kind = 'event' AND type = ${type}
       ORDER BY entity_key, seq`.execute(k)
    ).rows,

  /** Every input message id a step applied: the inbox, and the audit rows (which outlive it; a rejection is only there). */
  appliedMessages: async (): Promise<ReadonlyMap<string, AppliedMessage>> => {
    const applied = new Map<string, AppliedMessage>()
    const inbox = await sql<{ msg_id: string; at_ms: string }>`
      SELECT msg_id, (extract(epoch FROM received_at) * 1000)::bigint AS at_ms FROM engine_inbox`.execute(k)
    for (const r of inbox.rows) applied.set(r.msg_id, { atMs: Number(r.at_ms), rejected: false })
    const audit = await sql<{ msg_id: string; at_ms: string; rejected: boolean }>`
      SELECT msg_id, (extract(epoch FROM min(recorded_at)) * 1000)::bigint AS at_ms, bool_or(kind = 'rejection') AS rejected
        FROM engine_event GROUP BY msg_id`.execute(k)
    for (const r of audit.rows) {
      const known = applied.get(r.msg_id)
      applied.set(r.msg_id, { atMs: Math.min(known?.atMs ?? Number.POSITIVE_INFINITY, Number(r.at_ms)), rejected: r.rejected })
    }
    return applied
  },

  /** Parked records still waiting for an operator (status `parked`); `msgId` narrows to one input message id. */
  parked: async (msgId?: string): Promise<ReadonlyArray<ParkedRecord>> =>
    (
      await sql<{ id: string; msg_id: string | null; reason: string; headers: Record<string, string> }>`
      SELECT id::text AS id, msg_id, reason, headers FROM engine_parked
       WHERE status = 'parked' ${msgId === undefined ? sql`` : sql`AND msg_id = ${msgId}`}
       ORDER BY id`.execute(k)
    ).rows.map((r) => ({ id: r.id, msgId: r.msg_id, reason: r.reason, headers: r.headers })),

  /** Outbox rows created in a window on subjects under a prefix, by id; at most `limit`. */
  outboxWindow: async (window: OutboxWindow): Promise<ReadonlyArray<OutboxRecord>> => {
    const field = window.about?.entityType ?? null
    const rows = await sql<{
      id: string
      subject: string
      headers: Record<string, string>
      created_at: Date
      sent_at: Date | null
      payload_key: string | null
    }>`
      WITH rows AS (
        SELECT id, subject, headers, created_at, sent_at,
               CASE WHEN ${field}::text IS NOT NULL AND substring(payload FROM 1 FOR 1) = '\\x7b'::bytea
                    THEN convert_from(payload, 'UTF8')::jsonb ->> ${field}::text END AS payload_key
          FROM engine_outbox
         WHERE subject LIKE ${`${window.subjectPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}
           AND created_at >= ${window.since} AND created_at < ${window.until}
      )
      SELECT id::text AS id, subject, headers, created_at, sent_at, payload_key FROM rows
      ${
        window.about?.key === undefined
          ? sql``
          : sql`WHERE coalesce(payload_key, CASE WHEN headers ->> 'Logimesh-Entity-Type' = ${field}::text
                                              THEN headers ->> 'Logimesh-Entity-Key' END) = ${window.about.key}`
      }
       ORDER BY id
       LIMIT ${window.limit}`.execute(k)
    return rows.rows.map((r) => ({ id: r.id, subject: r.subject, headers: r.headers, createdAt: r.created_at, sentAt: r.sent_at, payloadKey: r.payload_key }))
  },

  /** Which of these outbox ids exist (chunked). */
  outboxIdsPresent: async (ids: ReadonlyArray<string>): Promise<ReadonlySet<string>> => {
    const found = new Set<string>()
    for (let i = 0; i < ids.length; i += 10_000) {
      const chunk = ids.slice(i, i + 10_000)
      const result = await sql<{ id: string }>`SELECT id::text AS id FROM engine_outbox WHERE id = ANY(${chunk}::bigint[])`.execute(k)
      for (const row of result.rows) found.add(row.id)
    }
    return found
  },

  /** Outbox rows the relay has not yet published. */
  unsentOutboxCount: async (): Promise<number> =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM engine_outbox WHERE sent_at IS NULL`.execute(k)).rows[0]?.n ?? 0),

  /**
   * The one repair: sent rows whose message the stream does not hold are marked unsent, so the relay
   * publishes them again (same `Nats-Msg-Id`). Returns the ids it cleared, ascending.
   */
  requeueSentOutbox: async (ids: ReadonlyArray<string>): Promise<ReadonlyArray<string>> =>
    ids.length === 0
      ? []
      : (
          await sql<{ id: string }>`
      UPDATE engine_outbox SET sent_at = NULL
       WHERE id = ANY(${ids}::bigint[]) AND sent_at IS NOT NULL
      RETURNING id::text AS id`.execute(k)
        ).rows
          .map((row) => row.id)
          .sort((a, b) => Number(a) - Number(b))
})

export type EngineQueriesOver = ReturnType<typeof engineQueries>

/** Each query as an Effect failing with `DbError`. */
export type EngineQueriesShape = {
  readonly [K in keyof EngineQueriesOver]: (...args: Parameters<EngineQueriesOver[K]>) => Effect.Effect<Awaited<ReturnType<EngineQueriesOver[K]>>, DbError>
}

export class EngineQueries extends Context.Service<EngineQueries, EngineQueriesShape>()("logimesh/engine/EngineQueries") {
  static readonly layer = Layer.effect(
    EngineQueries,
    Effect.gen(function* () {
      const db = yield* Db
      const q =
        (name: string) =>
        <A>(run: (queries: EngineQueriesOver) => Promise<A>) =>
          db.use(`engine.${name}`, (k) => run(engineQueries(k)))
      return EngineQueries.of({
        snapshot: (entityType, key) => q("snapshot")((e) => e.snapshot(entityType, key)),
        messageOutcome: (entityType, key, msgId) => q("messageOutcome")((e) => e.messageOutcome(entityType, key, msgId)),
        auditTrail: (selectors) => q("auditTrail")((e) => e.auditTrail(selectors)),
        eventsOfType: (entityType, type) => q("eventsOfType")((e) => e.eventsOfType(entityType, type)),
        appliedMessages: () => q("appliedMessages")((e) => e.appliedMessages()),
        parked: (msgId) => q("parked")((e) => e.parked(msgId)),
        outboxWindow: (window) => q("outboxWindow")((e) => e.outboxWindow(window)),
        outboxIdsPresent: (ids) => q("outboxIdsPresent")((e) => e.outboxIdsPresent(ids)),
        unsentOutboxCount: () => q("unsentOutboxCount")((e) => e.unsentOutboxCount()),
        requeueSentOutbox: (ids) => q("requeueSentOutbox")((e) => e.requeueSentOutbox(ids))
      })
    })
  )
}
