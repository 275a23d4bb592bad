/**
 * Batched activation: actors that need their state ask the loader, which
 * reads every key queued meanwhile in ONE query (`loadEntities`). While a
 * load is in flight the next keys queue up, so batches grow with the load
 * and an idle engine still answers a single activation at once.
 *
 * Loading is a read of committed rows only (the actor's cache); correctness
 * stays with the committer's version check.
 */
import { Deferred, Effect, Queue, Result, type Scope } from "effect"
import type { Db, DbError } from "@logimesh/db"
import type { EntityDefinition } from "./EntityDefinition.ts"
import { loadEntities, type LoadedEntity } from "./loadEntity.ts"

export interface EntityLoader<State> {
  readonly load: (key: string) => Effect.Effect<LoadedEntity<State>, DbError>
}

interface Pending<State> {
  readonly key: string
  readonly done: Deferred.Deferred<LoadedEntity<State>, DbError>
}

export interface EntityLoaderOptions {
  /** Keys per query at most; default 500. */
  readonly maxBatch?: number
  /** Queries in flight at once; default 2. */
  readonly loaders?: number
}

/** Starts the loader fibers in the current scope. */
export const makeEntityLoader = <C, E, S, R>(
  entity: EntityDefinition<C, E, S, R>,
  options: EntityLoaderOptions = {}
): Effect.Effect<EntityLoader<S>, never, Db | Scope.Scope> =>
  Effect.gen(function* () {
    const maxBatch = Math.max(1, options.maxBatch ?? 500)
    const queue = yield* Queue.unbounded<Pending<S>>()

    const loader = Effect.gen(function* () {
      const batch = yield* Queue.takeBetween(queue, 1, maxBatch)
      const exit = yield* Effect.exit(loadEntities(entity, [...new Set(batch.map((p) => p.key))]))
      for (const p of batch) {
        if (exit._tag === "Failure") Deferred.doneUnsafe(p.done, Effect.failCause(exit.cause))
        else {
          const loaded = exit.value.get(p.key)
          Deferred.doneUnsafe(
            p.done,
            loaded === undefined
              ? Effect.die(new Error(`engine load: no row for ${p.key}`))
              : // A key that does not decode fails alone (a defect), never its batch.
                Result.isSuccess(loaded)
                ? Effect.succeed(loaded.success)
                : Effect.die(loaded.failure)
          )
        }
      }
    }).pipe(Effect.forever)

    for (let i = 0; i < Math.max(1, options.loaders ?? 2); i++) yield* Effect.forkScoped(loader)

    return {
      load: (key) =>
        Effect.suspend(() => {
          const done = Deferred.makeUnsafe<LoadedEntity<S>, DbError>()
          Queue.offerUnsafe(queue, { key, done })
          return Deferred.await(done)
        })
    }
  })
