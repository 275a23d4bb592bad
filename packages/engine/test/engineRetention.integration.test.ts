/**
 * Retention of the engine's tables over a real engine run (rows aged by
 * back-dating them in SQL, no waiting):
 *   - inbox rows past the horizon are gone, those inside stay; sent outbox rows created and sent
 *     past the horizon are gone, one sent recently stays, unsent rows stay whatever their age;
 *     replayed parked rows past the horizon are gone, a recent one and a still-parked old one stay;
 *   - a re-drive of the whole input stream afterwards: every input whose inbox row is inside the
 *     horizon is refused as a duplicate, and (the control) every input whose row was pruned is
 *     applied again, so it is the inbox row that refuses the repeat (inputs without a source
 *     sequence: nothing else recognises them);
 *   - with autovacuum off (as on this machine), every row the relay marked sent leaves a dead entry
 *     in the partial index of unsent rows, and the relay's claim query walks them; a retention
 *     round vacuums the outbox even when it deletes nothing, after which the claim reads a few
 *     pages (measured here in buffers, not time).
 */
import { Duration } from "effect"
import { sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { pruneEngineTables, pruneSentOutbox, redriveConsumer } from "@logimesh/engine"
import { waitFor } from "@logimesh/topology"
import { type EngineFixture, makeWorkload, outputSubject, startEngineFixture } from "./engineHarness.ts"

let fixture: EngineFixture

beforeAll(async () => {
  fixture = await startEngineFixture({ label: "engine-retention" })
})
afterAll(async () => {
  await fixture?.stop()
})

const engineOn = (consumer: string) => fixture.inProcessEngine(consumer, { maxConnections: 4, maxBatch: 50 })

const count = async (query: ReturnType<typeof sql<{ n: string }>>): Promise<number> => Number((await fixture.query(query)).rows[0]?.n)

const horizons = { inbox: Duration.days(7), outboxSent: Duration.days(7), replayedParked: Duration.days(30) }

describe("engine retention", () => {
  it("prunes what is past each horizon, keeps the rest, and still refuses a duplicate inside the inbox horizon", async () => {
    // Inputs without a source sequence: only the inbox recognises a repeat.
    const workload = makeWorkload(fixture.names.token, { orders: 20, linesPerOrder: 4, duplicateRate: 0, refuseRate: 0, seed: 11, unsequencedEvery: 1 })
    const engine = await engineOn(fixture.names.consumer)
    await fixture.publish(workload.messages)
    await fixture.waitSettled(workload.unique, 30_000)
    await engine.stop()

    const old = (orderIds: ReadonlyArray<string>) => sql.join(orderIds.map((id) => sql`${id}`))
    const agedOrders = [...workload.expected.keys()].slice(0, 10)
    await fixture.query(sql`UPDATE engine_inbox SET received_at = now() - interval '8 days' WHERE entity_key IN (${old(agedOrders)})`)
    // Outbox: 30 rows written and sent 8 days ago, 10 written 8 days ago but sent an hour ago, 3 never sent (30 days old).
    await fixture.query(sql`
      UPDATE engine_outbox SET created_at = now() - interval '8 days',
        sent_at = CASE WHEN id <= (SELECT min(id) + 29 FROM engine_outbox) THEN now() - interval '8 days' ELSE now() - interval '1 hour' END
      WHERE id < (SELECT min(id) + 40 FROM engine_outbox)`)
    await fixture.query(sql`
      INSERT INTO engine_outbox (subject, payload, created_at)
      SELECT ${outputSubject(fixture.names.token, "event")}, convert_to('never sent ' || g, 'UTF8'), now() - interval '30 days'
      FROM generate_series(1, 3) AS g`)
    await fixture.query(sql`
      INSERT INTO engine_parked (dedupe_key, reason, detail, subject, payload, headers, domain, stream, consumer, stream_seq, status, parked_at, replayed_at)
      VALUES
        ('replayed-old', 'Test', '', 's', '\\x00', '{}', 'hub', 'S', 'c', 1, 'replayed', now() - interval '40 days', now() - interval '31 days'),
        ('replayed-new', 'Test', '', 's', '\\x00', '{}', 'hub', 'S', 'c', 2, 'replayed', now() - interval '40 days', now() - interval '1 day'),
        ('parked-old', 'Test', '', 's', '\\x00', '{}', 'hub', 'S', 'c', 3, 'parked', now() - interval '90 days', NULL)`)

    const pruned = await fixture.runtime.runPromise(pruneEngineTables(horizons))
    expect(pruned).toEqual({ engine_inbox: 40, engine_outbox: 30, engine_parked: 1 })
    expect(await fixture.runtime.runPromise(pruneEngineTables(horizons))).toEqual({ engine_inbox: 0, engine_outbox: 0, engine_parked: 0 })

    expect(await count(sql`SELECT count(*) AS n FROM engine_inbox`)).toBe(40)
    expect(await count(sql`SELECT count(*) AS n FROM engine_inbox WHERE entity_key IN (${old(agedOrders)})`)).toBe(0)
    expect(await count(sql`SELECT count(*) AS n FROM engine_outbox`)).toBe(workload.unique - 30 + 3)
    expect(await count(sql`SELECT count(*) AS n FROM engine_outbox WHERE sent_at IS NULL`)).toBe(3)
    expect(await count(sql`SELECT count(*) AS n FROM engine_outbox WHERE created_at < now() - interval '7 days' AND sent_at IS NOT NULL`)).toBe(10)
    expect((await fixture.query(sql<{ dedupe_key: string }>`SELECT dedupe_key FROM engine_parked ORDER BY dedupe_key`)).rows.map((r) => r.dedupe_key)).toEqual([
      "parked-old",
      "replayed-new"
    ])

    // Every input delivered again: those whose inbox row is kept are refused, the pruned ones (control) are applied.
    const redrive = await fixture.runtime.runPromise(
      redriveConsumer({ stream: fixture.names.stream, name: `redrive_${fixture.names.token}`, from: { sequence: 1 }, ackWait: Duration.seconds(3) })
    )
    const again = await engineOn(redrive)
    try {
      const outcomes = await waitFor(
        "re-drive consumed",
        async () => {
          const s = (await again.stats()).outcomes
          return s.duplicate + s.applied >= workload.unique ? s : undefined
        },
        { timeoutMs: 30_000 }
      )
      expect({ duplicate: outcomes.duplicate, applied: outcomes.applied }).toEqual({ duplicate: 40, applied: 40 })
      expect(await count(sql`SELECT count(*) AS n FROM engine_inbox`)).toBe(workload.unique)
    } finally {
      await again.stop()
    }
  }, 90_000)

  it("leaves the relay's claim query reading a few pages, not the dead entries of every row marked sent", async () => {
    const subject = outputSubject(fixture.names.token, "claim")
    await fixture.query(sql`DELETE FROM engine_outbox`)
    await fixture.runtime.runPromise(pruneSentOutbox(horizons.outboxSent))
    // 40,000 rows written, then marked sent (as the relay does), then 10 unsent rows for the claim to find.
    await fixture.query(sql`INSERT INTO engine_outbox (subject, payload) SELECT ${subject}, '\\x00' FROM generate_series(1, 40000)`)
    await fixture.query(sql`UPDATE engine_outbox SET sent_at = now() WHERE sent_at IS NULL`)
    await fixture.query(
      sql`INSERT INTO engine_outbox (subject, payload, created_at) SELECT ${subject}, '\\x00', now() - interval '1 minute' FROM generate_series(1, 10)`
    )
    // The relay's claim query (OutboxRelay.relayOnce); the pages it touched.
    const claimPages = async (): Promise<number> => {
      const rows = (
        await fixture.query(sql<{
          "QUERY PLAN": ReadonlyArray<{ Plan: { "Shared Hit Blocks": number; "Shared Read Blocks": number; "Actual Rows": number } }>
        }>`
        EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
        SELECT id, subject, payload, headers FROM engine_outbox WHERE sent_at IS NULL AND created_at < now() - make_interval(secs => 1)
        ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED`)
      ).rows
      const top = rows[0]?.["QUERY PLAN"][0]?.Plan
      if (top === undefined) throw new Error("no plan")
      expect(top["Actual Rows"]).toBe(10)
      return top["Shared Hit Blocks"] + top["Shared Read Blocks"]
    }
    await claimPages() // the first scan after the marks also visits the heap to learn the entries are dead
    const before = await claimPages()
    expect(await fixture.runtime.runPromise(pruneSentOutbox(horizons.outboxSent))).toBe(0)
    const after = await claimPages()
    expect({ before: before > 100, after: after < 40 }).toEqual({ before: true, after: true })
  }, 60_000)
})
