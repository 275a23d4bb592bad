/**
 * The runner's watchdog against a real nats-server: a message the server
 * keeps ack-pending while nobody holds it is re-driven and handled; the same
 * situation with the watchdog off stays stuck (the control); a message the
 * runner holds (a slow handler, its own nak delay) is never re-driven.
 *
 * "Pending with nobody holding it" is made the way a dead process leaves it:
 * another client takes the message and naks it with an hour's delay, then
 * goes away; the server would not redeliver it for that hour.
 */
import { connect } from "@nats-io/transport-node"
import { jetstream } from "@nats-io/jetstream"
import { Duration, Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestNats, type TestNats } from "@logimesh/testkit"
import { waitFor } from "@logimesh/topology"
import { applyStreams } from "../src/applyStreams.ts"
import { ConsumerRunner, type ConsumerSpec } from "../src/ConsumerRunner.ts"
import { JetStreamPublisher } from "../src/JetStreamPublisher.ts"
import { Outcome } from "../src/Outcome.ts"
import { consumerTarget } from "../src/StreamDefinitions.ts"
import { Subjects } from "../src/Subjects.ts"
import { type BusRuntime, jsm, makeBusRuntime, randomToken, run, testConsumer, testStream } from "./busTestRuntime.ts"

let nats: TestNats | undefined
let runtime: BusRuntime | undefined
const site = randomToken()
const stream = `WD_${randomToken()}`
const encode = (text: string) => new TextEncoder().encode(text)

const rt = (): BusRuntime => {
  if (runtime === undefined) throw new Error("runtime not started")
  return runtime
}

beforeAll(async () => {
  nats = await startTestNats("bus-watchdog")
  runtime = makeBusRuntime(nats.url)
  await run(rt(), applyStreams({ streams: [testStream({ name: stream, subjects: [Subjects.siteEvents(site)] })], consumers: [] }))
})

afterAll(async () => {
  await runtime?.dispose()
  await nats?.stop()
})

const ACK_WAIT = Duration.seconds(2)

/** A consumer of its own event type (ack_wait 2 s) with a scope to run it in; other types' messages interleave in the stream. */
const setup = async (eventType: string) => {
  const name = `c_${eventType}_${randomToken()}`
  const definition = testConsumer({
    stream,
    name,
    filterSubject: Subjects.siteEvent(site, eventType),
    deadLetterSubject: `dlq.${site}.${name}`,
    ackWait: ACK_WAIT
  })
  await run(rt(), applyStreams({ streams: [], consumers: [definition] }))
  const scope = await Effect.runPromise(Scope.make())
  const start = (handler: ConsumerSpec<never, never>["handler"], extra: Partial<ConsumerSpec<never, never>> = {}) =>
    run(rt(), ConsumerRunner.use((r) => r.run({ ...consumerTarget(definition), ...extra, handler })).pipe(Scope.provide(scope)))
  const publish = (eventTypeOf: string, text: string) =>
    run(
      rt(),
      JetStreamPublisher.use((p) => p.publish(Subjects.siteEvent(site, eventTypeOf), encode(text), { msgId: `${site}:${text}` }))
    )
  const info = async () => (await jsm(rt())).consumers.info(stream, name)
  const stop = () => Effect.runPromise(Scope.close(scope, Exit.void))
  return { name, start, publish, info, stop }
}

/** Another process takes the next message, naks it for an hour and goes away: pending, held by nobody. */
const strandNext = async (consumer: string): Promise<number> => {
  const nc = await connect({ servers: nats?.url ?? "" })
  try {
    const m = await (await jetstream(nc).consumers.get(stream, consumer)).next({ expires: 5_000 })
    if (m === null) throw new Error("nothing to strand")
    m.nak(3_600_000)
    await nc.flush()
    return m.info.streamSequence
  } finally {
    await nc.close()
  }
}

describe("StuckMessageWatchdog", () => {
  it("re-drives a message pending with nobody holding it; with the watchdog off it stays stuck", async () => {
    const on = await setup("on")
    const off = await setup("off")
    for (const c of [on, off]) {
      await c.publish("noise", `${c.name}-noise-1`)
      await c.publish(c === on ? "on" : "off", `${c.name}-stuck`)
      await c.publish("noise", `${c.name}-noise-2`)
    }
    const stuckOn = await strandNext(on.name)
    const stuckOff = await strandNext(off.name)
    const seenOn: Array<{ readonly seq: number; readonly count: number }> = []
    const seenOff: Array<number> = []
    const redriven: Array<number> = []
    await on.start((m) => Effect.sync(() => seenOn.push({ seq: m.streamSequence, count: m.deliveryCount })).pipe(Effect.as(Outcome.Ack())), {
      onRedrive: (seq) => redriven.push(seq)
    })
    await off.start((m) => Effect.sync(() => seenOff.push(m.streamSequence)).pipe(Effect.as(Outcome.Ack())), { watchdog: false })
    await waitFor("the stranded message handled", async () => (seenOn.length > 0 && (await on.info()).num_ack_pending === 0 ? true : undefined), {
      timeoutMs: 30_000
    })
    expect(redriven).toEqual([stuckOn])
    expect(seenOn).toEqual([{ seq: stuckOn, count: 2 }])
    // The control, checked after the watchdog had its chance on both: still pending, never handled.
    const offInfo = await off.info()
    expect(seenOff).toEqual([])
    expect(offInfo.num_ack_pending).toBe(1)
    expect(offInfo.ack_floor.stream_seq).toBeLessThan(stuckOff)
    await on.stop()
    await off.stop()
  }, 60_000)

  it("never re-drives what the runner holds: a handling slower than the watchdog's patience, and its own nak delay", async () => {
    const c = await setup("held")
    const deliveries: Array<{ readonly count: number; readonly at: number }> = []
    const redriven: Array<number> = []
    await c.start(
      (m) =>
        Effect.gen(function* () {
          deliveries.push({ count: m.deliveryCount, at: performance.now() })
          // 1st delivery: a slow handling (5 x ack_wait, kept alive by the runner), then a nak of 6 s (3 x ack_wait).
          if (m.deliveryCount === 1) {
            yield* Effect.sleep(Duration.seconds(10))
            return Outcome.Nak({ delay: Duration.seconds(6) })
          }
          return Outcome.Ack()
        }),
      { onRedrive: (seq) => redriven.push(seq) }
    )
    await c.publish("held", "held-1")
    await waitFor("second delivery acked", async () => (deliveries.length >= 2 && (await c.info()).num_ack_pending === 0 ? true : undefined), {
      timeoutMs: 40_000
    })
    expect(redriven).toEqual([])
    expect(deliveries.map((d) => d.count)).toEqual([1, 2])
    const [first, second] = deliveries
    // Redelivered by the server after the handling (10 s) and the nak delay (6 s), not early by the watchdog.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThan(15_000)
    await c.stop()
  }, 60_000)
})
