/**
 * Runs schema migrations with Kysely's migrator. Each module contributes its
 * own named migrations (`<module>/<nnnn>_<what>`); the region collects them
 * and runs them at boot. Migrations are applied once and recorded in
 * `logimesh_migration`; a failed one stops the boot with its name.
 */
import { Effect } from "effect"
import { type Migration, Migrator } from "kysely/migration"
import { Db } from "./Db.ts"
import { classifyDbError, type DbError } from "./DbError.ts"

export type Migrations = Readonly<Record<string, Migration>>

export interface MigrationReport {
  readonly applied: ReadonlyArray<string>
}

export const runMigrations = (migrations: Migrations): Effect.Effect<MigrationReport, DbError, Db> =>
  Effect.gen(function* () {
    const db = yield* Db
    const migrator = new Migrator({
      db: db.kysely,
      provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
      migrationTableName: "logimesh_migration",
      migrationLockTableName: "logimesh_migration_lock",
      allowUnorderedMigrations: true
    })
    const result = yield* Effect.tryPromise({
      try: () => migrator.migrateToLatest(),
      catch: (cause) => classifyDbError("db.migrate", cause)
    })
    if (result.error !== undefined) {
      const failed = result.results?.find((r) => r.status === "Error")?.migrationName ?? "(unknown)"
      return yield* Effect.fail(classifyDbError(`db.migrate ${failed}`, result.error))
    }
    const applied = (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName)
    yield* Effect.logInfo("migrations applied").pipe(Effect.annotateLogs({ applied: applied.join(",") || "none" }))
    return { applied }
  })
