/**
 * The region's retention job: one fiber in the Layer's scope that, at boot
 * and then every `retention.pruneEveryMinutes` (`sites/mesh.json`), has each
 * package prune its own tables with its horizon, in bounded chunks, and
 * vacuum them (nothing here waits for autovacuum):
 *
 *   engine      engine_inbox (inboxHours), engine_outbox sent rows (outboxSentHours; unsent rows
 *               never), engine_parked replayed rows (replayedParkedHours)
 *   api         api_idempotency (apiIdempotencyHours, at least 72 h)
 *   governance  governance_ownership_rejection (ownershipRejectionHours)
 *
 * A failing step is logged and does not stop the others; the next round
 * tries again. Each round logs what it deleted per table.
 */
import { Duration, Effect, Layer, Result } from "effect"
import type { RetentionSettings } from "@logimesh/config"
import type { Db, DbError } from "@logimesh/db"
import { pruneEngineTables } from "@logimesh/engine"
import { pruneOwnershipRejections } from "@logimesh/governance"
import { pruneIdempotencyKeys } from "./api/IdempotencyStore.ts"
import { RegionContext } from "./RegionContext.ts"

export interface RetentionRound {
  /** Rows deleted per table. */
  readonly deleted: Readonly<Record<string, number>>
  /** Steps that failed, with their error (retried next round). */
  readonly failed: Readonly<Record<string, string>>
}

/** One round over every table the region prunes; never fails (a failed step is reported in `failed`). */
export const runRetentionRound = (retention: RetentionSettings): Effect.Effect<RetentionRound, never, Db> =>
  Effect.gen(function* () {
    const hours = (n: number) => Duration.hours(n)
    const steps: ReadonlyArray<readonly [string, Effect.Effect<Readonly<Record<string, number>>, DbError, Db>]> = [
      [
        "engine",
        pruneEngineTables({
          inbox: hours(retention.inboxHours),
          outboxSent: hours(retention.outboxSentHours),
          replayedParked: hours(retention.replayedParkedHours)
        })
      ],
      ["api", Effect.map(pruneIdempotencyKeys(hours(retention.apiIdempotencyHours)), (n) => ({ api_idempotency: n }))],
      ["governance", Effect.map(pruneOwnershipRejections(hours(retention.ownershipRejectionHours)), (n) => ({ governance_ownership_rejection: n }))]
    ]
    const deleted: Record<string, number> = {}
    const failed: Record<string, string> = {}
    for (const [name, step] of steps) {
      const outcome = yield* Effect.result(step)
      if (Result.isSuccess(outcome)) Object.assign(deleted, outcome.success)
      else failed[name] = outcome.failure.message
    }
    return { deleted, failed }
  })

export const RetentionJob = {
  /** Runs a round at boot and then every `pruneEveryMinutes`, until the scope closes. */
  layer: Layer.effectDiscard(
    Effect.gen(function* () {
      const { mesh } = yield* RegionContext
      const retention = mesh.settings.retention
      const round = Effect.gen(function* () {
        const started = Date.now()
        const result = yield* runRetentionRound(retention)
        yield* Effect.logInfo("retention round").pipe(Effect.annotateLogs({ ...result.deleted, ms: Date.now() - started }))
        for (const [step, error] of Object.entries(result.failed)) {
          yield* Effect.logWarning("retention step failed; retried next round").pipe(Effect.annotateLogs({ step, error }))
        }
      })
      yield* round.pipe(Effect.andThen(Effect.sleep(Duration.minutes(retention.pruneEveryMinutes))), Effect.forever, Effect.forkScoped)
    })
  )
}
