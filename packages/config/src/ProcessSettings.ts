/**
 * The one place that reads the process environment. Every package gets its
 * runtime settings from these `Config` values; nobody reads `process.env`.
 */
import { Config, Schema } from "effect"

/** Directory holding `mesh.json` and the region folders. */
export const sitesDir = Config.String("LOGIMESH_SITES_DIR").pipe(Config.withDefault("sites"))

/** The region this process serves. */
export const regionId = Config.String("LOGIMESH_REGION")

export const natsUrl = Config.String("NATS_URL").pipe(Config.withDefault("nats://127.0.0.1:4222"))

/**
 * The NKey seed file this process authenticates to NATS with (the topology hands each process its
 * own user's seed, under its git-ignored secrets dir); unset: no credentials (an anonymous server).
 */
export const natsSeedFile = Config.option(Config.String("NATS_NKEY_SEED_FILE"))

/** The CA that signed the NATS servers' certificates, when their client listeners use TLS; unset: plain TCP. */
export const natsCaFile = Config.option(Config.String("NATS_CA_FILE"))

/** Postgres connection string; a secret. */
export const databaseUrl = Config.Redacted("DATABASE_URL")

/** The topology runner: an existing Postgres server for the region databases, instead of private clusters. */
export const existingDatabaseUrl = Config.option(Config.Redacted("DATABASE_URL"))

/** Port of the HTTP API; 0 lets the kernel pick one (reported through `portsFile`). */
export const httpPort = Config.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 })), "HTTP_PORT").pipe(Config.withDefault(8080))

/**
 * Where to write the ports this process bound, once it serves: `{"http":N}` (the topology runner and
 * the tests start a region on `HTTP_PORT=0` and read it there). Unset: no file.
 */
export const portsFile = Config.option(Config.String("LOGIMESH_PORTS_FILE"))

/** Interface the HTTP server binds; 0.0.0.0 inside a container. */
export const httpHost = Config.String("HTTP_HOST").pipe(Config.withDefault("127.0.0.1"))

export const logLevel = Config.LogLevel("LOG_LEVEL").pipe(Config.withDefault("Info" as const))

/**
 * Fault injection for crash drills (tests only): `point:probability` pairs separated by commas,
 * e.g. `after-commit:0.05,nak:0.1`. Points: `before-commit`, `after-commit`, `after-publish`
 * (SIGKILL the process there) and `nak` (fail the step as retryable). Empty = no faults.
 */
export const crashAt = Config.String("LOGIMESH_CRASH_AT").pipe(Config.withDefault(""))
