/**
 * The database service: Kysely over a pg pool, wrapped so every call is an
 * Effect that fails with a classified `DbError`. Modules declare their own
 * table types and reach them with `db.withTables<MyTables>()`; they never
 * touch another module's tables.
 */
import { type Config, Context, Effect, Layer, Redacted } from "effect"
import { Kysely, PostgresDialect, type Transaction } from "kysely"
import pg from "pg"
import { ProcessSettings } from "@logimesh/config"
import { classifyDbError, type DbError } from "./DbError.ts"

// biome-ignore lint/complexity/noBannedTypes: Kysely's "no tables declared" database type is the empty object type
export type NoTables = {}

export interface DbShape {
  readonly kysely: Kysely<NoTables>
  /** Runs one query (or several) outside a transaction. */
  readonly use: <A>(operation: string, run: (db: Kysely<NoTables>) => Promise<A>) => Effect.Effect<A, DbError>
  /** Runs `run` in one transaction; it commits when the promise resolves. */
  readonly transaction: <A>(operation: string, run: (tx: Transaction<NoTables>) => Promise<A>) => Effect.Effect<A, DbError>
  /** A cheap round trip for readiness checks. */
  readonly ping: Effect.Effect<void, DbError>
}

export interface DbOptions {
  readonly url: Redacted.Redacted<string>
  readonly maxConnections?: number
  readonly applicationName?: string
  /** Postgres cancels a statement of this pool's connections after this long (`statement_timeout`; SQLSTATE 57014). */
  readonly statementTimeoutMs?: number
}

const make = (options: DbOptions) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const pool = new pg.Pool({
        connectionString: Redacted.value(options.url),
        max: options.maxConnections ?? 8,
        application_name: options.applicationName ?? "logimesh",
        connectionTimeoutMillis: 5_000,
        ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs })
      })
      // A client losing its connection must not crash the process: idle ones emit on the pool, and a
      // checked-out one (e.g. a transaction waiting on something else) emits on itself. The next (or
      // pending) call on it fails and reports the loss as a retryable `ConnectionLost`.
      pool.on("error", () => undefined)
      pool.on("connect", (client) => client.on("error", () => undefined))
      return new Kysely<NoTables>({ dialect: new PostgresDialect({ pool }) })
    }),
    (kysely) => Effect.promise(() => kysely.destroy())
  ).pipe(
    Effect.map((kysely): DbShape => {
      const use = <A>(operation: string, run: (db: Kysely<NoTables>) => Promise<A>) =>
        Effect.tryPromise({ try: () => run(kysely), catch: (cause) => classifyDbError(operation, cause) })
      return {
        kysely,
        use,
        transaction: (operation, run) =>
          Effect.tryPromise({
            try: () => kysely.transaction().execute(run),
            catch: (cause) => classifyDbError(operation, cause)
          }),
        ping: use("db.ping", (db) => db.selectNoFrom((eb) => eb.lit(1).as("one")).execute()).pipe(Effect.asVoid)
      }
    })
  )

export class Db extends Context.Service<Db, DbShape>()("logimesh/db/Db") {
  static readonly layerFrom = (options: DbOptions): Layer.Layer<Db> => Layer.effect(Db, make(options))

  /** Reads `DATABASE_URL` through `ProcessSettings`. */
  static readonly layer: Layer.Layer<Db, Config.ConfigError> = Layer.effect(
    Db,
    Effect.flatMap(ProcessSettings.databaseUrl, (url) => make({ url }))
  )

  /**
   * A separate small pool on `DATABASE_URL` for the API's reads, with a statement timeout
   * (`API_READ_POOL_SIZE`, `API_READ_STATEMENT_TIMEOUT_MS`): a slow read cannot take the writers' connections.
   */
  static readonly apiReadLayer: Layer.Layer<Db, Config.ConfigError> = Layer.effect(
    Db,
    Effect.gen(function* () {
      const url = yield* ProcessSettings.databaseUrl
      const maxConnections = yield* ProcessSettings.apiReadPoolSize
      const statementTimeoutMs = yield* ProcessSettings.apiReadStatementTimeoutMs
      return yield* make({ url, maxConnections, statementTimeoutMs, applicationName: "logimesh-api-read" })
    })
  )

  /** A separate one-connection `Db` on `DATABASE_URL` (a health probe that must not queue behind a busy pool). */
  static readonly probeLayer: Layer.Layer<Db, Config.ConfigError> = Layer.effect(
    Db,
    Effect.flatMap(ProcessSettings.databaseUrl, (url) => make({ url, maxConnections: 1, applicationName: "logimesh-probe" }))
  )
}
