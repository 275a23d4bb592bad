/**
 * The region deployable: one process per region. Composes every Layer and
 * launches. Boot order (by Layer dependencies): config from `sites/` ->
 * logger -> Postgres (migrations) + NATS -> readiness -> HTTP server.
 * A bad site file or an unknown region stops the launch with a message that
 * names the file and field.
 */
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { createServer } from "node:http"
import { NatsConnection } from "@logimesh/bus"
import { ConfigFileError, ProcessSettings } from "@logimesh/config"
import { Db, runMigrations } from "@logimesh/db"
import { PinoLoggerLayer } from "@logimesh/logging"
import { HealthRoutes } from "./HealthRoutes.ts"
import { Readiness } from "./Readiness.ts"
import { RegionContext } from "./RegionContext.ts"
import { regionMigrations } from "./regionMigrations.ts"

const LoggerLive = Layer.unwrap(
  Effect.map(Effect.option(ProcessSettings.regionId), (region) =>
    PinoLoggerLayer(region._tag === "Some" ? { service: "region", region: region.value } : { service: "region" }))
)

const MigrationsLive = Layer.effectDiscard(runMigrations(regionMigrations))

const HttpLive = NodeHttpServer.layerConfig(createServer, {
  port: ProcessSettings.httpPort,
  host: ProcessSettings.httpHost
})

export const RegionLive = HttpRouter.serve(HealthRoutes).pipe(
  Layer.provide(Readiness.layer),
  Layer.provide(MigrationsLive),
  Layer.provide(Layer.mergeAll(Db.layer, NatsConnection.layer, RegionContext.layer, HttpLive))
)

Layer.launch(RegionLive).pipe(
  // A bad config file is an operator's mistake, not a bug: say which file and field, without a stack.
  Effect.tapError((error) =>
    error._tag === "ConfigFileError" ? Effect.logError(`region cannot start: ${error.message}`) : Effect.void
  ),
  Effect.tapCause((cause) =>
    Cause.hasFails(cause) && Cause.squash(cause) instanceof ConfigFileError
      ? Effect.void
      : Effect.logError("region failed", cause)
  ),
  Effect.provide(LoggerLive),
  (program) => NodeRuntime.runMain(program, { disableErrorReporting: true })
)
