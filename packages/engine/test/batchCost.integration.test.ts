/**
 * What a batch costs Postgres grows with the batch, not with the tables.
 *
 * The engine's hot statements (activation load, lock + inbox check, the
 * entity upsert) reach every row by a primary-key probe. Written as plain
 * joins or `= ANY(...)`, the planner scanned the whole entity type and the
 * whole inbox for each batch whenever the tables had no statistics (a young
 * table; autovacuum off, as on this machine), so throughput fell as the
 * tables grew. Here: 30,000 entity and inbox rows that were never analyzed,
 * then 200 commands (half for existing orders, half new); the rows Postgres
 * read from those two tables (sequential + index fetches, from
 * pg_stat_user_tables) must stay within a small multiple of the commands.
 */
import { Duration, Redacted } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { NatsConnection, type OutgoingMessage } from "@logimesh/bus"
import { Db } from "@logimesh/db"
import { EngineHeaders, makeEngine } from "@logimesh/engine"
import { waitFor } from "@logimesh/topology"
import { type EngineFixture, outputSubject, startEngineFixture } from "./engineHarness.ts"
import { AppendLine } from "./OrderLinesDecider.ts"
import { encodeCommand, orderLinesEntity } from "./orderLinesEntity.ts"

const seeded = 30_000
const commands = 200

let fixture: EngineFixture

beforeAll(async () => {
  fixture = await startEngineFixture({ label: "engine-batch-cost" })
})
afterAll(async () => {
  await fixture?.stop()
})

interface TableCounters {
  readonly read: number
  readonly written: number
}

/** Rows read (sequential + index fetches) and written (inserts + updates) of the entity and inbox tables, as Postgres counts them. */
const counters = async (client: pg.Client): Promise<TableCounters> => {
  const { rows } = await client.query<{ read: string; written: string }>(`
    SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0) AS read, coalesce(sum(n_tup_ins + n_tup_upd), 0) AS written
    FROM pg_stat_user_tables WHERE relname IN ('engine_entity', 'engine_inbox')`)
  return { read: Number(rows[0]?.read), written: Number(rows[0]?.written) }
}

/** Counters once every backend that wrote `written` rows has reported them (backends report on exit or when idle). */
const settledCounters = (client: pg.Client, written: number) =>
  waitFor(
    "table statistics reported",
    async () => {
      await client.query("SELECT pg_stat_clear_snapshot()")
      const now = await counters(client)
      return now.written >= written ? now : undefined
    },
    { timeoutMs: 30_000, intervalMs: 250 }
  )

describe("engine batch cost", () => {
  it("reads rows in proportion to the batch, not to the size of never-analyzed tables", async () => {
    const seeder = new pg.Client({ connectionString: fixture.database.url })
    await seeder.connect()
    // No statistics wherever this runs: autovacuum (on elsewhere, off here) must not analyze them meanwhile.
    await seeder.query("ALTER TABLE engine_entity SET (autovacuum_enabled = false); ALTER TABLE engine_inbox SET (autovacuum_enabled = false)")
    await seeder.query(
      `
      INSERT INTO engine_entity (entity_type, entity_key, version, event_seq, state, snapshot_seq, sources)
      SELECT $1, 'seed-' || g, 1, 0, NULL, 0, '{}'::jsonb FROM generate_series(1, ${seeded}) g`,
      [orderLinesEntity.name]
    )
    await seeder.query(
      `
      INSERT INTO engine_inbox (msg_id, entity_type, entity_key)
      SELECT 'seed-msg-' || g, $1, 'seed-' || g FROM generate_series(1, ${seeded}) g`,
      [orderLinesEntity.name]
    )
    await seeder.end()

    const observer = new pg.Client({ connectionString: fixture.database.url })
    await observer.connect()
    try {
      const before = await settledCounters(observer, 2 * seeded)

      const command = (orderId: string, i: number): OutgoingMessage => ({
        subject: fixture.names.inputSubject,
        payload: encodeCommand(new AppendLine({ orderId, source: "erp", line: 1, note: "" })),
        msgId: `${fixture.names.token}:${i}`,
        headers: { [EngineHeaders.source]: "erp", [EngineHeaders.sourceSeq]: "1" }
      })
      const messages = Array.from({ length: commands }, (_, i) => command(i % 2 === 0 ? `seed-${1 + i * 97}` : `new-${i}`, i))
      const engine = await makeEngine({
        entity: orderLinesEntity,
        region: "eu-west",
        input: { stream: fixture.names.stream, consumer: fixture.names.consumer, deadLetterSubject: fixture.names.deadLetterSubject },
        outputSubject: (_key, kind) => outputSubject(fixture.names.token, kind),
        db: Db.layerFrom({ url: Redacted.make(fixture.database.url), maxConnections: 4 }),
        nats: NatsConnection.layerFrom({ url: fixture.nats.url, name: "engine-batch-cost" }),
        groupCommit: { maxBatch: 50, window: Duration.millis(2) }
      })
      try {
        await fixture.publish(messages)
        await fixture.waitSettled(commands, 30_000)
        expect((await engine.stats()).outcomes.applied).toBe(commands)
      } finally {
        // Closing the engine's pool ends its backends, which report their table statistics as they exit.
        await engine.stop()
      }
      // Each command: one entity row written, one inbox row inserted.
      const after = await settledCounters(observer, before.written + 2 * commands)
      const read = after.read - before.read
      const analyzed = await observer.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_user_tables WHERE relname IN ('engine_entity', 'engine_inbox') AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)`
      )
      expect(Number(analyzed.rows[0]?.n)).toBe(0)
      // A handful of probes per command (load, lock, upsert check, inbox check); one scan of either table alone is 30,000.
      expect(read).toBeLessThan(10 * commands)
    } finally {
      await observer.end()
    }
  }, 120_000)
})
