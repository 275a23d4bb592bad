/**
 * The engine behind a dependency gate, in-process, Postgres reached through a
 * TCP fault proxy: a step on its LAST allowed delivery (`max_deliver` 2) whose
 * Postgres goes away while it runs is not parked as `RetriesExhausted`; the
 * runner keeps the message (past `ack_wait`) until the gate opens, and the
 * step then applies on that same delivery — nothing in the DLQ, nothing in
 * `engine_parked`.
 */
import { Duration, Effect, Layer, Redacted } from "effect"
import { sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type DependencyGate, NatsConnection } from "@logimesh/bus"
import { Db } from "@logimesh/db"
import { FaultInjector, makeEngine, type RunningEngine } from "@logimesh/engine"
import { startTcpFaultProxy, type TcpFaultProxy, waitFor } from "@logimesh/topology"
import { type EngineFixture, outputSubject, startEngineFixture } from "./engineHarness.ts"
import { AppendLine } from "./OrderLinesDecider.ts"
import { encodeCommand, orderLinesEntity } from "./orderLinesEntity.ts"

let fixture: EngineFixture
let proxy: TcpFaultProxy
let engine: RunningEngine | undefined

beforeAll(async () => {
  fixture = await startEngineFixture({ label: "engine-gate", maxDeliver: 2, ackWait: Duration.seconds(3) })
  const target = new URL(fixture.database.url)
  proxy = await startTcpFaultProxy({ targetHost: target.hostname, targetPort: Number(target.port || "5432") })
})
afterAll(async () => {
  await engine?.stop()
  await proxy?.close()
  await fixture?.stop()
})

describe("engine with a dependency gate", () => {
  it("keeps a step on its last delivery through a Postgres outage and applies it after, parking nothing", async () => {
    const viaProxy = new URL(fixture.database.url)
    viaProxy.hostname = proxy.host
    viaProxy.port = String(proxy.port)
    // The gate as the region's probe would see it: closed while Postgres is cut off.
    const gate: DependencyGate = {
      isOpen: Effect.sync(() => !proxy.isCut),
      awaitOpen: Effect.gen(function* () {
        while (proxy.isCut) yield* Effect.sleep(Duration.millis(50))
      })
    }
    // Delivery 1 fails as retryable (nak); at the start of delivery 2 — the last — Postgres goes away.
    let steps = 0
    const faults = Layer.succeed(
      FaultInjector,
      FaultInjector.of({
        crash: () => undefined,
        failStep: () => {
          steps += 1
          if (steps === 2) proxy.cut()
          return steps === 1
        }
      })
    )
    engine = await makeEngine({
      entity: orderLinesEntity,
      region: "eu-west",
      input: { stream: fixture.names.stream, consumer: fixture.names.consumer, deadLetterSubject: fixture.names.deadLetterSubject, gate },
      outputSubject: (_key, kind) => outputSubject(fixture.names.token, kind),
      db: Db.layerFrom({ url: Redacted.make(viaProxy.toString()), maxConnections: 4 }),
      nats: NatsConnection.layerFrom({ url: fixture.nats.url, name: "engine-gate" }),
      faults,
      retryDelay: () => Duration.millis(100)
    })
    const command = new AppendLine({ orderId: "GATE-1", source: "erp", line: 1, note: "" })
    await fixture.publish([{ subject: fixture.names.inputSubject, payload: encodeCommand(command), msgId: "gate-test:1" }])

    await waitFor("the last delivery started and Postgres is gone", async () => (proxy.isCut ? true : undefined))
    // Longer than ack_wait (3 s): the runner keeps the message with working().
    await new Promise((resolve) => setTimeout(resolve, 5_000))
    const held = await fixture.consumerInfo()
    expect(held.delivered.consumer_seq).toBe(2)
    expect(held.num_ack_pending).toBe(1)
    expect((await engine.stats()).outcomes).toMatchObject({ applied: 0, parked: 0 })
    expect(await fixture.streamMessages(fixture.names.dlqStream)).toBe(0)

    proxy.restore()
    await waitFor(
      "applied after Postgres returned",
      async () => {
        const stats = await engine!.stats()
        return stats.outcomes.applied === 1 ? stats : undefined
      },
      { timeoutMs: 20_000 }
    )
    const settled = await waitFor("settled", async () => {
      const info = await fixture.consumerInfo()
      return info.num_ack_pending === 0 && info.num_pending === 0 ? info : undefined
    })
    expect(settled.delivered.consumer_seq).toBe(2)
    expect((await engine.stats()).outcomes.parked).toBe(0)
    expect(await fixture.streamMessages(fixture.names.dlqStream)).toBe(0)
    expect((await fixture.query(sql<{ n: string }>`SELECT count(*) AS n FROM engine_parked`)).rows[0]?.n).toBe("0")
    const state = (
      await fixture.query(sql<{ state: { lines: Record<string, Array<number>> } }>`
      SELECT state FROM engine_entity WHERE entity_key = 'GATE-1'`)
    ).rows[0]?.state
    expect(state?.lines["erp"]).toEqual([1])
  })
})
