/**
 * Retention of one table, for the package that owns it: deletes the rows
 * past a horizon in bounded chunks (one short statement each: no long lock,
 * no transaction holding millions of row versions), then `VACUUM (ANALYZE)`
 * the table, so the space and the index entries of the deleted rows are
 * reclaimed and the planner's statistics refreshed without waiting for
 * autovacuum. That matters on a server with autovacuum off (as here): dead
 * entries stay in every index until a VACUUM, and an index scan walks them
 * (the outbox relay's claim round read 833 pages of them for 10 unsent rows
 * after 300,000 marked ones, 22 pages after `VACUUM (ANALYZE)`; a plain
 * `VACUUM` without statistics made the planner pick a scan of 1,664 pages).
 *
 * The owner writes the chunk statement (its table, its columns, its
 * horizon); nothing here knows a table's layout.
 */
import { Duration, Effect } from "effect"
import { type RawBuilder, sql } from "kysely"
import { Db } from "./Db.ts"
import type { DbError } from "./DbError.ts"

export interface PruneTableSpec {
  /** The table, named by the package that owns it. */
  readonly table: string
  /**
   * One chunk: a statement deleting at most `limit` rows past the horizon, reaching them through an
   * index (e.g. `DELETE FROM t WHERE id IN (SELECT id FROM t WHERE at < … ORDER BY at LIMIT n)`).
   */
  readonly deleteChunk: (limit: number) => RawBuilder<unknown>
  /** Rows per chunk; default 5,000. */
  readonly chunk?: number | undefined
  /**
   * `after-deletes` (default): VACUUM only when the round deleted rows. `always`: also when it did
   * not, for a table whose rows are updated (each update leaves a dead row version behind).
   */
  readonly vacuum?: "after-deletes" | "always"
}

const defaultChunk = 5_000

/** The instant `horizon` before the database's `now()`, for a chunk statement's `WHERE at < …`. */
export const horizonCutoff = (horizon: Duration.Input): RawBuilder<unknown> =>
  sql`now() - make_interval(secs => ${Duration.toSeconds(Duration.fromInputUnsafe(horizon))})`

/** Deletes every row the chunk statement selects, chunk by chunk, then vacuums; returns how many it deleted. */
export const pruneTable = (spec: PruneTableSpec): Effect.Effect<number, DbError, Db> =>
  Effect.gen(function* () {
    const db = yield* Db
    const limit = Math.max(1, spec.chunk ?? defaultChunk)
    let total = 0
    while (true) {
      const result = yield* db.use(`${spec.table}.prune`, (k) => spec.deleteChunk(limit).execute(k))
      const deleted = Number(result.numAffectedRows ?? 0n)
      total += deleted
      if (deleted < limit) break
    }
    if (total > 0 || spec.vacuum === "always") {
      yield* db.use(`${spec.table}.vacuum`, (k) => sql`VACUUM (ANALYZE) ${sql.table(spec.table)}`.execute(k))
    }
    return total
  })
