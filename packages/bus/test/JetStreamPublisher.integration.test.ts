/**
 * Publishing against a real nats-server: dedup by msgId, optimistic
 * concurrency with expectLastSubjectSequence, missing streams, pipelined
 * batches.
 */
import { Effect, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestNats, type TestNats } from "@logimesh/testkit"
import { applyStreams } from "../src/applyStreams.ts"
import type { BusError } from "../src/BusError.ts"
import { JetStreamPublisher } from "../src/JetStreamPublisher.ts"
import { NatsConnection } from "../src/NatsConnection.ts"
import { Subjects } from "../src/Subjects.ts"
import { type BusRuntime, jsm, makeBusRuntime, randomToken, run, testStream } from "./busTestRuntime.ts"

let nats: TestNats | undefined
let runtime: BusRuntime | undefined
const site = randomToken()
const stream = `PUB_${randomToken()}`
const payload = new TextEncoder().encode("hello")

const failureOf = <A>(exit: Exit.Exit<A, BusError>): BusError => {
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a Fail reason")
  return error.error
}

const rt = (): BusRuntime => {
  if (runtime === undefined) throw new Error("runtime not started")
  return runtime
}

beforeAll(async () => {
  nats = await startTestNats("bus-publish")
  runtime = makeBusRuntime(nats.url)
  await run(rt(), applyStreams({ streams: [testStream({ name: stream, subjects: [Subjects.siteEvents(site)] })], consumers: [] }))
})

afterAll(async () => {
  await runtime?.dispose()
  await nats?.stop()
})

describe("JetStreamPublisher", () => {
  it("reports a connected status", async () => {
    expect(
      await run(
        rt(),
        NatsConnection.use((n) => n.status)
      )
    ).toBe("connected")
  })

  it("dedupes a second publish with the same msgId and says so as data", async () => {
    const subject = Subjects.siteEvent(site, "dedup")
    const msgId = `${site}:dedup:1`
    const [first, second] = await run(
      rt(),
      JetStreamPublisher.use((p) => Effect.all([p.publish(subject, payload, { msgId }), p.publish(subject, payload, { msgId })]))
    )
    expect(first).toMatchObject({ stream, duplicate: false })
    expect(second).toMatchObject({ stream, duplicate: true, seq: first.seq })
    const info = await (await jsm(rt())).streams.info(stream, { subjects_filter: subject })
    expect(info.state.subjects?.[subject]).toBe(1)
  })

  it("rejects a stale expectLastSubjectSequence with a terminal reason", async () => {
    const subject = Subjects.siteEvent(site, "occ")
    const first = await run(
      rt(),
      JetStreamPublisher.use((p) => p.publish(subject, payload, { msgId: `${site}:occ:1`, expectLastSubjectSequence: 0 }))
    )
    const stale = await rt().runPromiseExit(
      JetStreamPublisher.use((p) => p.publish(subject, payload, { msgId: `${site}:occ:2`, expectLastSubjectSequence: 0 }))
    )
    const error = failureOf(stale)
    expect(error.reason._tag).toBe("WrongLastSequence")
    expect(error.isRetryable).toBe(false)
    const next = await run(
      rt(),
      JetStreamPublisher.use((p) => p.publish(subject, payload, { msgId: `${site}:occ:3`, expectLastSubjectSequence: first.seq }))
    )
    expect(next.seq).toBeGreaterThan(first.seq)
  })

  it("fails retryably when no stream captures the subject", async () => {
    const exit = await rt().runPromiseExit(
      JetStreamPublisher.use((p) => p.publish(Subjects.siteEvent(randomToken(), "nowhere"), payload, { msgId: randomToken() }))
    )
    const error = failureOf(exit)
    expect(error.reason._tag).toBe("NoResponders")
    expect(error.isRetryable).toBe(true)
  })

  it("refuses a publish without msgId", async () => {
    const exit = await rt().runPromiseExit(JetStreamPublisher.use((p) => p.publish(Subjects.siteEvent(site, "noid"), payload, { msgId: "" })))
    expect(failureOf(exit).reason._tag).toBe("BadRequest")
  })

  it("pipelines a batch and returns every ack in order", async () => {
    const subject = Subjects.siteEvent(site, "batch")
    const body = new Uint8Array(500)
    const count = 3_000
    const messages = Array.from({ length: count }, (_, i) => ({ subject, payload: body, msgId: `${site}:batch:${i}` }))
    const started = performance.now()
    const acks = await run(
      rt(),
      JetStreamPublisher.use((p) => p.publishAll(messages))
    )
    const seconds = (performance.now() - started) / 1000
    console.log(`publishAll: ${count} x 500 B in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)} msg/s`)
    expect(acks).toHaveLength(count)
    expect(acks.every((ack) => !ack.duplicate)).toBe(true)
    const seqs = acks.map((ack) => ack.seq)
    expect(new Set(seqs).size).toBe(count)
    // Re-running the same batch stores nothing new.
    const again = await run(
      rt(),
      JetStreamPublisher.use((p) => p.publishAll(messages.slice(0, 100)))
    )
    expect(again.every((ack) => ack.duplicate)).toBe(true)
    const info = await (await jsm(rt())).streams.info(stream, { subjects_filter: subject })
    expect(info.state.subjects?.[subject]).toBe(count)
  })
})
