/**
 * Stream administration against a real nats-server: create, idempotent
 * re-apply, in-place update (consumer settings, stream limits and discard
 * policy), the consumer settings asked for, refusal to re-create a stream
 * whose retention differs, and refusal to lower a limit below what the
 * stream holds (the server would delete the oldest messages at once).
 */
import { Duration, Exit } from "effect"
import { DiscardPolicy, RetentionPolicy } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { describe, expect, it } from "vitest"
import { applyStreams } from "../src/applyStreams.ts"
import { JetStreamPublisher } from "../src/JetStreamPublisher.ts"
import type { BusError } from "../src/BusError.ts"
import type { StreamPlan } from "../src/StreamDefinitions.ts"
import { Subjects } from "../src/Subjects.ts"
import { busServerForFile, jsm, randomToken, run, testConsumer, testStream } from "./busTestRuntime.ts"

const rt = busServerForFile("bus-apply")

const planFor = (site: string, stream: string, maxAckPending: number): StreamPlan => ({
  streams: [testStream({ name: stream, subjects: [Subjects.siteEvents(site)], maxAge: Duration.hours(72) })],
  consumers: [
    testConsumer({
      stream,
      name: "reader",
      filterSubject: Subjects.siteEvent(site, "order"),
      deadLetterSubject: Subjects.deadLetter(site, stream, "reader"),
      maxDeliver: 6,
      maxAckPending,
      backoff: [Duration.seconds(2), Duration.seconds(10), Duration.seconds(60)]
    })
  ]
})

describe("applyStreams", () => {
  it("creates, then is idempotent, then updates in place", async () => {
    const site = randomToken()
    const stream = `APPLY_${randomToken()}`
    const first = await run(rt(), applyStreams(planFor(site, stream, 50)))
    expect(first.map((r) => r.action)).toEqual(["created", "created"])
    const second = await run(rt(), applyStreams(planFor(site, stream, 50)))
    expect(second.map((r) => r.action)).toEqual(["unchanged", "unchanged"])

    const manager = await jsm(rt())
    const streamInfo = await manager.streams.info(stream)
    expect(streamInfo.config.retention).toBe(RetentionPolicy.Limits)
    expect(streamInfo.config.max_age).toBe(nanos(72 * 3_600_000))
    expect(streamInfo.config.duplicate_window).toBe(nanos(120_000))
    const consumer = await manager.consumers.info(stream, "reader")
    expect(consumer.config.max_deliver).toBe(6)
    expect(consumer.config.max_ack_pending).toBe(50)
    expect(consumer.config.backoff).toEqual([nanos(2_000), nanos(10_000), nanos(60_000)])
    expect(consumer.config.ack_wait).toBe(nanos(2_000))
    expect(consumer.config.filter_subject).toBe(Subjects.siteEvent(site, "order"))

    const third = await run(rt(), applyStreams(planFor(site, stream, 80)))
    expect(third.map((r) => r.action)).toEqual(["unchanged", "updated"])
    expect(third[1]?.changed).toEqual(["max_ack_pending"])
    expect((await manager.consumers.info(stream, "reader")).config.max_ack_pending).toBe(80)
  })

  it("refuses to re-create a stream whose retention differs", async () => {
    const site = randomToken()
    const stream = `WQ_${randomToken()}`
    const manager = await jsm(rt())
    await manager.streams.add({ name: stream, subjects: [Subjects.siteEvents(site)], retention: RetentionPolicy.Workqueue })
    const exit = await rt().runPromiseExit(applyStreams(planFor(site, stream, 50)))
    const failure = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    const error = failure?._tag === "Fail" ? (failure.error as BusError) : undefined
    expect(error?.reason._tag).toBe("DefinitionConflict")
    expect(error?.isRetryable).toBe(false)
    expect((await manager.streams.info(stream)).config.retention).toBe(RetentionPolicy.Workqueue)
  })

  it("updates max_msgs, max_bytes and the discard policy in place, and refuses a limit below what the stream holds", async () => {
    const site = randomToken()
    const stream = `LIM_${randomToken()}`
    const sized = (maxMsgs: number, maxBytes: number, discard: "old" | "new"): StreamPlan => ({
      streams: [testStream({ name: stream, subjects: [Subjects.siteEvents(site)], maxMsgs, maxBytes, discard })],
      consumers: []
    })
    expect((await run(rt(), applyStreams(sized(-1, -1, "old"))))[0]?.action).toBe("created")
    const manager = await jsm(rt())
    await run(
      rt(),
      JetStreamPublisher.use((p) =>
        p.publishAll(
          Array.from({ length: 10 }, (_, i) => ({ subject: Subjects.siteEvent(site, "order"), payload: new Uint8Array(100), msgId: `${stream}-${i}` }))
        )
      )
    )

    const updated = await run(rt(), applyStreams(sized(50, 64 * 1024, "new")))
    expect(updated[0]).toMatchObject({ action: "updated" })
    expect([...(updated[0]?.changed ?? [])].sort()).toEqual(["discard", "max_bytes", "max_msgs"])
    const info = await manager.streams.info(stream)
    expect([info.config.max_msgs, info.config.max_bytes, info.config.discard]).toEqual([50, 64 * 1024, DiscardPolicy.New])
    expect(info.state.messages).toBe(10)

    // Below the 10 messages it holds: refused, nothing deleted, the live limits unchanged.
    const exit = await rt().runPromiseExit(applyStreams(sized(5, 64 * 1024, "new")))
    const failure = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    const error = failure?._tag === "Fail" ? (failure.error as BusError) : undefined
    expect(error?.reason._tag).toBe("DefinitionConflict")
    expect(error?.message).toContain("holds 10 messages")
    const after = await manager.streams.info(stream)
    expect([after.state.messages, after.config.max_msgs]).toEqual([10, 50])
  })

  it("refuses a consumer whose backoff is longer than max_deliver", async () => {
    const site = randomToken()
    const stream = `BO_${randomToken()}`
    const plan = planFor(site, stream, 50)
    const bad: StreamPlan = {
      streams: plan.streams,
      consumers: plan.consumers.map((c) => ({ ...c, maxDeliver: 2 }))
    }
    const exit = await rt().runPromiseExit(applyStreams(bad))
    const failure = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    expect(failure?._tag === "Fail" ? (failure.error as BusError).reason._tag : undefined).toBe("BadRequest")
  })
})
