/**
 * The outbox relay when Postgres goes away between its publish and its mark
 * (Postgres reached through a TCP fault proxy, cut right after the publish):
 * the rows stay unsent in Postgres, and if the relay re-published them after
 * an outage longer than the stream's duplicate window, the stream would hold
 * them twice (the control case below shows it). The relay remembers the acked
 * ids and marks them first once Postgres answers: each message is stored once.
 */
import { jetstreamManager } from "@nats-io/jetstream"
import { connect, nanos, type NatsConnection as Nc } from "@nats-io/transport-node"
import { Exit, Layer, ManagedRuntime, Redacted } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { JetStreamPublisher, NatsConnection } from "@logimesh/bus"
import { Db } from "@logimesh/db"
import { FaultInjector, relayOnce } from "@logimesh/engine"
import { startTcpFaultProxy, type TcpFaultProxy } from "@logimesh/topology"
import { type EngineFixture, startEngineFixture } from "./engineHarness.ts"

let fixture: EngineFixture
let proxy: TcpFaultProxy
let nc: Nc
let cutAfterPublish = false
const stream = "RELAY_LOSS"

const runtime = () => {
  const viaProxy = new URL(fixture.database.url)
  viaProxy.hostname = proxy.host
  viaProxy.port = String(proxy.port)
  const faults = Layer.succeed(
    FaultInjector,
    FaultInjector.of({
      crash: (point) => {
        if (point === "after-publish" && cutAfterPublish) proxy.cut()
      },
      failStep: () => false
    })
  )
  return ManagedRuntime.make(
    Layer.mergeAll(
      JetStreamPublisher.layer.pipe(Layer.provideMerge(NatsConnection.layerFrom({ url: fixture.nats.url, name: "relay-loss" }))),
      Db.layerFrom({ url: Redacted.make(viaProxy.toString()), maxConnections: 2 }),
      faults
    )
  )
}

const insertRows = async (subject: string, count: number): Promise<void> => {
  const client = new pg.Client({ connectionString: fixture.database.url })
  await client.connect()
  try {
    await client.query("DELETE FROM engine_outbox WHERE sent_at IS NULL")
    for (let i = 0; i < count; i++) await client.query("INSERT INTO engine_outbox (subject, payload) VALUES ($1, $2)", [subject, Buffer.from(`m${i}`)])
  } finally {
    await client.end()
  }
}

const unsentRows = async (): Promise<number> => {
  const client = new pg.Client({ connectionString: fixture.database.url })
  await client.connect()
  try {
    return Number((await client.query("SELECT count(*) AS n FROM engine_outbox WHERE sent_at IS NULL")).rows[0].n)
  } finally {
    await client.end()
  }
}

const stored = async (subject: string): Promise<number> => {
  const info = await (await jetstreamManager(nc)).streams.info(stream, { subjects_filter: subject })
  return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0)
}

/** One relay life: round 1 publishes, Postgres is cut before the mark; after the duplicate window it is back; round 2. */
const outage = async (subject: string, remember: boolean) => {
  await insertRows(subject, 5)
  const rt = runtime()
  try {
    const unmarked = new Set<string>()
    cutAfterPublish = true
    const first = await rt.runPromiseExit(relayOnce({ region: "eu-west", batchSize: 100 }, undefined, unmarked))
    cutAfterPublish = false
    expect(Exit.isFailure(first)).toBe(true)
    expect(await stored(subject)).toBe(5)
    expect(unmarked.size).toBe(5)
    await new Promise((resolve) => setTimeout(resolve, 1_500)) // past the stream's 1 s duplicate window
    proxy.restore()
    let second = Exit.fail("not run") as Exit.Exit<number, unknown>
    for (let i = 0; i < 20 && !Exit.isSuccess(second); i++) {
      second = await rt.runPromiseExit(relayOnce({ region: "eu-west", batchSize: 100 }, undefined, remember ? unmarked : new Set()))
      if (!Exit.isSuccess(second)) await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect(Exit.isSuccess(second)).toBe(true)
  } finally {
    await rt.dispose()
  }
}

beforeAll(async () => {
  fixture = await startEngineFixture({ label: "relay-loss" })
  const target = new URL(fixture.database.url)
  proxy = await startTcpFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port || "5432") })
  nc = await connect({ servers: fixture.nats.url })
  await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: ["relayloss.>"], duplicate_window: nanos(1_000) })
}, 60_000)

afterAll(async () => {
  await nc?.close()
  await proxy?.close()
  await fixture?.stop()
})

describe("outbox relay across a Postgres loss between publish and mark", () => {
  it("marks what it published once Postgres is back, instead of publishing it again", async () => {
    await outage("relayloss.remembered", true)
    expect(await stored("relayloss.remembered")).toBe(5)
    expect(await unsentRows()).toBe(0)
  }, 60_000)

  it("(control) a relay that forgot would store every message twice past the duplicate window", async () => {
    await outage("relayloss.forgotten", false)
    expect(await stored("relayloss.forgotten")).toBe(10)
  }, 60_000)
})
