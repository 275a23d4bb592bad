/**
 * Runs one `SiteCommandGateway` consumer per site the region serves now,
 * and follows the `SiteDirectory`: a site added by a reload gets its
 * consumer (its definition from the mesh plan, applied idempotently first),
 * a disabled site's consumer is stopped (its messages stay in the hub stream
 * for when it is enabled again). A consumer that cannot start yet (the
 * mesh streams not applied) is retried every few seconds, without stopping
 * the region. Exposes which sites have a running gateway.
 */
import { Context, Duration, Effect, Exit, Layer, Schedule, Scope } from "effect"
import { applyStreams, ConsumerRunner, consumerTarget, JetStreamPublisher, meshStreamPlan, NatsConnection, siteConsumerName } from "@logimesh/bus"
import { CommandGateway } from "../api/CommandGateway.ts"
import { IdempotencyStore } from "../api/IdempotencyStore.ts"
import { ReferenceDataService } from "../api/ReferenceDataService.ts"
import { ParkedMessages } from "@logimesh/engine"
import { OwnershipGuard } from "@logimesh/governance"
import { siteCommandHandler } from "./SiteCommandGateway.ts"
import { SiteDirectory, type SiteView } from "./SiteDirectory.ts"

export interface SiteGatewaysShape {
  /** Sites whose gateway consumer is running. */
  readonly running: () => ReadonlyArray<string>
}

/** Messages of one site handled at once (different orders; one order's steps wait on each other at the site). */
const gatewayConcurrency = 32

export class SiteGateways extends Context.Service<SiteGateways, SiteGatewaysShape>()("logimesh/region/SiteGateways") {
  static readonly layer = Layer.effect(
    SiteGateways,
    Effect.gen(function*() {
      const directory = yield* SiteDirectory
      const runner = yield* ConsumerRunner
      const services = yield* Effect.context<
        CommandGateway | IdempotencyStore | OwnershipGuard | ReferenceDataService | JetStreamPublisher | ParkedMessages
      >()
      const nats = yield* NatsConnection
      const layerScope = yield* Effect.scope
      const region = directory.current().region.id
      const scopes = new Map<string, Scope.Closeable>()
      const running = new Set<string>()

      const start = (view: SiteView, site: string) =>
        Effect.gen(function*() {
          const definition = meshStreamPlan(view.mesh).consumers.find((c) => c.name === siteConsumerName(region, site))
          if (definition === undefined) return yield* Effect.logWarning("no site consumer planned").pipe(Effect.annotateLogs({ site }))
          const scope = yield* Scope.fork(layerScope)
          scopes.set(site, scope)
          const launch = applyStreams({ streams: [], consumers: [definition] }).pipe(
            Effect.provideService(NatsConnection, nats),
            Effect.andThen(runner.run({
              ...consumerTarget(definition),
              concurrency: gatewayConcurrency,
              handler: (message) => siteCommandHandler(region, site)(message).pipe(Effect.provideContext(services))
            })),
            Effect.tap(() => Effect.sync(() => running.add(site))),
            Effect.tap(() => Effect.logInfo("site gateway running").pipe(Effect.annotateLogs({ site, consumer: definition.name }))),
            Effect.tapError((error) =>
              Effect.logWarning("site gateway not started yet; retrying").pipe(Effect.annotateLogs({ site, error: error.message }))
            ),
            Effect.retry(Schedule.spaced(Duration.seconds(3))),
            Scope.provide(scope)
          )
          yield* Effect.forkIn(launch, scope)
        })

      const stop = (site: string) =>
        Effect.gen(function*() {
          const scope = scopes.get(site)
          scopes.delete(site)
          running.delete(site)
          if (scope !== undefined) yield* Scope.close(scope, Exit.void)
          yield* Effect.logInfo("site gateway stopped").pipe(Effect.annotateLogs({ site }))
        })

      const initial = directory.current()
      for (const site of initial.sites) yield* start(initial, site.id)
      yield* directory.listen((view, change) =>
        Effect.gen(function*() {
          for (const site of change.removed) yield* stop(site)
          for (const site of change.added) yield* start(view, site)
        })
      )
      return SiteGateways.of({ running: () => [...running] })
    })
  )
}
