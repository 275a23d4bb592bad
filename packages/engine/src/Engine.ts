/**
 * The engine: per-key actors for one entity type behind a durable JetStream
 * consumer, with group commit, the outbox relay, the hold sweeper and
 * parking. Who sends its input: whatever publishes commands to the input
 * stream (site systems through their leaf, adapters, operators replaying).
 *
 * Each input message -> handler -> outcome as data:
 *   applied / rejected / held / duplicate                      -> Ack (after commit)
 *   undecodable, bad source headers, terminal DbError          -> recorded in engine_parked, Park
 *   retryable DbError, or a defect (a decider bug)             -> Nak with exponential backoff;
 *                                                                 on the last allowed delivery: recorded, Park;
 *                                                                 while the input's `gate` is closed: Nak, and the
 *                                                                 runner keeps the message until it opens
 *
 * `runEngine` runs in the caller's scope with the services it needs;
 * `makeEngine` builds those services from layers and runs in-process
 * (benchmarks, tests, tools).
 */
import { Cause, Context, Duration, Effect, Layer, ManagedRuntime, Option, Result, type Scope } from "effect"
import {
  type BusError,
  type BusMessage,
  classifyBusError,
  ConsumerRunner,
  defaultRetryDelay,
  type DependencyGate,
  JetStreamPublisher,
  NatsConnection,
  Outcome
} from "@logimesh/bus"
import type { Db, DbError } from "@logimesh/db"
import { decodeInput, rawInputOf } from "./decodeInput.ts"
import { type EffectMessage, makeEntityActors } from "./EntityActors.ts"
import type { EntityDefinition } from "./EntityDefinition.ts"
import { FaultInjector } from "./FaultInjector.ts"
import { CommitNotifier } from "./CommitNotifier.ts"
import { type CommitStats, type GroupCommitOptions, makeGroupCommitter } from "./GroupCommitter.ts"
import { runHoldSweeper } from "./HoldSweeper.ts"
import { makeOutboxHandoff, OutboxHandoff } from "./OutboxHandoff.ts"
import { type OutboxRelayOptions, type RelayStats, runOutboxRelay } from "./OutboxRelay.ts"
import { ParkedMessages } from "./ParkedMessages.ts"
import { makeStepLatency, type StepLatencySnapshot } from "./StepLatency.ts"
import { definedFields } from "@logimesh/model"

export interface EngineInputTarget {
  readonly stream: string
  /** Durable consumer (created beforehand, with `max_deliver`). */
  readonly consumer: string
  readonly domain?: string
  readonly deadLetterSubject: string
  readonly deadLetterDomain?: string
  /**
   * Passed to the consumer runner: while closed it pulls nothing and keeps a failed step's message
   * (no nak, no delivery spent) until it opens; the engine then parks nothing as `RetriesExhausted`.
   * The caller owns it (the region probes Postgres). Default: none.
   */
  readonly gate?: DependencyGate
  /** The consumer's exhausted lane (`ConsumerSpec.exhausted`), when its definition has one. */
  readonly exhausted?: { readonly stream: string; readonly consumer: string }
}

export interface EngineOptions<C, E, S, R> {
  readonly entity: EntityDefinition<C, E, S, R>
  /** Region id: names outbox and replay msg ids (`<region>:<id>`). */
  readonly region: string
  readonly input: EngineInputTarget
  readonly outputSubject: (key: string, kind: "event" | "rejection", type: string) => string
  /** Further messages each committed event causes, in the same transaction (cross-entity flows). */
  readonly effects?: (key: string, event: E, state: S) => ReadonlyArray<EffectMessage>
  /** Messages in flight at once (the backpressure bound: the consumer stops pulling beyond it); default 256. */
  readonly concurrency?: number
  readonly maxResident?: number
  readonly idleAfter?: Duration.Input
  readonly groupCommit?: GroupCommitOptions
  /** Held early arrivals older than this are parked; default 10 min. */
  readonly holdTimeout?: Duration.Input
  /** Nak delay by delivery count; default 500 ms doubling, capped at 60 s. */
  readonly retryDelay?: (deliveryCount: number) => Duration.Duration
  /**
   * Run the outbox relay in this engine (default yes), fed by this engine's committers in memory; `false`
   * when a separate relay runs: committed rows then go to the `OutboxHandoff` service if one is provided
   * (the region's one relay), else that relay finds them in Postgres.
   */
  readonly relay?: false | Omit<OutboxRelayOptions, "region" | "handoff">
}

export interface EngineStats {
  readonly outcomes: Readonly<Record<"applied" | "rejected" | "duplicate" | "held" | "nak" | "parked", number>>
  readonly commits: CommitStats
  readonly relay: RelayStats | undefined
  readonly resident: number
  /** Delivery to the handler -> step committed (recent samples). */
  readonly stepLatency: StepLatencySnapshot
}

export interface EngineShape {
  readonly stats: Effect.Effect<EngineStats>
  readonly resetStepLatency: Effect.Effect<void>
}

export class Engine extends Context.Service<Engine, EngineShape>()("logimesh/engine/Engine") {}

export type EngineServices = Db | NatsConnection | JetStreamPublisher | ConsumerRunner | ParkedMessages | FaultInjector

const maxDeliverOf = (target: EngineInputTarget) =>
  Effect.gen(function* () {
    const nats = yield* NatsConnection
    const jsm = yield* nats.jetstreamManager(target.domain)
    const info = yield* Effect.tryPromise({
      try: () => jsm.consumers.info(target.stream, target.consumer),
      catch: (cause) => classifyBusError(`engine consumer ${target.stream}/${target.consumer}`, cause)
    })
    return info.config.max_deliver ?? -1
  })

const retryable = (error: unknown): boolean => typeof error === "object" && error !== null && "isRetryable" in error && error.isRetryable === true

export const runEngine = <C, E, S, R>(options: EngineOptions<C, E, S, R>): Effect.Effect<EngineShape, BusError, EngineServices | Scope.Scope> =>
  Effect.gen(function* () {
    const { entity } = options
    const faults = yield* FaultInjector
    const parked = yield* ParkedMessages
    const runner = yield* ConsumerRunner
    const maxDeliver = yield* maxDeliverOf(options.input)
    const retryDelay = options.retryDelay ?? defaultRetryDelay
    const gate = options.input.gate
    const handoff = options.relay === false ? Option.getOrUndefined(yield* Effect.serviceOption(OutboxHandoff)) : makeOutboxHandoff()
    if (handoff === undefined) {
      yield* Effect.logWarning("engine without an outbox hand-off: its committed rows reach the relay only through its claim rounds (1 s and more)").pipe(
        Effect.annotateLogs({ entityType: entity.name })
      )
    }
    const notifier = Option.getOrUndefined(yield* Effect.serviceOption(CommitNotifier))
    const committer = yield* makeGroupCommitter(
      entity.name,
      options.groupCommit,
      (rows) => handoff?.offer(rows),
      notifier === undefined ? undefined : notifier.announce
    )
    const actors = yield* makeEntityActors(entity, committer, {
      outputSubject: options.outputSubject,
      ...definedFields({ effects: options.effects, maxResident: options.maxResident, idleAfter: options.idleAfter, applyDuplicate: faults.applyDuplicate })
    })
    const counts = { applied: 0, rejected: 0, duplicate: 0, held: 0, nak: 0, parked: 0 }
    const stepLatency = makeStepLatency()

    const park = (message: BusMessage, reason: string, detail: string, key?: string) =>
      parked
        .record({
          reason,
          detail,
          raw: rawInputOf(message),
          entityType: entity.name,
          ...definedFields({ entityKey: key }),
          dedupeKey: `consumer:${message.domain || "-"}:${message.stream}:${message.consumer}:${message.streamSequence}`
        })
        .pipe(
          Effect.map(() => {
            counts.parked += 1
            return Outcome.Park({ reason, detail })
          }),
          // Not recorded -> not parked: it stays in its stream and comes back.
          Effect.catch(() => Effect.succeed(Outcome.Nak({ delay: retryDelay(message.deliveryCount) })))
        )

    const nak = (message: BusMessage) => {
      counts.nak += 1
      return Outcome.Nak({ delay: retryDelay(message.deliveryCount) })
    }

    // Who sends this: the input stream's producers (see the file header).
    const handler = (message: BusMessage): Effect.Effect<Outcome, never, Db> =>
      Effect.suspend(() => {
        if (faults.failStep()) return Effect.succeed(nak(message))
        const started = performance.now()
        const decoded = decodeInput(message, entity.command, entity.keyOf)
        if (Result.isFailure(decoded)) return park(message, decoded.failure.reason, decoded.failure.detail)
        const input = decoded.success
        return Effect.matchCauseEffect(actors.process(input), {
          onSuccess: (outcome) => {
            faults.crash("after-commit")
            counts[outcome] += 1
            stepLatency.record(performance.now() - started)
            return Effect.succeed(Outcome.Ack())
          },
          onFailure: (cause) => {
            const failure = cause.reasons.find(Cause.isFailReason)
            const error: DbError | undefined = failure?.error
            if (error !== undefined && !retryable(error)) return park(message, error.reason._tag, error.message, input.key)
            if (message.deliveryCount >= maxDeliver) {
              const exhausted = park(message, "RetriesExhausted", `delivery ${message.deliveryCount} of ${maxDeliver}: ${Cause.pretty(cause)}`, input.key)
              // A dependency is down (gate closed): nak, which the runner turns into keeping the message until the gate opens.
              return gate === undefined ? exhausted : Effect.flatMap(gate.isOpen, (open) => (open ? exhausted : Effect.succeed(nak(message))))
            }
            return Effect.logWarning("step failed; will retry").pipe(
              Effect.annotateLogs({ orderId: input.key, delivery: message.deliveryCount, error: error?.message ?? Cause.pretty(cause) }),
              Effect.map(() => nak(message))
            )
          }
        })
      })

    yield* runner.run({
      ...options.input,
      concurrency: options.concurrency ?? 256,
      retryDelay,
      handler
    })

    const relay = options.relay === false || handoff === undefined ? undefined : yield* runOutboxRelay({ ...options.relay, region: options.region, handoff })
    const holdTimeout = Duration.fromInputUnsafe(options.holdTimeout ?? Duration.minutes(10))
    yield* runHoldSweeper(entity.name, holdTimeout, Duration.millis(Math.max(250, Math.min(Duration.toMillis(holdTimeout) / 4, 60_000))))

    return {
      stats: Effect.gen(function* () {
        return {
          outcomes: { ...counts },
          commits: yield* committer.stats,
          relay: relay === undefined ? undefined : yield* relay.stats,
          resident: yield* actors.resident,
          stepLatency: stepLatency.snapshot()
        }
      }),
      resetStepLatency: Effect.sync(() => stepLatency.reset())
    }
  })

/** The engine as a Layer providing `Engine` (its stats); consumption lives as long as the Layer. */
export const engineLayer = <C, E, S, R>(options: EngineOptions<C, E, S, R>): Layer.Layer<Engine, BusError, EngineServices> =>
  Layer.effect(
    Engine,
    Effect.map(runEngine(options), (shape) => Engine.of(shape))
  )

/** Everything the engine needs, from a Db layer and a NATS connection layer. */
export const engineServices = (layers: {
  readonly db: Layer.Layer<Db>
  readonly nats: Layer.Layer<NatsConnection, BusError>
  readonly faults?: Layer.Layer<FaultInjector>
  readonly region: string
}): Layer.Layer<EngineServices, BusError> =>
  ParkedMessages.layer(layers.region).pipe(
    Layer.provideMerge(Layer.mergeAll(JetStreamPublisher.layer, ConsumerRunner.layer)),
    Layer.provideMerge(Layer.mergeAll(layers.db, layers.nats, layers.faults ?? FaultInjector.none))
  )

export interface RunningEngine {
  readonly stats: () => Promise<EngineStats>
  readonly resetStepLatency: () => Promise<void>
  /** Stops consuming (in-flight steps finish), stops the relay and closes the connections. */
  readonly stop: () => Promise<void>
}

/** Runs an engine in-process (benchmarks, tests, tools) until `stop()`. */
export const makeEngine = async <C, E, S, R>(
  options: EngineOptions<C, E, S, R> & {
    readonly db: Layer.Layer<Db>
    readonly nats: Layer.Layer<NatsConnection, BusError>
    readonly faults?: Layer.Layer<FaultInjector>
  }
): Promise<RunningEngine> => {
  const runtime = ManagedRuntime.make(
    engineLayer(options).pipe(
      Layer.provide(engineServices({ db: options.db, nats: options.nats, region: options.region, ...definedFields({ faults: options.faults }) }))
    )
  )
  const engine = await runtime.runPromise(Engine.useSync((e) => e))
  return {
    stats: () => runtime.runPromise(engine.stats),
    resetStepLatency: () => runtime.runPromise(engine.resetStepLatency),
    stop: () => runtime.dispose()
  }
}
