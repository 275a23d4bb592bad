/**
 * The canonical envelope through a real nats-server: generated envelopes
 * (`toNatsMessage`: `ce-*` headers + JSON data) are published with the bus's
 * `JetStreamPublisher`, stored by JetStream, delivered by the bus's
 * `ConsumerRunner`, and decoded from the delivered `BusMessage` headers and
 * data by `fromNatsMessage` unchanged. An `OrderReleased` written at v1 makes
 * the same trip and is upcast on read, then processed by v2-only code.
 */
import {
  applyStreams,
  type BusMessage,
  ConsumerRunner,
  type ConsumerDefinition,
  consumerTarget,
  JetStreamPublisher,
  limitsStream,
  NatsConnection,
  Outcome,
  Subjects
} from "@logimesh/bus"
import {
  decodeEvent,
  decodeStructured,
  type Envelope,
  fromNatsMessage,
  OrderReleased,
  OrderReleasedEvent,
  toNatsMessage
} from "@logimesh/model"
import { carrierServiceFor, encodedEnvelope, envelopeArb, envelopeJson, v1Data } from "@logimesh/model/testing"
import { randomSuffix, startTestNats, type TestNats } from "@logimesh/testkit"
import { waitFor } from "@logimesh/topology"
import { Duration, Effect, Exit, Layer, ManagedRuntime, Scope } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const token = `t${randomSuffix()}`
const site = `site-${token}`
const subject = Subjects.siteEvent(site, "envelope")
const limits = { description: "envelope over nats", maxAge: Duration.hours(1), duplicateWindow: Duration.minutes(2) }
const stream = limitsStream({ ...limits, name: `ENV_${token}`, subjects: [Subjects.siteEvents(site)] })
const dlqStream = limitsStream({ ...limits, name: `DLQ_${token}`, subjects: [Subjects.deadLetters(token)] })
const consumer: ConsumerDefinition = {
  domain: undefined,
  stream: stream.name,
  name: `envelopes_${token}`,
  description: "envelope round trip",
  filterSubject: undefined,
  ackWait: Duration.seconds(10),
  maxDeliver: 3,
  maxAckPending: 100,
  backoff: [],
  deadLetterSubject: Subjects.deadLetter(token, stream.name, `envelopes_${token}`),
  deadLetterDomain: undefined
}

const makeRuntime = (url: string) =>
  ManagedRuntime.make(
    Layer.mergeAll(JetStreamPublisher.layer, ConsumerRunner.layer).pipe(
      Layer.provideMerge(NatsConnection.layerFrom({ url, name: "envelope-over-nats" }))
    )
  )

let nats: TestNats | undefined
let runtime: ReturnType<typeof makeRuntime> | undefined
let scope: Scope.Closeable | undefined
/** What the consumer was handed, by `Nats-Msg-Id`. */
const delivered = new Map<string, BusMessage>()

const rt = () => {
  if (runtime === undefined) throw new Error("runtime not started")
  return runtime
}

beforeAll(async () => {
  nats = await startTestNats("envelope-over-nats")
  runtime = makeRuntime(nats.url)
  await rt().runPromise(applyStreams({ streams: [stream, dlqStream], consumers: [consumer] }))
  scope = await Effect.runPromise(Scope.make())
  // Sent by: this test's publishes below. Keeps the message exactly as the bus delivered it.
  const handler = (message: BusMessage) =>
    Effect.sync(() => {
      if (message.msgId !== undefined) delivered.set(message.msgId, message)
      return Outcome.Ack()
    })
  await rt().runPromise(ConsumerRunner.use((r) => r.run({ ...consumerTarget(consumer), handler })).pipe(Scope.provide(scope)))
})

afterAll(async () => {
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  await runtime?.dispose()
  await nats?.stop()
})

let published = 0

/** Publishes the envelope's NATS form through the bus and returns what the consumer received. */
const roundTrip = async (envelope: Envelope): Promise<BusMessage> => {
  const message = toNatsMessage(envelope)
  // Unique per publish: generated envelope ids repeat, and JetStream would drop a repeated Nats-Msg-Id.
  const msgId = `${token}-${(published += 1)}`
  const ack = await rt().runPromise(JetStreamPublisher.use((p) => p.publish(subject, message.data, { msgId, headers: message.headers })))
  expect(ack).toMatchObject({ stream: stream.name, duplicate: false })
  return waitFor(`delivery of ${msgId}`, () => Promise.resolve(delivered.get(msgId)), { timeoutMs: 5_000, intervalMs: 2 })
}

const decodeDelivered = (message: BusMessage) =>
  Effect.runPromise(fromNatsMessage({ headers: { ...message.headers }, data: message.data }))

describe("the envelope through a real nats-server", () => {
  it("arrives unchanged: bus headers + data decode to the envelope that was published", async () => {
    await fc.assert(
      fc.asyncProperty(envelopeArb, async (envelope) => {
        const received = await roundTrip(envelope)
        expect(received.subject).toBe(subject)
        // The transport really carried the CloudEvents attributes as NATS headers.
        expect(received.headers).toMatchObject(toNatsMessage(envelope).headers)
        expect(encodedEnvelope(await decodeDelivered(received))).toEqual(encodedEnvelope(envelope))
      }),
      { seed: 20_250_601, numRuns: 50 }
    )
  })

  it("carries a v1 OrderReleased that v2-only code processes after the upcast on read", async () => {
    const written = await Effect.runPromise(decodeStructured(envelopeJson(1, v1Data)))
    expect(written.schemaversion).toBe(1)
    expect(written.data).not.toHaveProperty("serviceLevel")

    const received = await roundTrip(written)
    const envelope = await decodeDelivered(received)
    expect(envelope.schemaversion).toBe(1)
    const { event } = await Effect.runPromise(decodeEvent(OrderReleasedEvent)(envelope))
    expect(event).toBeInstanceOf(OrderReleased)
    expect(event.serviceLevel).toBe("STANDARD")
    expect(event.order).toBe("ORD-1001")
    expect(carrierServiceFor(event)).toBe("ORD-1001:ROAD-48H")
  })
})
