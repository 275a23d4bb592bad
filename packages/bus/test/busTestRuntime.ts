/**
 * Test support: the bus Layers over one test nats-server as a ManagedRuntime
 * (disposed in `afterAll`), and small definition builders with random names.
 */
import { Duration, type Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll } from "vitest"
import { randomSuffix, startTestNats, type TestNats } from "@logimesh/testkit"
import { ConsumerRunner } from "../src/ConsumerRunner.ts"
import { JetStreamPublisher } from "../src/JetStreamPublisher.ts"
import { NatsConnection } from "../src/NatsConnection.ts"
import { type ConsumerDefinition, limitsStream, type StreamDefinition } from "../src/StreamDefinitions.ts"

export const busLayer = (url: string) =>
  Layer.mergeAll(JetStreamPublisher.layer, ConsumerRunner.layer).pipe(Layer.provideMerge(NatsConnection.layerFrom({ url, name: "bus-test" })))

export const makeBusRuntime = (url: string) => ManagedRuntime.make(busLayer(url))
export type BusRuntime = ReturnType<typeof makeBusRuntime>

/** A nats-server and the bus runtime over it for the calling test file: started in `beforeAll`, stopped in `afterAll`. */
export const busServerForFile = (label: string): (() => BusRuntime) => {
  let nats: TestNats | undefined
  let runtime: BusRuntime | undefined
  beforeAll(async () => {
    nats = await startTestNats(label)
    runtime = makeBusRuntime(nats.url)
  })
  afterAll(async () => {
    await runtime?.dispose()
    await nats?.stop()
  })
  return () => {
    if (runtime === undefined) throw new Error("runtime not started")
    return runtime
  }
}

/** A random subject token / stream-name part, lowercase letters and digits. */
export const randomToken = (): string => `t${randomSuffix()}`

export const testStream = (overrides: Partial<StreamDefinition> & Pick<StreamDefinition, "name" | "subjects">): StreamDefinition => ({
  ...limitsStream({
    name: overrides.name,
    subjects: overrides.subjects,
    description: "test stream",
    maxAge: Duration.hours(1),
    duplicateWindow: Duration.minutes(2)
  }),
  ...overrides
})

export const testConsumer = (
  overrides: Partial<ConsumerDefinition> & Pick<ConsumerDefinition, "stream" | "name" | "deadLetterSubject">
): ConsumerDefinition => ({
  domain: undefined,
  description: "test consumer",
  filterSubject: undefined,
  ackWait: Duration.seconds(10),
  maxDeliver: 5,
  maxAckPending: 100,
  backoff: [],
  deadLetterDomain: undefined,
  ...overrides
})

export const run = <A, E>(runtime: BusRuntime, effect: Effect.Effect<A, E, NatsConnection | JetStreamPublisher | ConsumerRunner>) => runtime.runPromise(effect)

export const jsm = (runtime: BusRuntime) =>
  run(
    runtime,
    NatsConnection.use((n) => n.jetstreamManager())
  )
