/**
 * Rows written straight into the engine's tables, and read back, for tests
 * outside the engine that need a state no live step produces quickly (rows
 * hours old, rows marked sent without a publish). Exported through
 * `@logimesh/engine/testing`; runtime code reads through `EngineQueries`.
 */

/** Anything with pg's `query` (a `pg.Client` or `pg.Pool`). */
export interface Queryable {
  readonly query: <R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: ReadonlyArray<unknown>) => Promise<{ rows: Array<R> }>
}

const agoHours = (hours: number) => `now() - make_interval(secs => ${Number(hours) * 3600})`

/** One outbox row as a flow writes it; `sent` marks it sent without any publish; created `ageS` seconds ago. */
export const insertOutboxRow = async (
  db: Queryable,
  row: {
    readonly subject: string
    readonly payload: Record<string, unknown> | Uint8Array
    readonly headers?: Readonly<Record<string, string>>
    readonly ageS?: number
    readonly sent?: boolean
    /** When it was marked sent, seconds ago (implies `sent`). */
    readonly sentAgeS?: number
  }
): Promise<string> => {
  const payload = row.payload instanceof Uint8Array ? Buffer.from(row.payload) : Buffer.from(JSON.stringify(row.payload))
  const sentAt = row.sentAgeS !== undefined ? `now() - make_interval(secs => ${Number(row.sentAgeS)})` : row.sent === true ? "now()" : "NULL"
  const result = await db.query<{ id: string }>(
    `INSERT INTO engine_outbox (subject, payload, headers, created_at, sent_at)
     VALUES ($1, $2, $3::jsonb, now() - make_interval(secs => $4), ${sentAt})
     RETURNING id::text AS id`,
    [row.subject, payload, JSON.stringify(row.headers ?? {}), row.ageS ?? 0]
  )
  return result.rows[0]!.id
}

/** `sent_at` of each outbox id (null while unsent); ids that do not exist are absent. */
export const outboxSentAt = async (db: Queryable, ids: ReadonlyArray<string>): Promise<ReadonlyMap<string, Date | null>> =>
  new Map(
    (await db.query<{ id: string; sent_at: Date | null }>("SELECT id::text AS id, sent_at FROM engine_outbox WHERE id = ANY($1::bigint[])", [ids])).rows.map(
      (r) => [r.id, r.sent_at]
    )
  )

/** Subjects of every outbox row, sorted. */
export const outboxSubjects = async (db: Queryable): Promise<ReadonlyArray<string>> =>
  (await db.query<{ subject: string }>("SELECT subject FROM engine_outbox ORDER BY subject")).rows.map((r) => r.subject)

/** An applied input message id recorded `ageHours` ago. */
export const insertInboxRow = async (
  db: Queryable,
  msgId: string,
  ageHours = 0,
  entity: { readonly entityType: string; readonly key: string } = { entityType: "test", key: "T-1" }
): Promise<void> => {
  await db.query(`INSERT INTO engine_inbox (msg_id, entity_type, entity_key, received_at) VALUES ($1, $2, $3, ${agoHours(ageHours)})`, [
    msgId,
    entity.entityType,
    entity.key
  ])
}

/** One audit row (an event or a rejection) of an entity, recorded now. */
export const insertAuditRow = async (
  db: Queryable,
  row: {
    readonly entityType: string
    readonly key: string
    readonly seq: number
    readonly kind: "event" | "rejection"
    readonly type: string
    readonly payload?: unknown
    readonly msgId: string
  }
): Promise<void> => {
  await db.query("INSERT INTO engine_event (entity_type, entity_key, seq, kind, type, payload, msg_id) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)", [
    row.entityType,
    row.key,
    row.seq,
    row.kind,
    row.type,
    JSON.stringify(row.payload ?? {}),
    row.msgId
  ])
}

export const inboxHas = async (db: Queryable, msgId: string): Promise<boolean> =>
  (await db.query("SELECT 1 FROM engine_inbox WHERE msg_id = $1", [msgId])).rows.length === 1

/** A parked record `parkedAgeHours` old (default 0); `replayedAgeHours` makes it a replayed one. */
export const insertParkedRow = async (
  db: Queryable,
  row: {
    readonly dedupeKey: string
    readonly parkedAgeHours?: number
    readonly replayedAgeHours?: number
    readonly reason?: string
    readonly detail?: string
    readonly subject?: string
    readonly payload?: Uint8Array
    readonly stream?: string
    readonly consumer?: string
    readonly streamSeq?: number
    readonly msgId?: string
  }
): Promise<void> => {
  const replayed = row.replayedAgeHours !== undefined
  await db.query(
    `INSERT INTO engine_parked (dedupe_key, reason, detail, subject, payload, headers, domain, stream, consumer, stream_seq, msg_id, status, parked_at, replayed_at)
     VALUES ($1, $2, $3, $4, $5, '{}', 'hub', $6, $7, $8, $9, $10, ${agoHours(row.parkedAgeHours ?? 0)}, ${replayed ? agoHours(row.replayedAgeHours) : "NULL"})`,
    [
      row.dedupeKey,
      row.reason ?? "Test",
      row.detail ?? "",
      row.subject ?? "s",
      Buffer.from(row.payload ?? new Uint8Array([0])),
      row.stream ?? "S",
      row.consumer ?? "c",
      row.streamSeq ?? 1,
      row.msgId ?? null,
      replayed ? "replayed" : "parked"
    ]
  )
}

/** Dedupe keys of every parked record, sorted. */
export const parkedDedupeKeys = async (db: Queryable): Promise<ReadonlyArray<string>> =>
  (await db.query<{ dedupe_key: string }>("SELECT dedupe_key FROM engine_parked ORDER BY dedupe_key")).rows.map((r) => r.dedupe_key)
