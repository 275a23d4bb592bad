/**
 * The API key store outside the region process, for tools holding the
 * region's `DATABASE_URL`: `npm run credentials` and the topology (which
 * issues keys for the simulators and operator scripts when it starts a
 * region). Runs the region's migrations first (all of them: the migrator
 * refuses a database that has migrations the list lacks; each is recorded
 * once), then `use`, and closes the connection; logs below warnings are
 * dropped (the caller's output is its own).
 */
import { Effect, Layer, Redacted, References } from "effect"
import { Db, runMigrations } from "@logimesh/db"
import { regionMigrations } from "../regionMigrations.ts"
import { ApiKeyStore } from "./ApiKeyStore.ts"

export const withApiKeyStore = <A, E>(databaseUrl: string, use: (store: ApiKeyStore["Service"]) => Effect.Effect<A, E>): Promise<A> =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* runMigrations(regionMigrations)
      return yield* use(yield* ApiKeyStore)
    }).pipe(
      Effect.provide(
        ApiKeyStore.layer.pipe(
          Layer.provideMerge(Db.layerFrom({ url: Redacted.make(databaseUrl), maxConnections: 1, applicationName: "logimesh-credentials" }))
        )
      ),
      Effect.scoped,
      // A tool's output is its own (the CLI prints a key as JSON): no info lines from the migrator.
      Effect.provideService(References.MinimumLogLevel, "Warn")
    )
  )
