/**
 * The region deployable: one process per region. Composes every Layer and
 * launches. Boot order (by Layer dependencies): config from `sites/` ->
 * logger -> Postgres (migrations) + NATS -> governance (validated against
 * the mesh), readiness, parked messages, outbox relay, retention job -> the
 * business modules (one engine each on `COMMANDS_<region>`, flows in their
 * outbox, paused by the dependency monitor while Postgres is down), one
 * command gateway per site (its SITE_EVENTS) -> the authenticator (API keys
 * in Postgres, JWTs of the configured issuer) -> HTTP server, every route
 * behind `AuthMiddleware` but `/healthz`, `/readyz` and the OpenAPI document (health, the
 * `/v1` command and query API, `/v1/parked`, `/v1/governance`, `/v1/sites`
 * and its reload, `/v1/backlog` and `/metrics`) -> the bound HTTP port written
 * to `LOGIMESH_PORTS_FILE` when set (`HTTP_PORT=0`: BoundPortsFile.ts). A bad site or governance
 * file, or an unknown region, stops the launch with a message that names the
 * file and field.
 */
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Layer, References } from "effect"
import { HttpRouter } from "effect/http"
import { createServer } from "node:http"
import { ConsumerRunner, JetStreamPublisher, NatsConnection } from "@logimesh/bus"
import { ConfigFileError, ProcessSettings } from "@logimesh/config"
import { Db, runMigrations } from "@logimesh/db"
import { CommitNotifier, EngineQueries, FaultInjector, OutboxHandoff, ParkedMessages, runOutboxRelay } from "@logimesh/engine"
import { OwnershipGuard } from "@logimesh/governance"
import { PinoLoggerLayer } from "@logimesh/logging"
import { CommandGateway } from "./api/CommandGateway.ts"
import { CommandRoutes } from "./api/CommandRoutes.ts"
import { EntityQueries } from "./api/EntityQueries.ts"
import { IdempotencyStore } from "./api/IdempotencyStore.ts"
import { QueryRoutes } from "./api/QueryRoutes.ts"
import { RateLimits } from "./api/RateLimits.ts"
import { ReferenceDataService } from "./api/ReferenceDataService.ts"
import { Admission } from "./degraded/Admission.ts"
import { Backlog } from "./degraded/Backlog.ts"
import { BacklogRoutes } from "./degraded/BacklogRoutes.ts"
import { DependencyMonitor } from "./degraded/DependencyMonitor.ts"
import { BoundPortsFile } from "./BoundPortsFile.ts"
import { GovernanceRoutes } from "./GovernanceRoutes.ts"
import { ModuleEngines } from "./modules/ModuleEngines.ts"
import { ApiKeyStore } from "./auth/ApiKeyStore.ts"
import { AuthMiddleware } from "./auth/AuthMiddleware.ts"
import { Authenticator } from "./auth/Authenticator.ts"
import { HealthRoutes } from "./HealthRoutes.ts"
import { ParkedReplay } from "./ParkedReplay.ts"
import { ParkedRoutes } from "./ParkedRoutes.ts"
import { Reconciliation } from "./reconciliation/Reconciliation.ts"
import { ReconciliationRoutes } from "./reconciliation/ReconciliationRoutes.ts"
import { SiteLagMonitor } from "./reconciliation/SiteLagMonitor.ts"
import { SiteLagRoutes } from "./reconciliation/SiteLagRoutes.ts"
import { Readiness } from "./Readiness.ts"
import { RegionContext } from "./RegionContext.ts"
import { RegionGovernance } from "./RegionGovernance.ts"
import { RetentionJob } from "./RetentionJob.ts"
import { SiteDirectory } from "./sites/SiteDirectory.ts"
import { SiteGateways } from "./sites/SiteGateways.ts"
import { MasterDataLive } from "./sites/MasterDataPublisher.ts"
import { SiteRoutes } from "./sites/SiteRoutes.ts"
import { regionMigrations } from "./regionMigrations.ts"

const LoggerLive = Layer.unwrap(
  Effect.map(Effect.all([Effect.option(ProcessSettings.regionId), ProcessSettings.logLevel]), ([region, level]) =>
    Layer.merge(
      PinoLoggerLayer(region._tag === "Some" ? { service: "region", region: region.value } : { service: "region" }),
      Layer.succeed(References.MinimumLogLevel, level)
    )
  )
)

const MigrationsLive = Layer.effectDiscard(runMigrations(regionMigrations))

const HttpLive = NodeHttpServer.layerConfig(createServer, {
  port: ProcessSettings.httpPort,
  host: ProcessSettings.httpHost
})

/**
 * Parked messages (operator API), the engine's read queries (API, reconciliation) and the one outbox relay of the region, named after it, fed in memory
 * by every module engine's committers through the `OutboxHandoff` this layer also provides to them.
 */
const EngineLive = Layer.unwrap(
  RegionContext.useSync((context) =>
    Layer.mergeAll(
      ParkedMessages.layer(context.region.id),
      EngineQueries.layer,
      CommitNotifier.layer,
      Layer.effectDiscard(OutboxHandoff.use((handoff) => runOutboxRelay({ region: context.region.id, handoff })))
    )
  )
).pipe(Layer.provideMerge(OutboxHandoff.layer), Layer.provide(Layer.mergeAll(JetStreamPublisher.layer, FaultInjector.layer)))

/** The dependency gate's Postgres probe has its own connection: a busy pool must not look like an outage. */
const DependencyMonitorLive = DependencyMonitor.layer.pipe(Layer.provide(Db.probeLayer))

/**
 * The query API's reads (snapshots, timelines) on their own small pool with a statement timeout
 * (`Db.apiReadLayer`): a slow read answers 503 and never holds a connection the engine's writes need.
 */
const ApiReadsLive = Layer.unwrap(
  SiteDirectory.useSync((directory) =>
    EntityQueries.layer.pipe(
      Layer.provide(
        Layer.merge(
          EngineQueries.layer,
          OwnershipGuard.layerFromCurrent(() => directory.current().governance.ownership)
        )
      ),
      Layer.provide(Db.apiReadLayer)
    )
  )
)

/** The business modules and what the command API needs to reach them. */
const ModulesLive = Layer.mergeAll(ModuleEngines.layer, CommandGateway.layer, IdempotencyStore.layer, ApiReadsLive, RateLimits.layer).pipe(
  Layer.provide(Layer.mergeAll(JetStreamPublisher.layer, ConsumerRunner.layer, FaultInjector.layer))
)

/** One command gateway per site served (its SITE_EVENTS, sourced at the hub), following site reloads. */
const SiteGatewaysLive = Layer.merge(SiteGateways.layer, MasterDataLive).pipe(Layer.provide(Layer.mergeAll(JetStreamPublisher.layer, ConsumerRunner.layer)))

/** Reconciliation (`/v1/reconciliation`) and the per-site source lag monitor, following the live site list. */
const ReconciliationLive = Layer.mergeAll(
  Reconciliation.layer,
  Layer.unwrap(
    Effect.gen(function* () {
      const directory = yield* SiteDirectory
      return SiteLagMonitor.layerWith({ sites: Effect.sync(() => directory.current().sites) })
    })
  )
)

export const RegionLive = HttpRouter.serve(
  Layer.mergeAll(HealthRoutes, ParkedRoutes, GovernanceRoutes, CommandRoutes, QueryRoutes, SiteRoutes, BacklogRoutes, ReconciliationRoutes, SiteLagRoutes).pipe(
    Layer.provide(AuthMiddleware)
  )
).pipe(
  Layer.provide(Authenticator.layer.pipe(Layer.provide(ApiKeyStore.layer))),
  Layer.provide(ReconciliationLive),
  Layer.provide(ParkedReplay.layer.pipe(Layer.provide(JetStreamPublisher.layer))),
  Layer.provide(SiteGatewaysLive),
  Layer.provide(Admission.layer),
  Layer.provide(Backlog.layer),
  Layer.provide(ReferenceDataService.layer),
  Layer.provide(ModulesLive.pipe(Layer.provideMerge(Layer.mergeAll(Readiness.layer, EngineLive, RetentionJob.layer, RegionGovernance, DependencyMonitorLive)))),
  Layer.provide(MigrationsLive),
  Layer.provideMerge(SiteDirectory.layer),
  Layer.provide(Layer.mergeAll(Db.layer, NatsConnection.layer, RegionContext.layer)),
  Layer.provideMerge(HttpLive)
)

Layer.launch(BoundPortsFile.pipe(Layer.provide(RegionLive))).pipe(
  // A bad config file is an operator's mistake, not a bug: say which file and field, without a stack.
  Effect.tapError((error) => (error._tag === "ConfigFileError" ? Effect.logError(`region cannot start: ${error.message}`) : Effect.void)),
  Effect.tapCause((cause) => (Cause.hasFails(cause) && Cause.squash(cause) instanceof ConfigFileError ? Effect.void : Effect.logError("region failed", cause))),
  Effect.provide(LoggerLive),
  (program) => NodeRuntime.runMain(program, { disableErrorReporting: true })
)
