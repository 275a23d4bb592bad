/**
 * Bounded memory: with room for only 25 resident actors, 400 orders whose
 * inputs arrive shuffled across orders force actors out and back in again
 * and again (an order's 6 lines are spread over the whole stream). Each
 * reactivation rebuilds the state from Postgres (snapshot + events after it),
 * so the final states are still exactly the fold of the inputs, every effect
 * appears once, and the engine ends with at most 25 actors in memory.
 */
import { Duration, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { NatsConnection } from "@logimesh/bus"
import { Db } from "@logimesh/db"
import { makeEngine } from "@logimesh/engine"
import { type EngineFixture, makeWorkload, outputSubject, startEngineFixture } from "./engineHarness.ts"
import { orderLinesEntity } from "./orderLinesEntity.ts"

const maxResident = 25
let fixture: EngineFixture

beforeAll(async () => {
  fixture = await startEngineFixture({ label: "engine-resident" })
})
afterAll(async () => {
  await fixture?.stop()
})

describe("engine residency", () => {
  it(`keeps at most ${maxResident} actors in memory and rebuilds evicted ones exactly from Postgres`, async () => {
    const workload = makeWorkload(fixture.names.token, {
      orders: 400,
      linesPerOrder: 6,
      duplicateRate: 0.05,
      refuseRate: 0.05,
      seed: 23,
      unsequencedEvery: 0
    })
    const engine = await makeEngine({
      entity: orderLinesEntity,
      region: "eu-west",
      input: { stream: fixture.names.stream, consumer: fixture.names.consumer, deadLetterSubject: fixture.names.deadLetterSubject },
      outputSubject: (_key, kind) => outputSubject(fixture.names.token, kind),
      db: Db.layerFrom({ url: Redacted.make(fixture.database.url), maxConnections: 4 }),
      nats: NatsConnection.layerFrom({ url: fixture.nats.url, name: "engine-resident" }),
      maxResident,
      concurrency: 64,
      groupCommit: { maxBatch: 50, window: Duration.millis(2) }
    })
    try {
      await fixture.publish(workload.messages)
      await fixture.waitSettled(workload.unique, 60_000)
      expect(await fixture.verify(workload)).toEqual([])
      const stats = await engine.stats()
      expect(stats.resident).toBeLessThanOrEqual(maxResident)
      // Every input was handled by some activation of its order.
      expect(stats.outcomes.applied + stats.outcomes.rejected + stats.outcomes.held).toBeGreaterThan(400 * 6 * 0.9)
    } finally {
      await engine.stop()
    }
  }, 90_000)
})
