/**
 * The one place the test harness reads its environment:
 *
 *   LOGIMESH_TEST_PG_URL    which Postgres server test databases are created on
 *                           (a superuser URL on the server's maintenance database;
 *                           default the machine's server on 127.0.0.1:5432)
 *   LOGIMESH_TEST_BACKEND   `process` (default: local nats-server processes and
 *                           that Postgres) or `containers` (testcontainers; fails
 *                           fast when no Docker engine answers, see selectTestBackend.ts)
 */
import { Config, Effect } from "effect"

export const DEFAULT_TEST_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"

export const testPostgresUrlConfig = Config.String("LOGIMESH_TEST_PG_URL").pipe(Config.withDefault(DEFAULT_TEST_PG_URL))

/** Resolves the admin URL test databases are created through (process backend). */
export const testPostgresUrl = (): string => Effect.runSync(testPostgresUrlConfig)

export const TEST_BACKENDS = ["process", "containers"] as const
export type TestBackend = (typeof TEST_BACKENDS)[number]

export const testBackendConfig = Config.Literals(TEST_BACKENDS, "LOGIMESH_TEST_BACKEND").pipe(Config.withDefault("process" as const))

/** The backend asked for by the environment; an unknown value throws naming the variable. */
export const testBackendSetting = (): TestBackend => Effect.runSync(testBackendConfig)
