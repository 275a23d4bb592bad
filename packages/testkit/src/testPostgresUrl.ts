/**
 * The one place the test harness reads its environment: which Postgres server
 * test databases are created on. `LOGIMESH_TEST_PG_URL` overrides the local
 * default (a superuser URL on the server's maintenance database).
 */
import { Config, Effect } from "effect"

export const DEFAULT_TEST_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"

export const testPostgresUrlConfig = Config.String("LOGIMESH_TEST_PG_URL").pipe(Config.withDefault(DEFAULT_TEST_PG_URL))

/** Resolves the admin URL test databases are created through. */
export const testPostgresUrl = (): string => Effect.runSync(testPostgresUrlConfig)
