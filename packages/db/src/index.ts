/**
 * @logimesh/db — Postgres through Kysely inside an Effect service, a migration
 * runner, `DbError` whose reason says whether a retry can help, and
 * `pruneTable` (chunked deletes + VACUUM) for the packages' retention, and
 * `listenChannel` (a dedicated connection `LISTEN`ing on a notification channel).
 */
export { Db, type DbOptions, type DbShape, type NoTables } from "./Db.ts"
export {
  classifyDbError,
  ConnectionLost,
  ConstraintViolation,
  Deadlock,
  DbError,
  DbErrorReason,
  QueryFailed,
  ResourceBusy,
  SerializationFailure,
  UniqueViolation
} from "./DbError.ts"
export { type ListenChannelOptions, listenChannel } from "./listenChannel.ts"
export { type MigrationReport, type Migrations, runMigrations } from "./Migrator.ts"
export { horizonCutoff, pruneTable, type PruneTableSpec } from "./pruneTable.ts"
