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

/**
 * The `/v1` query API reads on a pool of its own (`API_READ_POOL_SIZE` connections, default 4), each statement
 * cancelled after `API_READ_STATEMENT_TIMEOUT_MS` (default 2000): a slow read answers 503 instead of holding
 * connections the engine's writes need.
 */
export const apiReadPoolSize = Config.schema(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 })), "API_READ_POOL_SIZE").pipe(Config.withDefault(4))
export const apiReadStatementTimeoutMs = Config.schema(
  Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 600_000 })),
  "API_READ_STATEMENT_TIMEOUT_MS"
).pipe(Config.withDefault(2_000))

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

/**
 * JWT settings from the environment, for a deployment that keeps them out of `sites/`: each, when set,
 * overrides the same field of `auth.jwt` in `region.json` (issuer and audience are then required together).
 */
export const jwtIssuer = Config.option(Config.String("LOGIMESH_JWT_ISSUER"))
export const jwtAudience = Config.option(Config.String("LOGIMESH_JWT_AUDIENCE"))
export const jwtJwksUrl = Config.option(Config.String("LOGIMESH_JWT_JWKS_URL"))
export const jwtJwksFile = Config.option(Config.String("LOGIMESH_JWT_JWKS_FILE"))

/** The API key (or JWT) operator CLIs (`npm run parked`, `npm run reconcile`) send; unset: the local topology's admin key. */
export const apiKey = Config.option(Config.Redacted("LOGIMESH_API_KEY"))
