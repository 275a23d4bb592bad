/**
 * Inbox retention: applied message ids are kept for `retention` (default 7
 * days, `LOGIMESH_INBOX_RETENTION`) — as long as any sender may retry — then
 * deleted in chunks by a job that runs in the Layer's scope.
 */
import { Duration, Effect, Layer } from "effect"
import { sql } from "kysely"
import { ProcessSettings } from "@logimesh/config"
import { Db, type DbError } from "@logimesh/db"

/** Deletes inbox rows older than `retention`; returns how many. */
export const pruneInbox = (retention: Duration.Input, chunk = 10_000): Effect.Effect<number, DbError, Db> =>
  Effect.gen(function*() {
    const db = yield* Db
    const seconds = Duration.toSeconds(Duration.fromInputUnsafe(retention))
    let total = 0
    while (true) {
      const result = yield* db.use("engine.inbox.prune", (k) =>
        sql`
          DELETE FROM engine_inbox WHERE msg_id IN (
            SELECT msg_id FROM engine_inbox WHERE received_at < now() - make_interval(secs => ${seconds}) LIMIT ${chunk})`
          .execute(k))
      const deleted = Number(result.numAffectedRows ?? 0n)
      total += deleted
      if (deleted < chunk) return total
    }
  })

export const InboxPruner = {
  /** Prunes every `every` (default 1 h) with the retention from `ProcessSettings.inboxRetention`. */
  layer: (every: Duration.Input = Duration.hours(1)): Layer.Layer<never, never, Db> =>
    Layer.effectDiscard(
      Effect.gen(function*() {
        const retention = yield* ProcessSettings.inboxRetention.pipe(Effect.orElseSucceed(() => Duration.days(7)))
        yield* pruneInbox(retention).pipe(
          Effect.tap((n) => (n > 0 ? Effect.logInfo("inbox pruned").pipe(Effect.annotateLogs({ deleted: n })) : Effect.void)),
          Effect.catch((error) => Effect.logWarning("inbox prune failed").pipe(Effect.annotateLogs({ error: error.message }))),
          Effect.andThen(Effect.sleep(every)),
          Effect.forever,
          Effect.forkScoped
        )
      })
    )
}
