/**
 * nats-server 2.9 behaviour the mesh's consumer defaults rest on: on a
 * consumer with a `backoff` list, `nak(delay)` is honoured for the first
 * redelivery only; from then on the server waits out the backoff list
 * instead (a 500 ms nak became 60 s here). Without a backoff list every
 * nak delay is honoured. So logimesh consumers set no backoff (ack timeouts
 * use `ack_wait`) and handler retries choose their delay with `nak(delay)`.
 * If a server upgrade fixes this, the first test fails and the defaults can
 * be revisited.
 */
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestNats, type TestNats } from "@logimesh/testkit"
import { consumerDefaults } from "../src/StreamDefinitions.ts"

let server: TestNats
let nc: NatsConnection

beforeAll(async () => {
  server = await startTestNats("nak-backoff")
  nc = await connect({ servers: server.url })
  await (await jetstreamManager(nc)).streams.add({ name: "NAKS", subjects: ["naks.>"] })
}, 30_000)

afterAll(async () => {
  await nc?.close()
  await server?.stop()
})

/** Delivery times (ms after the first) of one message nak'ed with 300 ms each time, up to `count` deliveries or a 5 s wait. */
const deliveries = async (consumer: string, subject: string, count: number): Promise<ReadonlyArray<number>> => {
  await jetstream(nc).publish(subject, new Uint8Array([1]))
  const c = await jetstream(nc).consumers.get("NAKS", consumer)
  const times: Array<number> = []
  let first = 0
  for (let i = 0; i < count; i++) {
    const m = await c.next({ expires: 5_000 })
    if (m === null) break
    if (i === 0) first = Date.now()
    times.push(Date.now() - first)
    m.nak(300)
  }
  return times
}

describe("nak(delay) on nats-server 2.9", () => {
  it("is ignored after the first redelivery when the consumer has a backoff list", async () => {
    await (await jetstreamManager(nc)).consumers.add("NAKS", {
      durable_name: "with_backoff",
      filter_subject: "naks.a",
      ack_policy: AckPolicy.Explicit,
      max_deliver: 10,
      backoff: [nanos(30_000), nanos(60_000)]
    })
    const times = await deliveries("with_backoff", "naks.a", 4)
    expect(times.length).toBe(2) // the third delivery waits for backoff[1] = 60 s, not 300 ms
  }, 20_000)

  it("is honoured every time without a backoff list (the logimesh default)", async () => {
    expect(consumerDefaults.backoff).toEqual([])
    await (await jetstreamManager(nc)).consumers.add("NAKS", {
      durable_name: "no_backoff",
      filter_subject: "naks.b",
      ack_policy: AckPolicy.Explicit,
      max_deliver: 10,
      ack_wait: nanos(30_000)
    })
    const times = await deliveries("no_backoff", "naks.b", 4)
    expect(times.length).toBe(4)
    expect(times[3]).toBeLessThan(5_000)
  }, 20_000)
})
