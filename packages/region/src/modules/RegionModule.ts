/**
 * A business module as the region runs it: its engine entity (the pure
 * decider and codecs, from the module's package) plus its flow — the pure
 * function from each committed event to the commands and system messages it
 * causes, written to the outbox in the event's own transaction.
 */
import type { Effect, Scope } from "effect"
import type { BusError } from "@logimesh/bus"
import type { EffectMessage, EngineInputTarget, EngineServices, EngineShape, EntityDefinition } from "@logimesh/engine"
import { runEngine } from "@logimesh/engine"
import { Subjects } from "@logimesh/bus"

export interface FlowContext {
  readonly region: string
}

export type Flow<E, S> = (context: FlowContext) => (key: string, event: E, state: S) => ReadonlyArray<EffectMessage>

export interface RegionModule {
  readonly name: string
  readonly run: (options: {
    readonly region: string
    readonly input: EngineInputTarget
    readonly concurrency: number
  }) => Effect.Effect<EngineShape, BusError, EngineServices | Scope.Scope>
}

export const regionModule = <C, E, S, R>(entity: EntityDefinition<C, E, S, R>, flow: Flow<E, S>): RegionModule => ({
  name: entity.name,
  run: (options) =>
    runEngine({
      entity,
      region: options.region,
      input: options.input,
      outputSubject: (_key, _kind, type) => Subjects.moduleEvent(options.region, entity.name, type),
      effects: flow({ region: options.region }),
      concurrency: options.concurrency,
      // The region runs one outbox relay for every module (main.ts), handed the committed rows through its OutboxHandoff.
      relay: false
    })
})
