/**
 * Crash loop: engine processes are SIGKILLed at random moments at each point
 * of the step in turn (before commit, after commit before ack, between relay
 * publish and mark — `LOGIMESH_CRASH_AT`, one point per process so every point
 * is exercised) and restarted, over and over, while a workload with duplicates
 * and reordering flows; then a clean process finishes. Afterwards nothing is
 * lost and nothing is doubled (same checks as the model check).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Duration } from "effect"
import { waitFor } from "@logimesh/topology"
import { type EngineChild, type EngineFixture, makeWorkload, startEngineFixture } from "./engineHarness.ts"

const crashes = 8
let fixture: EngineFixture

beforeAll(async () => {
  fixture = await startEngineFixture({ label: "engine-crash", ackWait: Duration.seconds(1), maxDeliver: 50 })
})
afterAll(async () => {
  await fixture?.stop()
})

describe("engine crash loop", () => {
  it(`survives ${crashes} SIGKILLs at random step points: nothing lost, nothing doubled`, async () => {
    const workload = makeWorkload(fixture.names.token, {
      orders: 300,
      linesPerOrder: 10,
      duplicateRate: 0.1,
      refuseRate: 0.05,
      seed: 11,
      unsequencedEvery: 4
    })
    const plan = ["before-commit:0.3", "after-commit:0.3", "after-publish:0.3"]
    const planned = Array.from({ length: crashes }, (_, i) => plan[i % plan.length]!.split(":")[0])
    await fixture.publish(workload.messages)
    const points: Array<string> = []
    let live: EngineChild = fixture.spawnEngine({ LOGIMESH_CRASH_AT: plan[0]! })
    for (let i = 0; i < crashes; i++) {
      const code = await Promise.race([live.exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 20_000))])
      expect(code, `crash ${i + 1} did not happen within 20 s:\n${live.output()}`).not.toBe("timeout")
      points.push(/LOGIMESH_CRASH (\S+)/.exec(live.output())?.[1] ?? "unknown")
      live = fixture.spawnEngine({ LOGIMESH_CRASH_AT: plan[(i + 1) % plan.length]! })
    }
    live.kill()
    await live.exited
    // A clean process finishes the work.
    const clean = fixture.spawnEngine()
    await clean.ready
    await fixture.waitSettled(workload.unique, 40_000)
    console.log(JSON.stringify({ crashPoints: points, stats: clean.lastStats() }))
    expect(points).toEqual(planned)
    expect(await fixture.verify(workload)).toEqual([])
    // The duplicates of crashed relay rounds were absorbed by the stream (same msg id), not published twice.
    await waitFor("clean engine alive", async () => (clean.alive() ? true : undefined))
  })
})
