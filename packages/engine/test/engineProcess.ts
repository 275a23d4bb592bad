/**
 * A region-like process for the engine's cross-process tests: runs the
 * engine on the test entity against the stream and durable consumer the test
 * created, with the outbox relay, until SIGTERM (or a SIGKILL from a crash
 * drill, `LOGIMESH_CRASH_AT`). Prints `ENGINE_READY` once consuming and an
 * `ENGINE_STATS {json}` line every second.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Config, Duration, Effect, Layer } from "effect"
import { NatsConnection } from "@logimesh/bus"
import { ProcessSettings } from "@logimesh/config"
import { Db } from "@logimesh/db"
import { Engine, engineLayer, engineServices, FaultInjector } from "@logimesh/engine"
import { orderLinesEntity } from "./orderLinesEntity.ts"
import { outputSubject } from "./engineHarness.ts"

const settings = Config.all({
  region: ProcessSettings.regionId,
  stream: Config.String("ENGINE_TEST_STREAM"),
  consumer: Config.String("ENGINE_TEST_CONSUMER"),
  deadLetterSubject: Config.String("ENGINE_TEST_DLQ_SUBJECT"),
  outputToken: Config.String("ENGINE_TEST_OUTPUT_TOKEN"),
  holdTimeoutMs: Config.Number("ENGINE_TEST_HOLD_TIMEOUT_MS").pipe(Config.withDefault(120_000))
})

const program = Effect.gen(function* () {
  const s = yield* settings
  const engine = engineLayer({
    entity: orderLinesEntity,
    region: s.region,
    input: { stream: s.stream, consumer: s.consumer, deadLetterSubject: s.deadLetterSubject },
    outputSubject: (_key, kind) => outputSubject(s.outputToken, kind),
    holdTimeout: Duration.millis(s.holdTimeoutMs),
    retryDelay: (n) => Duration.millis(Math.min(2_000, 50 * 2 ** (n - 1)))
  }).pipe(
    Layer.provide(
      engineServices({
        region: s.region,
        db: Db.layer.pipe(Layer.orDie),
        nats: NatsConnection.layer.pipe(Layer.orDie),
        faults: FaultInjector.layer.pipe(Layer.orDie)
      })
    )
  )
  return yield* Effect.gen(function* () {
    const running = yield* Engine
    yield* Effect.sync(() => process.stdout.write("ENGINE_READY\n"))
    yield* running.stats.pipe(
      Effect.flatMap((stats) => Effect.sync(() => process.stdout.write(`ENGINE_STATS ${JSON.stringify(stats)}\n`))),
      Effect.andThen(Effect.sleep(Duration.seconds(1))),
      Effect.forever
    )
  }).pipe(Effect.provide(engine))
})

NodeRuntime.runMain(program)
