/**
 * The relay's hand-off (rows the committers pass in memory) against real
 * Postgres and NATS: handed rows are published without being read back, a
 * row another relay holds locked or has already sent is not published again,
 * and whatever the hand-off drops (a full queue) the claim round still
 * publishes from Postgres. Each outbox row ends in the stream exactly once.
 */
import { Duration, Exit, Layer, ManagedRuntime, Redacted, Scope } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { JetStreamPublisher, NatsConnection } from "@logimesh/bus"
import { Db } from "@logimesh/db"
import { type CommittedOutboxRow, FaultInjector, makeOutboxHandoff, outboxMsgId, relayHandedOnce, runOutboxRelay } from "@logimesh/engine"
import { waitFor } from "@logimesh/topology"
import { type EngineFixture, outputSubject, startEngineFixture } from "./engineHarness.ts"

const region = "eu-west"
let fixture: EngineFixture
let admin: pg.Client
let runtime: ManagedRuntime.ManagedRuntime<Db | JetStreamPublisher | NatsConnection | FaultInjector, unknown>

beforeAll(async () => {
  fixture = await startEngineFixture({ label: "engine-handoff" })
  admin = new pg.Client({ connectionString: fixture.database.url })
  await admin.connect()
  runtime = ManagedRuntime.make(Layer.mergeAll(
    JetStreamPublisher.layer.pipe(Layer.provideMerge(NatsConnection.layerFrom({ url: fixture.nats.url, name: "engine-handoff" }))),
    Db.layerFrom({ url: Redacted.make(fixture.database.url), maxConnections: 4 }),
    FaultInjector.none
  ))
})
afterAll(async () => {
  await runtime?.dispose()
  await admin?.end()
  await fixture?.stop()
})

/** Inserts `count` committed outbox rows, as a committer would, and returns them as handed over. */
const commitRows = async (count: number): Promise<ReadonlyArray<CommittedOutboxRow>> => {
  const subject = outputSubject(fixture.names.token, "event")
  const rows: Array<CommittedOutboxRow> = []
  for (let i = 0; i < count; i++) {
    const payload = Buffer.from(JSON.stringify({ n: i }))
    const headers = { "Logimesh-Test-Row": String(i) }
    const { rows: [row] } = await admin.query<{ id: string }>(
      "INSERT INTO engine_outbox (subject, payload, headers) VALUES ($1, $2, $3) RETURNING id::text AS id",
      [subject, payload, JSON.stringify(headers)]
    )
    rows.push({ id: row!.id, subject, payload: new Uint8Array(payload), headers })
  }
  return rows
}

const unsent = async (): Promise<ReadonlyArray<string>> =>
  (await admin.query<{ row_id: string }>("SELECT id::text AS row_id FROM engine_outbox WHERE sent_at IS NULL ORDER BY id")).rows.map((r) => r.row_id)

describe("outbox hand-off", () => {
  it("publishes handed rows once, skips rows locked or sent elsewhere, and leaves dropped rows to the claim round", async () => {
    const rows = await commitRows(10)

    // Handed over: published from memory and marked.
    const first = await runtime.runPromise(relayHandedOnce({ region }, rows.slice(0, 5)))
    expect(first).toBe(5)
    expect(await unsent()).toEqual(rows.slice(5).map((r) => r.id))

    // Row 6 locked by another relay's claim (an open transaction): only row 7 is published.
    const other = new pg.Client({ connectionString: fixture.database.url })
    await other.connect()
    try {
      await other.query("BEGIN")
      await other.query("SELECT id FROM engine_outbox WHERE id = $1 FOR UPDATE", [rows[5]!.id])
      expect(await runtime.runPromise(relayHandedOnce({ region }, rows.slice(5, 7)))).toBe(1)
      await other.query("ROLLBACK")
    } finally {
      await other.end()
    }
    // Rows already sent, handed over again (a late copy): nothing is published.
    expect(await runtime.runPromise(relayHandedOnce({ region }, rows.slice(0, 2)))).toBe(0)
    expect(await unsent()).toEqual([rows[5]!.id, ...rows.slice(7).map((r) => r.id)])

    // A hand-off too small to keep anything: rows 8-10 are dropped by it; the claim round publishes them and
    // row 6 from Postgres once they are older than `claimAfter`.
    const handoff = makeOutboxHandoff(0)
    handoff.offer(rows.slice(7))
    expect(handoff.size()).toBe(0)
    expect(handoff.dropped()).toBe(3)
    const scope = await runtime.runPromise(Scope.make())
    try {
      const relay = await runtime.runPromise(
        runOutboxRelay({ region, handoff, claimAfter: Duration.millis(300), idleDelay: Duration.millis(20) }).pipe(Scope.provide(scope))
      )
      await waitFor("claim round published the dropped rows", async () => ((await unsent()).length === 0 ? true : undefined), { timeoutMs: 15_000 })
      const stats = await runtime.runPromise(relay.stats)
      expect(stats.handedOff).toBe(0)
      expect(stats.published).toBe(4)
    } finally {
      await runtime.runPromise(Scope.close(scope, Exit.void))
    }

    // The stream holds each row exactly once, under its outbox id.
    const stored = await fixture.readStream(fixture.names.outStream)
    expect(stored.map((h) => h["Nats-Msg-Id"]).sort()).toEqual(rows.map((r) => outboxMsgId(region, r.id)).sort())
    expect(stored.map((h) => h["Logimesh-Test-Row"]).sort()).toEqual(rows.map((_, i) => String(i)).sort())
  }, 60_000)
})
