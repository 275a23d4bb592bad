/**
 * The engine run in-process through `makeEngine` (the API benchmarks use):
 * a clean workload ends exact; a re-drive from stream sequence 1 on a fresh
 * consumer re-applies nothing (every input a duplicate, no new effect); an
 * early arrival whose gap never fills is parked by the hold sweeper with
 * reason HoldTimeout; inbox rows older than the retention are pruned.
 */
import { Duration } from "effect"
import { sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EngineHeaders, pruneInbox, redriveConsumer, sweepHeld } from "@logimesh/engine"
import { waitFor } from "@logimesh/topology"
import { type EngineFixture, makeWorkload, startEngineFixture } from "./engineHarness.ts"
import { AppendLine } from "./OrderLinesDecider.ts"
import { encodeCommand, orderLinesEntity } from "./orderLinesEntity.ts"

let fixture: EngineFixture

beforeAll(async () => {
  fixture = await startEngineFixture({ label: "engine-inproc" })
})
afterAll(async () => {
  await fixture?.stop()
})

const engineOn = (consumer: string) => fixture.inProcessEngine(consumer, { maxConnections: 8, maxBatch: 100 })

describe("engine in-process", () => {
  it("runs exact, re-drives as a no-op, parks a stuck hold, prunes the inbox", async () => {
    const workload = makeWorkload(fixture.names.token, { orders: 40, linesPerOrder: 6, duplicateRate: 0.1, refuseRate: 0.1, seed: 5, unsequencedEvery: 5 })
    const engine = await engineOn(fixture.names.consumer)
    await fixture.publish(workload.messages)
    await fixture.waitSettled(workload.unique, 30_000)
    expect(await fixture.verify(workload)).toEqual([])
    const stats = await engine.stats()
    expect(stats.outcomes.applied + stats.outcomes.rejected + stats.outcomes.held).toBeGreaterThan(0)
    await engine.stop()

    // Re-drive the whole stream on a fresh consumer: nothing changes.
    const redrive = await fixture.runtime.runPromise(
      redriveConsumer({ stream: fixture.names.stream, name: `redrive_${fixture.names.token}`, from: { sequence: 1 }, ackWait: Duration.seconds(3) })
    )
    const again = await engineOn(redrive)
    // The stream holds fewer than were published: it deduped same-id re-sends within its window.
    const stored = await fixture.streamMessages(fixture.names.stream)
    await waitFor(
      "re-drive consumed",
      async () => {
        const s = await again.stats()
        return s.outcomes.duplicate >= stored ? s : undefined
      },
      { timeoutMs: 30_000 }
    )
    await fixture.waitSettled(workload.unique, 10_000)
    expect(await fixture.verify(workload)).toEqual([])
    expect((await again.stats()).outcomes.applied).toBe(0)

    // An early arrival whose gap never fills: held, then parked by the sweeper.
    const stuck = `o-${fixture.names.token}-stuck`
    await fixture.publish([
      {
        subject: fixture.names.inputSubject,
        payload: encodeCommand(new AppendLine({ orderId: stuck, source: "erp", line: 3, note: "" })),
        msgId: `${stuck}:erp:3`,
        headers: { [EngineHeaders.source]: "erp", [EngineHeaders.sourceSeq]: "3" }
      }
    ])
    await waitFor("held", async () => {
      const rows = (await fixture.query(sql<{ n: string }>`SELECT count(*) AS n FROM engine_held WHERE entity_key = ${stuck}`)).rows
      return Number(rows[0]?.n) === 1 ? true : undefined
    })
    await again.stop()
    const parkedCount = await fixture.runtime.runPromise(sweepHeld(orderLinesEntity.name, Duration.zero))
    expect(parkedCount).toBe(1)
    const parked = (await fixture.query(sql<{ reason: string; entity_key: string }>`SELECT reason, entity_key FROM engine_parked`)).rows
    expect(parked).toEqual([{ reason: "HoldTimeout", entity_key: stuck }])

    // Inbox retention.
    await fixture.query(sql`UPDATE engine_inbox SET received_at = now() - interval '8 days' WHERE msg_id IN (SELECT msg_id FROM engine_inbox LIMIT 10)`)
    const pruned = await fixture.runtime.runPromise(pruneInbox(Duration.days(7)))
    expect(pruned).toBe(10)
    expect(await fixture.runtime.runPromise(pruneInbox(Duration.days(7)))).toBe(0)
  })
})
