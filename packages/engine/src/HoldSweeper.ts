/**
 * Early arrivals whose gap never filled: a held input older than the hold
 * timeout is moved to `engine_parked` (reason `HoldTimeout`) with an alert
 * log, in one transaction that also bumps the entity version, so a resident
 * actor that still holds it in memory reloads instead of applying it. Held
 * rows at or below the source's applied sequence (already applied under
 * another id) are simply deleted.
 */
import { Duration, Effect, type Scope } from "effect"
import { sql } from "kysely"
import { Db, type DbError } from "@logimesh/db"

interface ExpiredRow {
  readonly entity_key: string
  readonly source: string
  readonly source_seq: string
  readonly msg_id: string
  readonly stale: boolean
}

/** One sweep for `entityType`; returns how many held inputs it parked. */
export const sweepHeld = (entityType: string, timeout: Duration.Input): Effect.Effect<number, DbError, Db> =>
  Effect.gen(function* () {
    const db = yield* Db
    const seconds = Duration.toSeconds(Duration.fromInputUnsafe(timeout))
    const parked = yield* db.transaction(`engine.${entityType}.sweepHeld`, async (tx) => {
      const expired = await sql<ExpiredRow>`
        SELECT h.entity_key, h.source, h.source_seq, h.msg_id,
          h.source_seq <= COALESCE((e.sources ->> h.source)::bigint, 0) AS stale
        FROM engine_held h JOIN engine_entity e USING (entity_type, entity_key)
        WHERE h.entity_type = ${entityType} AND h.held_at < now() - make_interval(secs => ${seconds})
        ORDER BY h.entity_key
        LIMIT 500
        FOR UPDATE OF h, e SKIP LOCKED`.execute(tx)
      const rows = expired.rows
      if (rows.length === 0) return [] as ReadonlyArray<ExpiredRow>
      const keys = rows.map((r) => r.entity_key)
      await sql`
        INSERT INTO engine_parked (dedupe_key, reason, detail, subject, payload, headers, domain, stream, consumer, stream_seq, msg_id, entity_type, entity_key)
        SELECT 'held:' || h.entity_type || ':' || h.entity_key || ':' || h.source || ':' || h.source_seq || ':' || h.msg_id,
          'HoldTimeout',
          'source ' || h.source || ' seq ' || h.source_seq || ' held since ' || h.held_at || '; waiting for seq ' ||
            (COALESCE((e.sources ->> h.source)::bigint, 0) + 1),
          h.subject, h.payload, h.headers, h.domain, h.stream, h.consumer, h.stream_seq, h.msg_id, h.entity_type, h.entity_key
        FROM engine_held h JOIN engine_entity e USING (entity_type, entity_key)
        JOIN unnest(${keys}::text[], ${rows.map((r) => r.source)}::text[], ${rows.map((r) => r.source_seq)}::bigint[], ${rows.map((r) => r.stale)}::bool[])
          AS d(k, s, q, stale) ON h.entity_key = d.k AND h.source = d.s AND h.source_seq = d.q
        WHERE h.entity_type = ${entityType} AND NOT d.stale
        ON CONFLICT (dedupe_key) DO NOTHING`.execute(tx)
      await sql`
        DELETE FROM engine_held h USING unnest(${keys}::text[], ${rows.map((r) => r.source)}::text[], ${rows.map((r) => r.source_seq)}::bigint[]) AS d(k, s, q)
        WHERE h.entity_type = ${entityType} AND h.entity_key = d.k AND h.source = d.s AND h.source_seq = d.q`.execute(tx)
      await sql`
        UPDATE engine_entity SET version = version + 1, updated_at = now()
        WHERE entity_type = ${entityType} AND entity_key = ANY(${[...new Set(keys)]}::text[])`.execute(tx)
      return rows.filter((r) => !r.stale)
    })
    for (const row of parked) {
      yield* Effect.logError("held input timed out waiting for its gap; parked").pipe(
        Effect.annotateLogs({ alert: "HoldTimeout", entityType, orderId: row.entity_key, source: row.source, seq: row.source_seq, msgId: row.msg_id })
      )
    }
    return parked.length
  })

/** Sweeps every `interval` in the current scope. */
export const runHoldSweeper = (entityType: string, timeout: Duration.Input, interval: Duration.Input): Effect.Effect<void, never, Db | Scope.Scope> =>
  sweepHeld(entityType, timeout).pipe(
    Effect.catch((error) => Effect.logWarning("hold sweep failed").pipe(Effect.annotateLogs({ error: error.message }))),
    Effect.andThen(Effect.sleep(interval)),
    Effect.forever,
    Effect.forkScoped,
    Effect.asVoid
  )
