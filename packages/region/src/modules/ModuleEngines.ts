/**
 * Runs the region's business modules: applies the region's streams and
 * consumers (idempotent), then one engine per module on its durable consumer
 * of `COMMANDS_<region>`, behind the region's dependency gate (paused while
 * Postgres is down). Lives as long as the Layer; exposes each engine's
 * stats for the metrics endpoint and tests.
 */
import { Context, Effect, Layer } from "effect"
import { applyStreams, consumerTarget } from "@logimesh/bus"
import type { EngineShape } from "@logimesh/engine"
import { DependencyMonitor } from "../degraded/DependencyMonitor.ts"
import { RegionContext } from "../RegionContext.ts"
import { moduleCatalog } from "./moduleCatalog.ts"
import { moduleConsumerName, regionStreamPlan } from "./regionStreamPlan.ts"

export class ModuleEngines extends Context.Service<ModuleEngines, ReadonlyMap<string, EngineShape>>()("logimesh/region/ModuleEngines") {
  static readonly layer = Layer.effect(
    ModuleEngines,
    Effect.gen(function* () {
      const context = yield* RegionContext
      const region = context.region.id
      // Degraded mode: every module consumer pauses (keeps its in-flight messages) while Postgres is down.
      const { gate } = yield* DependencyMonitor
      // The region connects to its hub: its streams live in the domain of the server it reaches.
      const plan = regionStreamPlan(
        region,
        moduleCatalog.map((m) => m.name),
        context.mesh.settings,
        undefined
      )
      yield* applyStreams(plan)
      const engines = new Map<string, EngineShape>()
      for (const module of moduleCatalog) {
        const consumer = plan.consumers.find((c) => c.name === moduleConsumerName(region, module.name))
        if (consumer === undefined) return yield* Effect.die(new Error(`no consumer planned for module ${module.name}`))
        engines.set(module.name, yield* module.run({ region, input: { ...consumerTarget(consumer), gate }, concurrency: 128 }))
      }
      yield* Effect.logInfo("modules running").pipe(Effect.annotateLogs({ modules: [...engines.keys()].join(", ") }))
      return ModuleEngines.of(engines)
    })
  )
}
