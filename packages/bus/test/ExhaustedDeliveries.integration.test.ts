/**
 * The exhausted lane against a real nats-server 2.9 with a leafnode listener
 * (as the hub runs): a consumer process dies with pull requests outstanding,
 * a message arrives within 2 s, and the server spends every delivery of it
 * on the dead process's requests and drops it (the MAX_DELIVERIES notice is
 * the only trace). With the lane the next runner handles it once; without
 * (the control) it is never delivered again. A message the handler parks
 * from the lane lands in the DLQ with its park headers.
 */
import { connect, createInbox } from "@nats-io/transport-node"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeTestRunDir } from "@logimesh/testkit"
import { type NatsServer, startNatsServer, waitFor } from "@logimesh/topology"
import { join } from "node:path"
import { applyStreams } from "../src/applyStreams.ts"
import { BusHeaders } from "../src/BusHeaders.ts"
import { ConsumerRunner, type ConsumerSpec } from "../src/ConsumerRunner.ts"
import { JetStreamPublisher } from "../src/JetStreamPublisher.ts"
import { Outcome } from "../src/Outcome.ts"
import { consumerTarget, type ConsumerDefinition, StreamNames, withDeliveryExhaustedLane } from "../src/StreamDefinitions.ts"
import { Subjects } from "../src/Subjects.ts"
import { type BusRuntime, jsm, makeBusRuntime, randomToken, run, testConsumer, testStream } from "./busTestRuntime.ts"

const dir = makeTestRunDir("bus-exhausted")
let server: NatsServer | undefined
let runtime: BusRuntime | undefined
const site = randomToken()
const stream = `EX_${randomToken()}`
const dlqStream = `EXDLQ_${randomToken()}`
const dlqSubject = (name: string) => `dlq.${site}.${name}`
const encode = (text: string) => new TextEncoder().encode(text)
const decode = (data: Uint8Array) => new TextDecoder().decode(data)

const rt = (): BusRuntime => {
  if (runtime === undefined) throw new Error("runtime not started")
  return runtime
}

beforeAll(async () => {
  // A hub: JetStream domain "hub" and a leafnode listener, which is what makes 2.9 serve a pull request of a
  // gone client while it is younger than 2 s.
  server = await startNatsServer(
    { role: "hub", serverName: `exhausted-${process.pid}`, host: "127.0.0.1", port: 0, monitorPort: 0, leafPort: 0, storeDir: join(dir.path, "js") },
    { workDir: dir.path }
  )
  runtime = makeBusRuntime(server.url)
  await run(
    rt(),
    applyStreams({
      streams: [
        testStream({ name: stream, subjects: [Subjects.siteEvents(site)] }),
        testStream({ name: StreamNames.deliveryExhausted, subjects: [Subjects.maxDeliveriesAdvisories] }),
        testStream({ name: dlqStream, subjects: [`dlq.${site}.>`] })
      ],
      consumers: []
    })
  )
})

afterAll(async () => {
  await runtime?.dispose()
  await server?.process.kill()
  dir.remove()
})


/** A consumer process that pulled (batch 32, expires 60 s) and was killed: its requests stay queued at the server. */
const diesWithPullsOutstanding = async (consumer: string) => {
  const nc = await connect({ servers: server?.url ?? "" })
  const inbox = createInbox()
  nc.subscribe(inbox)
  for (let i = 0; i < 3; i++) {
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify({ batch: 32, expires: 60_000_000_000 }), { reply: inbox })
  }
  await nc.flush()
  await nc.close()
}

const publish = (eventType: string, text: string) =>
  run(rt(), JetStreamPublisher.use((p) => p.publish(Subjects.siteEvent(site, eventType), encode(text), { msgId: `${site}:${text}` })))

const start = async (definition: ConsumerDefinition, handler: ConsumerSpec<never, never>["handler"]) => {
  const scope = await Effect.runPromise(Scope.make())
  await run(rt(), ConsumerRunner.use((r) => r.run({ ...consumerTarget(definition), handler })).pipe(Scope.provide(scope)))
  return () => Effect.runPromise(Scope.close(scope, Exit.void))
}

/** Applies `definition` (with its lane when asked) and returns the definition the runner should use. */
const setup = async (eventType: string, lane: boolean) => {
  const name = `c_${eventType}_${randomToken()}`
  const definition = testConsumer({ stream, name, filterSubject: Subjects.siteEvent(site, eventType), deadLetterSubject: dlqSubject(name), maxDeliver: 5 })
  const planned = lane ? withDeliveryExhaustedLane(definition) : [definition]
  await run(rt(), applyStreams({ streams: [], consumers: planned }))
  return planned[0]!
}

/** Waits until the server has given up on the message: delivered, neither pending nor ack-pending. */
const droppedByServer = (consumer: string, seq: number) =>
  waitFor(`server gave up on seq ${seq} of ${consumer}`, async () => {
    const info = await (await jsm(rt())).consumers.info(stream, consumer)
    return info.delivered.stream_seq >= seq && info.num_ack_pending === 0 && info.num_pending === 0 ? info : undefined
  })

describe("exhausted lane (nats-server 2.9, hub with leafnodes)", () => {
  it("a message bounced to death on a dead process's pull requests is handled once by the lane; without it, never", async () => {
    const withLane = await setup("lane", true)
    const without = await setup("nolane", false)
    await diesWithPullsOutstanding(withLane.name)
    await diesWithPullsOutstanding(without.name)
    const a = await publish("lane", "arrives-after-the-death-a")
    const b = await publish("nolane", "arrives-after-the-death-b")
    // The fault, seen from the server: every delivery spent at once, the message no longer pending anywhere.
    const droppedA = await droppedByServer(withLane.name, a.seq)
    await droppedByServer(without.name, b.seq)
    expect(droppedA.delivered.consumer_seq).toBe(5)
    const notices = await (await jsm(rt())).streams.info(StreamNames.deliveryExhausted, { subjects_filter: ">" })
    expect(notices.state.subjects?.[Subjects.maxDeliveriesAdvisory(stream, withLane.name)]).toBe(1)

    const seenWithLane: Array<{ readonly text: string; readonly count: number }> = []
    const seenWithout: Array<string> = []
    const stopA = await start(withLane, (m) => Effect.sync(() => seenWithLane.push({ text: decode(m.data), count: m.deliveryCount })).pipe(Effect.as(Outcome.Ack())))
    const stopB = await start(without, (m) => Effect.sync(() => seenWithout.push(decode(m.data))).pipe(Effect.as(Outcome.Ack())))
    await waitFor("the lane handled it", async () => (seenWithLane.length > 0 ? true : undefined), { timeoutMs: 20_000 })
    // The lane's notice is acked (nothing left for it) and the message was handled exactly once.
    await waitFor("the notice acked", async () => {
      const lane = await (await jsm(rt())).consumers.info(StreamNames.deliveryExhausted, `${withLane.name}_exhausted`)
      return lane.num_ack_pending === 0 && lane.num_pending === 0 ? true : undefined
    })
    expect(seenWithLane).toEqual([{ text: "arrives-after-the-death-a", count: 1 }])
    // The control: the same server state without a lane; by now its runner has pulled for as long, and nothing came.
    expect(seenWithout).toEqual([])
    const controlInfo = await (await jsm(rt())).consumers.info(stream, without.name)
    expect(controlInfo.num_pending + controlInfo.num_ack_pending).toBe(0)
    await stopA()
    await stopB()
  }, 60_000)

  it("a message the handler parks from the lane goes to the DLQ with its park headers", async () => {
    const withLane = await setup("lanepark", true)
    await diesWithPullsOutstanding(withLane.name)
    const sent = await publish("lanepark", "poison-after-the-death")
    await droppedByServer(withLane.name, sent.seq)
    const stop = await start(withLane, () => Effect.succeed(Outcome.Park({ reason: "Unusable", detail: "cannot be applied" })))
    const parked = await waitFor("parked in the DLQ", async () => {
      const m = await (await jsm(rt())).streams.getMessage(dlqStream, { last_by_subj: dlqSubject(withLane.name) }).catch(() => null)
      return m ?? undefined
    }, { timeoutMs: 20_000 })
    expect(decode(parked.data)).toBe("poison-after-the-death")
    expect(parked.header?.get(BusHeaders.parkReason)).toBe("Unusable")
    expect(parked.header?.get(BusHeaders.originalSequence)).toBe(String(sent.seq))
    expect(parked.header?.get(BusHeaders.originalConsumer)).toBe(withLane.name)
    await stop()
  }, 60_000)
})

