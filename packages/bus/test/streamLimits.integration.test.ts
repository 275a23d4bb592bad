/**
 * A full stream is refused loudly, never silently dropped (nats-server 2.9.10):
 *   - discard new at `max_msgs` or `max_bytes`: the next publish fails with `StreamFull` (not
 *     retryable), through the single publish and the batch publisher alike, and the stream still
 *     holds every message it had;
 *   - master data (discard new, one message per subject): an update of a known subject still
 *     replaces its value when full, a new subject is refused;
 *   - a sourced stream that is full: the server retries its source instead of skipping, so once
 *     the limit is raised in place every message arrives, in order, once;
 *   - the control: discard old at the same limit accepts the publish and deletes the oldest;
 *   - why `applyStreams` refuses to lower a limit below a stream's contents: the server applies a
 *     lowered `max_msgs` by deleting the oldest messages at once, even with discard new;
 *   - `max_bytes` is reserved against the server's `max_file_store` when the stream is created: a
 *     stream larger than that is refused.
 */
import { DiscardPolicy } from "@nats-io/jetstream"
import { Effect, Result } from "effect"
import { describe, expect, it } from "vitest"
import { waitFor } from "@logimesh/topology"
import { applyStreams } from "../src/applyStreams.ts"
import type { BusError } from "../src/BusError.ts"
import { JetStreamPublisher } from "../src/JetStreamPublisher.ts"
import type { StreamDefinition } from "../src/StreamDefinitions.ts"
import { busServerForFile, jsm, randomToken, run, testStream } from "./busTestRuntime.ts"

const rt = busServerForFile("bus-limits")

const apply = (...streams: ReadonlyArray<StreamDefinition>) => run(rt(), applyStreams({ streams, consumers: [] }))

const publishOne = (subject: string, msgId: string, size = 10) =>
  rt().runPromise(JetStreamPublisher.use((p) => p.publish(subject, new Uint8Array(size), { msgId })).pipe(Effect.result))

const failureOf = (result: Result.Result<unknown, BusError>): BusError => {
  if (Result.isSuccess(result)) throw new Error("expected the publish to be refused")
  return result.failure
}

const streamState = async (name: string) => (await (await jsm(rt())).streams.info(name)).state

describe("stream limits", () => {
  it("refuses the publish after max_msgs with StreamFull, single and batched, and drops nothing", async () => {
    const token = randomToken()
    const name = `FULL_${token}`
    await apply(testStream({ name, subjects: [`full.${token}.>`], maxMsgs: 5, discard: "new" }))
    for (let i = 0; i < 5; i++) expect(Result.isSuccess(await publishOne(`full.${token}.a`, `${token}-${i}`))).toBe(true)

    const refused = failureOf(await publishOne(`full.${token}.a`, `${token}-5`))
    expect(refused.reason._tag).toBe("StreamFull")
    expect(refused.isRetryable).toBe(false)
    expect(refused.message).toContain("maximum messages exceeded")

    const batch = await rt().runPromise(
      JetStreamPublisher.use((p) => p.publishBatch([6, 7].map((i) => ({ subject: `full.${token}.a`, payload: new Uint8Array(10), msgId: `${token}-${i}` }))))
    )
    expect(batch.map((r) => (Result.isFailure(r) ? r.failure.reason._tag : "acked"))).toEqual(["StreamFull", "StreamFull"])
    expect(await streamState(name)).toMatchObject({ messages: 5, first_seq: 1, last_seq: 5 })
  })

  it("refuses the publish past max_bytes with StreamFull", async () => {
    const token = randomToken()
    const name = `BYTES_${token}`
    await apply(testStream({ name, subjects: [`bytes.${token}.>`], maxBytes: 4_096, discard: "new" }))
    let accepted = 0
    let refusal: BusError | undefined
    while (refusal === undefined && accepted < 100) {
      const result = await publishOne(`bytes.${token}.a`, `${token}-${accepted}`, 1_000)
      if (Result.isSuccess(result)) accepted += 1
      else refusal = result.failure
    }
    expect(refusal?.reason._tag).toBe("StreamFull")
    expect(refusal?.message).toContain("maximum bytes exceeded")
    expect(accepted).toBeGreaterThan(0)
    expect((await streamState(name)).messages).toBe(accepted)
  })

  it("master data when full: an update replaces its subject's value, a new subject is refused", async () => {
    const token = randomToken()
    const name = `MD_${token}`
    await apply(testStream({ name, subjects: [`md.${token}.>`], maxMsgs: 2, maxMsgsPerSubject: 1, discard: "new" }))
    for (const item of ["a", "b"]) expect(Result.isSuccess(await publishOne(`md.${token}.${item}`, `${token}-${item}-1`))).toBe(true)
    expect(Result.isSuccess(await publishOne(`md.${token}.a`, `${token}-a-2`))).toBe(true)
    expect(failureOf(await publishOne(`md.${token}.c`, `${token}-c-1`)).reason._tag).toBe("StreamFull")
    expect(await streamState(name)).toMatchObject({ messages: 2, last_seq: 3 })
  })

  it("a full sourced stream stalls its source; raised in place, it receives every message once, in order", async () => {
    const token = randomToken()
    const origin = `ORIGIN_${token}`
    const copy = `COPY_${token}`
    await apply(testStream({ name: origin, subjects: [`src.${token}.>`] }))
    const manager = await jsm(rt())
    // Sourced within one server (no domain): the same store-and-retry path as a source across a leaf link.
    await manager.streams.add({ name: copy, max_msgs: 3, discard: DiscardPolicy.New, sources: [{ name: origin }] })
    for (let i = 1; i <= 8; i++) expect(Result.isSuccess(await publishOne(`src.${token}.x`, `${token}-${i}`))).toBe(true)
    await waitFor("the copy full", async () => ((await streamState(copy)).messages === 3 ? true : undefined), { timeoutMs: 10_000 })

    const live = await manager.streams.info(copy)
    await manager.streams.update(copy, { ...live.config, max_msgs: 12 })
    await waitFor("the copy caught up", async () => ((await streamState(copy)).messages === 8 ? true : undefined), { timeoutMs: 20_000 })
    const ids: Array<string> = []
    for (let seq = 1; seq <= 8; seq++) ids.push((await manager.streams.getMessage(copy, { seq }))?.header.get("Nats-Msg-Id") ?? "")
    expect(ids).toEqual(Array.from({ length: 8 }, (_, i) => `${token}-${i + 1}`))
  })

  it("control: discard old at the same limit accepts the publish and deletes the oldest message", async () => {
    const token = randomToken()
    const name = `OLD_${token}`
    await apply(testStream({ name, subjects: [`old.${token}.>`], maxMsgs: 5, discard: "old" }))
    for (let i = 0; i < 6; i++) expect(Result.isSuccess(await publishOne(`old.${token}.a`, `${token}-${i}`))).toBe(true)
    expect(await streamState(name)).toMatchObject({ messages: 5, first_seq: 2 })
  })

  it("a lowered max_msgs deletes the oldest messages at once, even with discard new", async () => {
    const token = randomToken()
    const name = `SHRINK_${token}`
    await apply(testStream({ name, subjects: [`shrink.${token}.>`], maxMsgs: 10, discard: "new" }))
    for (let i = 0; i < 10; i++) expect(Result.isSuccess(await publishOne(`shrink.${token}.a`, `${token}-${i}`))).toBe(true)
    const manager = await jsm(rt())
    await manager.streams.update(name, { ...(await manager.streams.info(name)).config, max_msgs: 4 })
    expect(await streamState(name)).toMatchObject({ messages: 4, first_seq: 7 })
  })

  it("refuses to create a stream whose max_bytes exceeds the server's file store", async () => {
    const token = randomToken()
    const exit = await rt().runPromiseExit(
      applyStreams({
        streams: [testStream({ name: `HUGE_${token}`, subjects: [`huge.${token}.>`], maxBytes: 1024 ** 5, discard: "new" })],
        consumers: []
      })
    )
    const failure = exit._tag === "Failure" ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    const error = failure?._tag === "Fail" ? (failure.error as BusError) : undefined
    expect(error?.message).toContain("insufficient storage resources")
  })
})
