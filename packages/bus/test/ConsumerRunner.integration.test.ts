/**
 * The consumer runner against a real nats-server: ack, nak with delay, park
 * to the DLQ stream (payload, headers, reason) without redelivery, parking
 * after max_deliver for a handler that keeps failing, and a clean stop when
 * the scope closes. With a dependency gate: a message failing while the gate
 * is closed is kept (no nak, no delivery spent, nothing parked) and handled
 * once it opens, even when held past max_deliver x retry delay and past
 * ack_wait; a closed gate pulls nothing.
 */
import { Duration, Effect, Exit, Latch, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestNats, type TestNats } from "@logimesh/testkit"
import { waitFor } from "@logimesh/topology"
import { applyStreams } from "../src/applyStreams.ts"
import { BadRequest, BusError, Timeout } from "../src/BusError.ts"
import { BusHeaders } from "../src/BusHeaders.ts"
import type { BusMessage } from "../src/BusMessage.ts"
import { ConsumerRunner, type ConsumerSpec, DependencyGate } from "../src/ConsumerRunner.ts"
import { JetStreamPublisher } from "../src/JetStreamPublisher.ts"
import { NatsConnection } from "../src/NatsConnection.ts"
import { Outcome } from "../src/Outcome.ts"
import { consumerTarget } from "../src/StreamDefinitions.ts"
import { Subjects } from "../src/Subjects.ts"
import { type BusRuntime, jsm, makeBusRuntime, randomToken, run, testConsumer, testStream } from "./busTestRuntime.ts"
import { definedFields } from "@logimesh/model"

let nats: TestNats | undefined
let runtime: BusRuntime | undefined
const site = randomToken()
const dlqDomain = randomToken()
const stream = `RUN_${randomToken()}`
const dlqStream = `DLQ_${randomToken()}`
const encode = (text: string) => new TextEncoder().encode(text)
const decode = (data: Uint8Array) => new TextDecoder().decode(data)

const rt = (): BusRuntime => {
  if (runtime === undefined) throw new Error("runtime not started")
  return runtime
}

beforeAll(async () => {
  nats = await startTestNats("bus-consumer")
  runtime = makeBusRuntime(nats.url)
  await run(
    rt(),
    applyStreams({
      streams: [
        testStream({ name: stream, subjects: [Subjects.siteEvents(site)] }),
        testStream({ name: dlqStream, subjects: [Subjects.deadLetters(dlqDomain)] })
      ],
      consumers: []
    })
  )
})

afterAll(async () => {
  await runtime?.dispose()
  await nats?.stop()
})

/** A consumer of its own event type on the shared stream, plus a scope to run it in. */
const setup = async (eventType: string, tuning: { readonly maxDeliver?: number; readonly ackWait?: Duration.Duration } = {}) => {
  const name = `c_${eventType}_${randomToken()}`
  const definition = testConsumer({
    stream,
    name,
    filterSubject: Subjects.siteEvent(site, eventType),
    deadLetterSubject: Subjects.deadLetter(dlqDomain, stream, name),
    ...definedFields({ maxDeliver: tuning.maxDeliver, ackWait: tuning.ackWait })
  })
  await run(rt(), applyStreams({ streams: [], consumers: [definition] }))
  const scope = await Effect.runPromise(Scope.make())
  const start = <E>(handler: ConsumerSpec<E, never>["handler"], extra: Partial<ConsumerSpec<E, never>> = {}) =>
    run(rt(), ConsumerRunner.use((r) => r.run({ ...consumerTarget(definition), ...extra, handler })).pipe(Scope.provide(scope)))
  const publish = (text: string, msgId: string, headers?: Record<string, string>) =>
    run(
      rt(),
      JetStreamPublisher.use((p) => p.publish(Subjects.siteEvent(site, eventType), encode(text), headers === undefined ? { msgId } : { msgId, headers }))
    )
  const info = async () => (await jsm(rt())).consumers.info(stream, name)
  const stop = () => Effect.runPromise(Scope.close(scope, Exit.void))
  return { name, definition, start, publish, info, stop }
}

const dlqMessages = async (subject: string) => {
  const manager = await jsm(rt())
  const state = await manager.streams.info(dlqStream, { subjects_filter: subject })
  return state.state.subjects?.[subject] ?? 0
}

describe("ConsumerRunner", () => {
  it("acks what the handler acks", async () => {
    const c = await setup("ack")
    const seen: Array<string> = []
    await c.start((m) => Effect.sync(() => seen.push(decode(m.data))).pipe(Effect.as(Outcome.Ack())))
    await c.publish("a", `${site}:ack:1`)
    await c.publish("b", `${site}:ack:2`)
    await waitFor("both acked", async () => {
      const info = await c.info()
      return info.num_pending === 0 && info.num_ack_pending === 0 && info.ack_floor.stream_seq > 0 ? true : undefined
    })
    expect(seen).toEqual(["a", "b"])
    expect((await c.info()).num_redelivered).toBe(0)
    await c.stop()
  })

  it("redelivers a nak'ed message after the delay", async () => {
    const c = await setup("nak")
    const deliveries: Array<{ readonly count: number; readonly at: number }> = []
    await c.start((m) =>
      Effect.sync(() => {
        deliveries.push({ count: m.deliveryCount, at: performance.now() })
        return m.deliveryCount === 1 ? Outcome.Nak({ delay: Duration.millis(400) }) : Outcome.Ack()
      })
    )
    await c.publish("retry me", `${site}:nak:1`)
    await waitFor("second delivery acked", async () => (deliveries.length >= 2 && (await c.info()).num_ack_pending === 0 ? true : undefined))
    const [first, second] = deliveries
    expect(first?.count).toBe(1)
    expect(second?.count).toBe(2)
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(350)
    await c.stop()
  })

  it("keeps a handling slower than ack_wait alive (working()): delivered once, acked once", async () => {
    const c = await setup("slow", { ackWait: Duration.seconds(1) })
    const deliveries: Array<number> = []
    await c.start((m) =>
      Effect.sync(() => deliveries.push(m.deliveryCount)).pipe(Effect.andThen(Effect.sleep(Duration.millis(3_500))), Effect.as(Outcome.Ack()))
    )
    await c.publish("slow", `${site}:slow:1`)
    await waitFor(
      "the slow handling acked",
      async () => {
        const info = await c.info()
        return info.num_ack_pending === 0 && info.delivered.consumer_seq > 0 ? info : undefined
      },
      { timeoutMs: 10_000 }
    )
    expect(deliveries).toEqual([1])
    expect((await c.info()).num_redelivered).toBe(0)
    await c.stop()
  })

  it("parks: original payload and headers plus the reason land in the DLQ, the original is not redelivered", async () => {
    const c = await setup("park")
    const calls: Array<BusMessage> = []
    await c.start((m) =>
      Effect.sync(() => {
        calls.push(m)
        return Outcome.Park({ reason: "Undecodable", detail: "not JSON: {oops" })
      })
    )
    const ack = await c.publish("{oops", `${site}:park:1`, { "X-Trace": "trace-7" })
    const dlqSubject = c.definition.deadLetterSubject
    await waitFor("parked in DLQ", async () => ((await dlqMessages(dlqSubject)) === 1 ? true : undefined))
    await waitFor("original settled", async () => {
      const info = await c.info()
      return info.num_ack_pending === 0 && info.num_pending === 0 ? true : undefined
    })
    const parked = await (await jsm(rt())).streams.getMessage(dlqStream, { last_by_subj: dlqSubject })
    expect(parked).not.toBeNull()
    expect(decode(parked?.data ?? new Uint8Array())).toBe("{oops")
    const h = parked?.header
    expect(h?.get("X-Trace")).toBe("trace-7")
    expect(h?.get(BusHeaders.parkReason)).toBe("Undecodable")
    expect(h?.get(BusHeaders.parkDetail)).toBe("not JSON: {oops")
    expect(h?.get(BusHeaders.originalSubject)).toBe(Subjects.siteEvent(site, "park"))
    expect(h?.get(BusHeaders.originalSequence)).toBe(String(ack.seq))
    expect(h?.get(BusHeaders.originalMsgId)).toBe(`${site}:park:1`)
    expect(calls).toHaveLength(1)
    expect((await c.info()).num_redelivered).toBe(0)
    await c.stop()
  })

  it("parks a message whose handler keeps failing after max_deliver, and one failing terminally at once", async () => {
    const c = await setup("poison", { maxDeliver: 3 })
    const counts = new Map<string, number>()
    await c.start(
      (m) => {
        const text = decode(m.data)
        counts.set(text, (counts.get(text) ?? 0) + 1)
        return text === "defect"
          ? Effect.die(new Error("bug in handler"))
          : Effect.fail(new BusError({ operation: "test", reason: new BadRequest({ message: "never valid" }) }))
      },
      { retryDelay: () => Duration.millis(50), concurrency: 2 }
    )
    await c.publish("defect", `${site}:poison:1`)
    await c.publish("terminal", `${site}:poison:2`)
    const dlqSubject = c.definition.deadLetterSubject
    await waitFor("both parked", async () => ((await dlqMessages(dlqSubject)) === 2 ? true : undefined))
    await waitFor("originals settled", async () => ((await c.info()).num_ack_pending === 0 ? true : undefined))
    expect(counts.get("defect")).toBe(3)
    expect(counts.get("terminal")).toBe(1)
    const manager = await jsm(rt())
    const last = (await manager.streams.info(dlqStream)).state.last_seq
    const all = await Promise.all(Array.from({ length: last }, (_, i) => manager.streams.getMessage(dlqStream, { seq: i + 1 })))
    const parked = all.filter((m) => m?.subject === dlqSubject)
    expect(parked).toHaveLength(2)
    const byText = new Map(parked.map((m) => [decode(m?.data ?? new Uint8Array()), m?.header]))
    expect(byText.get("defect")?.get(BusHeaders.parkReason)).toBe("RetriesExhausted")
    expect(byText.get("defect")?.get(BusHeaders.deliveryCount)).toBe("3")
    expect(byText.get("terminal")?.get(BusHeaders.parkReason)).toBe("BusError")
    await c.stop()
  })

  it("stops consuming when its scope closes", async () => {
    const c = await setup("stop")
    let oldCalls = 0
    await c.start(() => Effect.sync(() => oldCalls++).pipe(Effect.as(Outcome.Ack())))
    await c.publish("before", `${site}:stop:1`)
    await waitFor("first handled", async () => (oldCalls === 1 ? true : undefined))
    const started = performance.now()
    await c.stop()
    expect(performance.now() - started).toBeLessThan(5_000)
    await c.publish("after", `${site}:stop:2`)
    const next = await setup("stop-next")
    // A fresh runner on the same consumer gets the message; the closed one never does.
    const scope = await Effect.runPromise(Scope.make())
    const seen: Array<string> = []
    await run(
      rt(),
      ConsumerRunner.use((r) =>
        r.run({
          ...consumerTarget(c.definition),
          handler: (m) => Effect.sync(() => seen.push(decode(m.data))).pipe(Effect.as(Outcome.Ack()))
        })
      ).pipe(Scope.provide(scope))
    )
    await waitFor("second runner handled it", async () => (seen.includes("after") ? true : undefined))
    expect(oldCalls).toBe(1)
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await next.stop()
  })

  it("on the last allowed delivery, keeps trying to park until the DLQ stream is reachable", async () => {
    const c = await setup("late-dlq", { maxDeliver: 1 })
    const token = randomToken()
    const lateDlqSubject = `dlqx.${token}.late`
    let calls = 0
    await c.start(() => Effect.sync(() => (calls += 1)).pipe(Effect.as(Outcome.Park({ reason: "Undecodable", detail: "bad" }))), {
      deadLetterSubject: lateDlqSubject
    })
    // Until the DLQ stream exists, a stand-in answers every park attempt with a JetStream error, and counts them.
    let attempts = 0
    const client = await run(
      rt(),
      NatsConnection.use((n) => Effect.succeed(n.client))
    )
    const standIn = client.subscribe(lateDlqSubject, {
      callback: (_error, msg) => {
        attempts += 1
        msg.respond(encode(JSON.stringify({ error: { code: 503, err_code: 10039, description: "stream unavailable (test)" } })))
      }
    })
    await client.flush()
    await c.publish("needs parking", `${site}:late-dlq:1`)
    // Past the budget a non-final delivery gets (about 2 s): only the last-delivery patience keeps it going.
    await waitFor("park retried for more than 2 s", async () => (attempts >= 8 ? true : undefined), { timeoutMs: 30_000 })
    expect(calls).toBe(1)
    expect((await c.info()).num_ack_pending).toBe(1)
    standIn.unsubscribe()
    const lateStream = `LATE_${token}`
    await run(rt(), applyStreams({ streams: [testStream({ name: lateStream, subjects: [`dlqx.${token}.>`] })], consumers: [] }))
    const manager = await jsm(rt())
    await waitFor("parked once the DLQ stream exists", async () => ((await manager.streams.info(lateStream)).state.messages === 1 ? true : undefined), {
      timeoutMs: 20_000
    })
    await waitFor("original settled", async () => ((await c.info()).num_ack_pending === 0 ? true : undefined))
    const parked = await manager.streams.getMessage(lateStream, { last_by_subj: lateDlqSubject })
    expect(decode(parked?.data ?? new Uint8Array())).toBe("needs parking")
    expect(parked?.header?.get(BusHeaders.parkReason)).toBe("Undecodable")
    expect(calls).toBe(1)
    await c.stop()
  })

  it("with its dependency gate closed, keeps a failing message past max_deliver and ack_wait, then handles it once", async () => {
    // max_deliver 2 and 50 ms retries: without the gate the message would be parked within ~100 ms.
    const c = await setup("gate-hold", { maxDeliver: 2, ackWait: Duration.seconds(2) })
    const latch = Latch.makeUnsafe(true)
    const attempts: Array<{ readonly delivery: number; readonly ok: boolean }> = []
    await c.start(
      (m) =>
        Effect.suspend(() => {
          if (attempts.length === 0) {
            // The dependency goes away during the first attempt: the gate closes, the attempt fails retryably.
            latch.closeUnsafe()
            attempts.push({ delivery: m.deliveryCount, ok: false })
            return Effect.fail(new BusError({ operation: "test step", reason: new Timeout({ message: "dependency down" }) }))
          }
          attempts.push({ delivery: m.deliveryCount, ok: true })
          return Effect.succeed(Outcome.Ack())
        }),
      { retryDelay: () => Duration.millis(50), gate: DependencyGate.fromLatch(latch) }
    )
    await c.publish("step", `${site}:gate-hold:1`)
    await waitFor("first attempt failed", async () => (attempts.length === 1 ? true : undefined))
    // Held for 5 s: 2.5 x ack_wait, 50 x (max_deliver x retry delay).
    await new Promise((resolve) => setTimeout(resolve, 5_000))
    const held = await c.info()
    expect(attempts).toEqual([{ delivery: 1, ok: false }])
    expect(held.num_ack_pending).toBe(1)
    expect(held.num_redelivered).toBe(0)
    expect(held.delivered.consumer_seq).toBe(1)
    expect(await dlqMessages(c.definition.deadLetterSubject)).toBe(0)
    latch.openUnsafe()
    await waitFor("acked once the gate opened", async () => {
      const info = await c.info()
      return info.num_ack_pending === 0 && info.num_pending === 0 && info.ack_floor.stream_seq > 0 ? info : undefined
    })
    expect(attempts).toEqual([
      { delivery: 1, ok: false },
      { delivery: 1, ok: true }
    ])
    const after = await c.info()
    expect(after.delivered.consumer_seq).toBe(1)
    expect(after.num_redelivered).toBe(0)
    expect(await dlqMessages(c.definition.deadLetterSubject)).toBe(0)
    await c.stop()
  })

  it("with its dependency gate closed, pulls nothing; once it opens, handles everything on its first delivery", async () => {
    const c = await setup("gate-pull")
    const latch = Latch.makeUnsafe(false)
    const seen: Array<{ readonly text: string; readonly delivery: number }> = []
    await c.start((m) => Effect.sync(() => seen.push({ text: decode(m.data), delivery: m.deliveryCount })).pipe(Effect.as(Outcome.Ack())), {
      gate: DependencyGate.fromLatch(latch),
      concurrency: 4
    })
    for (let i = 1; i <= 5; i++) await c.publish(`m${i}`, `${site}:gate-pull:${i}`)
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    const closed = await c.info()
    expect(seen).toEqual([])
    // Nothing was delivered: all five still wait in the stream, no pull request is open.
    expect(closed.num_pending).toBe(5)
    expect(closed.num_ack_pending).toBe(0)
    expect(closed.delivered.consumer_seq).toBe(0)
    expect(closed.num_waiting).toBe(0)
    latch.openUnsafe()
    await waitFor("all handled once the gate opened", async () => {
      const info = await c.info()
      return seen.length === 5 && info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined
    })
    expect(seen.map((s) => s.text).sort()).toEqual(["m1", "m2", "m3", "m4", "m5"])
    expect(seen.every((s) => s.delivery === 1)).toBe(true)
    // Closed again: a later message is not handled before it opens (an open pull request may still bring it to the runner, which keeps it).
    latch.closeUnsafe()
    await c.publish("later", `${site}:gate-pull:6`)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(seen).toHaveLength(5)
    latch.openUnsafe()
    await waitFor("the later one handled", async () => (seen.length === 6 ? true : undefined))
    expect(seen[5]).toEqual({ text: "later", delivery: 1 })
    await c.stop()
  })

  it("refuses to run a consumer that does not exist", async () => {
    const exit = await rt().runPromiseExit(
      Effect.scoped(
        ConsumerRunner.use((r) =>
          r.run({
            stream,
            consumer: "missing",
            deadLetterSubject: Subjects.deadLetter(dlqDomain, stream, "missing"),
            handler: () => Effect.succeed(Outcome.Ack())
          })
        )
      )
    )
    expect(Exit.isFailure(exit)).toBe(true)
    const failure = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    expect(failure?._tag === "Fail" ? (failure.error as BusError).reason._tag : undefined).toBe("ConsumerNotFound")
  })
})
