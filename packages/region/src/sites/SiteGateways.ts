/**
 * Runs, for each site the region serves now, the consumers that bring the
 * site's commands in (`CommandMessageHandler`):
 *   - `region_<region>_<site>` on HUB_SITE_EVENTS: what the site's own systems
 *     sent into their leaf; answered on `sys.wes.<site>.outcome`;
 *   - `region_<region>_<site>_ingress` on INGRESS: what the ERP or dispatch
 *     sent for this ship-from site (region-aware routing); answered on
 *     `sys.erp.outcome` / `sys.dispatch.outcome`;
 * plus the shared `mesh_unrouted` consumer that parks commands for sites no
 * region serves. It follows the `SiteDirectory`: a site added by a reload
 * gets its consumers (definitions from the mesh plan, applied idempotently
 * first); a disabled site's consumers are stopped (their messages stay in
 * the hub streams). A consumer that cannot start yet (mesh streams not
 * applied) is retried every few seconds without stopping the region. Every
 * consumer runs behind the region's dependency gate (paused while Postgres
 * is down, spending no deliveries).
 */
import { Context, Duration, Effect, Exit, Layer, Schedule, Scope } from "effect"
import {
  applyStreams,
  type BusMessage,
  type ConsumerDefinition,
  ConsumerRunner,
  consumerTarget,
  exhaustedLaneName,
  type JetStreamPublisher,
  meshStreamPlan,
  NatsConnection,
  type Outcome,
  siteConsumerName,
  siteIngressConsumerName,
  type StreamPlan,
  StreamNames,
  UNROUTED_CONSUMER
} from "@logimesh/bus"
import { HUB_DOMAIN } from "@logimesh/config"
import type { EngineQueries, ParkedMessages } from "@logimesh/engine"
import type { OwnershipGuard } from "@logimesh/governance"
import type { Principal } from "../auth/Principal.ts"
import type { CommandGateway } from "../api/CommandGateway.ts"
import type { EntityQueries } from "../api/EntityQueries.ts"
import { DependencyMonitor } from "../degraded/DependencyMonitor.ts"
import type { IdempotencyStore } from "../api/IdempotencyStore.ts"
import type { ReferenceDataService } from "../api/ReferenceDataService.ts"
import { commandMessageHandler } from "./CommandMessageHandler.ts"
import { SiteDirectory, type SiteView } from "./SiteDirectory.ts"
import { unroutedIngressHandler } from "./UnroutedIngress.ts"

export interface SiteGatewaysShape {
  /** Sites whose consumers are all running. */
  readonly running: () => ReadonlyArray<string>
}

/** Messages of one consumer handled at once (different orders; one order's steps wait on each other at the sender). */
const gatewayConcurrency = 32

/** INGRESS carries the central systems' commands; a site's systems send through their own leaf. */
const fromCentral = (sender: Principal): boolean => sender.system === "ERP" || sender.system === "DISPATCH"

type Services = CommandGateway | IdempotencyStore | OwnershipGuard | ReferenceDataService | JetStreamPublisher | ParkedMessages | EngineQueries | EntityQueries

export class SiteGateways extends Context.Service<SiteGateways, SiteGatewaysShape>()("logimesh/region/SiteGateways") {
  static readonly layer = Layer.effect(
    SiteGateways,
    Effect.gen(function* () {
      const directory = yield* SiteDirectory
      const runner = yield* ConsumerRunner
      // Paused, without spending deliveries, while Postgres is down (degraded mode), like the module consumers.
      const { gate } = yield* DependencyMonitor
      const services = yield* Effect.context<Services>()
      const nats = yield* NatsConnection
      const layerScope = yield* Effect.scope
      const region = directory.current().region.id
      const scopes = new Map<string, Scope.Closeable>()
      const started = new Map<string, number>()

      /** Applies the consumer's definition (and its exhausted lane's), then runs it in `scope`; retried until it starts. */
      const launch = (
        scope: Scope.Closeable,
        plan: StreamPlan,
        definition: ConsumerDefinition,
        handler: (message: BusMessage) => Effect.Effect<Outcome, unknown, Services>,
        label: Readonly<Record<string, string>>,
        onRunning: () => void
      ) =>
        applyStreams({
          streams: [],
          consumers: plan.consumers.filter((c) => c.name === definition.name || c.name === exhaustedLaneName(definition.name))
        }).pipe(
          Effect.provideService(NatsConnection, nats),
          Effect.andThen(
            runner.run({
              ...consumerTarget(definition),
              concurrency: gatewayConcurrency,
              // A handling may wait for its commit: fetch no more than can start, so nothing waits unkept past ack_wait.
              prefetch: gatewayConcurrency,
              gate,
              handler: (message) => handler(message).pipe(Effect.provideContext(services))
            })
          ),
          Effect.tap(() => Effect.sync(onRunning)),
          Effect.tap(() => Effect.logInfo("consumer running").pipe(Effect.annotateLogs({ ...label, consumer: definition.name }))),
          Effect.tapError((error) =>
            Effect.logWarning("consumer not started yet; retrying").pipe(Effect.annotateLogs({ ...label, consumer: definition.name, error: error.message }))
          ),
          Effect.retry(Schedule.spaced(Duration.seconds(3))),
          Scope.provide(scope),
          Effect.forkIn(scope)
        )

      const start = (view: SiteView, site: string) =>
        Effect.gen(function* () {
          const plan = meshStreamPlan(view.mesh)
          const events = plan.consumers.find((c) => c.name === siteConsumerName(region, site))
          const ingress = plan.consumers.find((c) => c.name === siteIngressConsumerName(region, site))
          if (events === undefined || ingress === undefined) {
            return yield* Effect.logWarning("no site consumers planned").pipe(Effect.annotateLogs({ site }))
          }
          const scope = yield* Scope.fork(layerScope)
          scopes.set(site, scope)
          started.set(site, 0)
          const up = () => started.set(site, (started.get(site) ?? 0) + 1)
          // Only the site's own systems send through its leaf (today: its WES); ERP and dispatch use INGRESS or HTTP.
          const fromSite = (sender: Principal) => sender.system === "WES" && sender.site === site
          const handler = (from: string, accepts: (sender: Principal) => boolean, maxDeliver: number) =>
            commandMessageHandler({ region, from, accepts, maxDeliver, maxBodyBytes: view.mesh.settings.api.maxBodyBytes })
          yield* launch(scope, plan, events, handler(`site ${site}`, fromSite, events.maxDeliver), { site }, up)
          yield* launch(scope, plan, ingress, handler(`ingress ${site}`, fromCentral, ingress.maxDeliver), { site }, up)
        })

      /** Nothing pending or unacked on the site's two consumers (bounded: a consumer that cannot be read counts as drained). */
      const drained = (site: string) =>
        Effect.gen(function* () {
          const jsm = yield* nats.jetstreamManager(HUB_DOMAIN)
          const left = yield* Effect.forEach(
            [
              [StreamNames.hubSiteEvents, siteConsumerName(region, site)],
              [StreamNames.ingress, siteIngressConsumerName(region, site)]
            ] as const,
            ([stream, name]) =>
              Effect.tryPromise(() => jsm.consumers.info(stream, name)).pipe(
                Effect.map((info) => info.num_pending + info.num_ack_pending),
                Effect.timeout(Duration.seconds(2)),
                Effect.orElseSucceed(() => 0)
              )
          )
          return left.every((n) => n === 0)
        }).pipe(Effect.orElseSucceed(() => true))

      const stop = (site: string) =>
        Effect.gen(function* () {
          // Let the consumers finish what the site and INGRESS already hold for it (up to 30 s), so nothing is
          // left in a durable nobody reads; what comes later is parked as SiteDisabled by the unrouted consumer.
          yield* drained(site).pipe(
            Effect.repeat({ until: (done) => done, schedule: Schedule.spaced(Duration.millis(500)) }),
            Effect.timeout(Duration.seconds(30)),
            Effect.ignore
          )
          const scope = scopes.get(site)
          scopes.delete(site)
          started.delete(site)
          if (scope !== undefined) yield* Scope.close(scope, Exit.void)
          yield* Effect.logInfo("site consumers stopped").pipe(Effect.annotateLogs({ site }))
        })

      const initial = directory.current()
      const initialPlan = meshStreamPlan(initial.mesh)
      const unrouted = initialPlan.consumers.find((c) => c.name === UNROUTED_CONSUMER)
      if (unrouted !== undefined) {
        const handler = unroutedIngressHandler(directory.current)
        yield* launch(
          yield* Scope.fork(layerScope),
          initialPlan,
          unrouted,
          (m) => handler(m).pipe(Effect.provideService(NatsConnection, nats)),
          {},
          () => undefined
        )
      }
      for (const site of initial.sites) yield* start(initial, site.id)
      yield* directory.listen((view, change) =>
        Effect.gen(function* () {
          for (const site of change.removed) yield* stop(site)
          for (const site of change.added) yield* start(view, site)
        })
      )
      return SiteGateways.of({ running: () => [...started.entries()].filter(([, n]) => n >= 2).map(([site]) => site) })
    })
  )
}
