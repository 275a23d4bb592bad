/**
 * Model check of the engine: a seeded workload of orders x lines with >= 10%
 * duplicates, every order's inputs out of source order, random naks
 * (`LOGIMESH_CRASH_AT=nak:0.05`), consumed by TWO engine processes on one
 * durable consumer. Then: every final state equals the decider folded over
 * the unique inputs in source order; every effect exactly once (outbox rows,
 * and messages in the output stream by msg id and by entity/seq).
 *
 * Size: 1,000 orders x 20 lines (seed 7), in CI too;
 * `ENGINE_MODEL_ORDERS` / `ENGINE_MODEL_SEED` change it to re-run a schedule.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Config, Effect } from "effect"
import { type EngineFixture, makeWorkload, startEngineFixture } from "./engineHarness.ts"

const size = Effect.runSync(
  Config.all({
    orders: Config.Number("ENGINE_MODEL_ORDERS").pipe(Config.withDefault(1_000)),
    seed: Config.Number("ENGINE_MODEL_SEED").pipe(Config.withDefault(7))
  })
)

let fixture: EngineFixture

beforeAll(async () => {
  fixture = await startEngineFixture({ label: "engine-model" })
})
afterAll(async () => {
  await fixture?.stop()
})

describe("engine model check", () => {
  it(`${size.orders} orders x 20 lines, duplicates, reordering, naks, two processes: exact states, effects once`, async () => {
    const workload = makeWorkload(fixture.names.token, {
      orders: size.orders,
      linesPerOrder: 20,
      duplicateRate: 0.12,
      refuseRate: 0.05,
      seed: size.seed,
      unsequencedEvery: 10
    })
    expect(workload.messages.length).toBeGreaterThanOrEqual(workload.unique * 1.1)
    const engines = [fixture.spawnEngine({ LOGIMESH_CRASH_AT: "nak:0.05" }), fixture.spawnEngine({ LOGIMESH_CRASH_AT: "nak:0.05" })]
    await Promise.all(engines.map((e) => e.ready))
    const started = Date.now()
    await fixture.publish(workload.messages)
    await fixture.waitSettled(workload.unique, 150_000)
    const seconds = (Date.now() - started) / 1000
    const stats = engines.map((e) => e.lastStats())
    console.log(
      JSON.stringify({
        delivered: workload.messages.length,
        unique: workload.unique,
        seconds,
        perSecond: Math.round(workload.messages.length / seconds),
        stats
      })
    )
    expect(engines.every((e) => e.alive())).toBe(true)
    expect(await fixture.verify(workload)).toEqual([])
  }, 180_000)
})
