/**
 * The batch publisher against a real nats-server: every message gets its own
 * result — an ack in input order (with `duplicate` for a re-sent msg id), or
 * a classified error (no stream captures the subject, a stale expected
 * sequence, a missing msg id, nobody answering) — and nothing is reported
 * delivered without its ack.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { jetstreamManager } from "@nats-io/jetstream"
import { Result } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestNats, type TestNats } from "@logimesh/testkit"
import { type BatchPublisher, makeBatchPublisher, type OutgoingMessage } from "../src/JetStreamBatchPublisher.ts"
import { randomToken } from "./busTestRuntime.ts"

let nats: TestNats
let client: NatsConnection
let publisher: BatchPublisher
const token = randomToken()
const stream = `BATCH_${token}`
const payload = new TextEncoder().encode("x".repeat(200))
const message = (i: number, extra: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  subject: `batch.${token}.m`,
  payload,
  msgId: `${token}:${i}`,
  ...extra
})

beforeAll(async () => {
  nats = await startTestNats("bus-batch")
  client = await connect({ servers: nats.url, name: "batch-test" })
  const jsm = await jetstreamManager(client)
  await jsm.streams.add({ name: stream, subjects: [`batch.${token}.>`] })
  publisher = makeBatchPublisher(client, 2_000)
})
afterAll(async () => {
  publisher?.close()
  await client?.close()
  await nats?.stop()
})

const errorTag = (result: Result.Result<unknown, { readonly reason: { readonly _tag: string } }>) =>
  Result.isFailure(result) ? result.failure.reason._tag : "ok"

describe("JetStreamBatchPublisher", () => {
  it("acks 5,000 messages in input order with distinct sequences, and flags re-sent ids as duplicates", async () => {
    const messages = Array.from({ length: 5_000 }, (_, i) => message(i))
    const results = await publisher.publishBatch(messages, 1_024)
    const acks = results.map((r) => (Result.isSuccess(r) ? r.success : undefined))
    expect(acks.every((a) => a !== undefined && !a.duplicate && a.stream === stream)).toBe(true)
    const seqs = acks.map((a) => a?.seq ?? 0)
    expect(new Set(seqs).size).toBe(5_000)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))

    const again = await publisher.publishBatch(messages.slice(0, 100), 64)
    expect(again.every((r) => Result.isSuccess(r) && r.success.duplicate)).toBe(true)
    expect(again.map((r) => (Result.isSuccess(r) ? r.success.seq : 0))).toEqual(seqs.slice(0, 100))
    const jsm = await jetstreamManager(client)
    expect((await jsm.streams.info(stream)).state.messages).toBe(5_000)
  })

  it("gives each message its own error, and still acks the good ones around them", async () => {
    const results = await publisher.publishBatch(
      [
        message(10_001),
        { subject: `nowhere.${token}`, payload, msgId: `${token}:nowhere` },
        message(10_002, { subject: `batch.${token}.seq`, expectLastSubjectSequence: 999_999 }),
        message(10_003, { msgId: "" }),
        message(10_004)
      ],
      16
    )
    expect(results.map(errorTag)).toEqual(["ok", "NoResponders", "WrongLastSequence", "BadRequest", "ok"])
    expect(results.filter(Result.isFailure).map((r) => r.failure.isRetryable)).toEqual([true, false, false])
  })

  it("fails what nobody answers with a retryable timeout, never as delivered", async () => {
    // A plain subscriber has interest in the subject but never replies like a stream would.
    const silent = client.subscribe(`silent.${token}`)
    await client.flush()
    const results = await publisher.publishBatch(
      [
        { subject: `silent.${token}`, payload, msgId: `${token}:silent-1` },
        { subject: `silent.${token}`, payload, msgId: `${token}:silent-2` }
      ],
      16,
      300
    )
    expect(results.map(errorTag)).toEqual(["Timeout", "Timeout"])
    expect(results.every((r) => Result.isFailure(r) && r.failure.isRetryable)).toBe(true)
    silent.unsubscribe()
  })
})
