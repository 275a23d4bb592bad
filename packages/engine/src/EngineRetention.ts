/**
 * Retention of the engine's own tables (the region's retention job calls
 * `pruneEngineTables` with the horizons of `sites/mesh.json`):
 *
 *   engine_inbox   applied input ids received longer ago than the inbox horizon. Within it a
 *                  redelivery is refused as a duplicate; past it, one without a source sequence
 *                  would be applied again. So the horizon must outlast every sender's retries (at
 *                  least the Idempotency-Key horizon: a retry after its key row is gone publishes
 *                  the same message id again) and the streams' max_age (a stream can redeliver a
 *                  message that old); mesh.json is refused otherwise.
 *   engine_outbox  rows created AND sent longer ago than the outbox horizon; an unsent row is never
 *                  deleted, whatever its age. Vacuumed every round even without deletions: every row
 *                  the relay marks sent leaves a dead version, and the relay's claim round walks the
 *                  partial index of unsent rows (`engine_outbox_unsent`) over their dead entries
 *                  until a VACUUM removes them.
 *   engine_parked  rows an operator replayed longer ago than the horizon; parked rows stay until handled.
 *
 * Each table is pruned in chunks through an index, then vacuumed (`pruneTable`). Outbox rows written
 * before the horizon but sent since (or never) are passed over by each chunk's index range: cheap
 * while they are few, as they are outside a long outage.
 */
import { type Duration, Effect } from "effect"
import { sql } from "kysely"
import { type Db, type DbError, horizonCutoff, pruneTable } from "@logimesh/db"

/** Deletes inbox rows received longer ago than `retention`; returns how many. */
export const pruneInbox = (retention: Duration.Input, chunk?: number): Effect.Effect<number, DbError, Db> =>
  pruneTable({
    table: "engine_inbox",
    chunk,
    deleteChunk: (limit) =>
      sql`
        DELETE FROM engine_inbox WHERE msg_id IN (
          SELECT msg_id FROM engine_inbox WHERE received_at < ${horizonCutoff(retention)} ORDER BY received_at LIMIT ${limit})`
  })

/** Deletes outbox rows created and sent longer ago than `horizon` (never an unsent one); returns how many. */
export const pruneSentOutbox = (horizon: Duration.Input, chunk?: number): Effect.Effect<number, DbError, Db> =>
  pruneTable({
    table: "engine_outbox",
    chunk,
    vacuum: "always",
    deleteChunk: (limit) =>
      sql`
        DELETE FROM engine_outbox WHERE id IN (
          SELECT id FROM engine_outbox
          WHERE created_at < ${horizonCutoff(horizon)} AND sent_at IS NOT NULL AND sent_at < ${horizonCutoff(horizon)}
          ORDER BY created_at LIMIT ${limit})`
  })

/** Deletes parked rows replayed longer ago than `horizon` (never one still parked); returns how many. */
export const pruneReplayedParked = (horizon: Duration.Input, chunk?: number): Effect.Effect<number, DbError, Db> =>
  pruneTable({
    table: "engine_parked",
    chunk,
    deleteChunk: (limit) =>
      sql`
        DELETE FROM engine_parked WHERE id IN (
          SELECT id FROM engine_parked WHERE status = 'replayed' AND replayed_at < ${horizonCutoff(horizon)} ORDER BY id LIMIT ${limit})`
  })

export interface EngineHorizons {
  readonly inbox: Duration.Input
  readonly outboxSent: Duration.Input
  readonly replayedParked: Duration.Input
}

/** Rows deleted per table. */
export type EnginePruned = {
  readonly engine_inbox: number
  readonly engine_outbox: number
  readonly engine_parked: number
}

/** One retention round over the engine's tables; returns the rows deleted per table. */
export const pruneEngineTables = (horizons: EngineHorizons): Effect.Effect<EnginePruned, DbError, Db> =>
  Effect.all({
    engine_inbox: pruneInbox(horizons.inbox),
    engine_outbox: pruneSentOutbox(horizons.outboxSent),
    engine_parked: pruneReplayedParked(horizons.replayedParked)
  })
