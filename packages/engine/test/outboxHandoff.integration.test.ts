/**
 * The relay's hand-off (rows the committers pass in memory) against real
 * Postgres and NATS: handed rows are published without being read back, a
 * row another relay holds locked or has already sent is not published again,
 * and whatever the hand-off drops (a full queue) the claim rounds still
 * publish from Postgres, in id order, before the hand-off takes rows again;
 * a backlog is claimed back to back, not one batch per `claimAfter`. Each
 * outbox row ends in the stream exactly once.
 */
import { Duration, Exit, Layer, ManagedRuntime, Redacted, Scope } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { JetStreamPublisher, NatsConnection } from "@logimesh/bus"
import { Db } from "@logimesh/db"
import {
  type CommittedOutboxRow,
  FaultInjector,
  makeOutboxHandoff,
  outboxMsgId,
  type OutboxRelayOptions,
  relayHandedOnce,
  runOutboxRelay
} from "@logimesh/engine"
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
  runtime = ManagedRuntime.make(
    Layer.mergeAll(
      JetStreamPublisher.layer.pipe(Layer.provideMerge(NatsConnection.layerFrom({ url: fixture.nats.url, name: "engine-handoff" }))),
      Db.layerFrom({ url: Redacted.make(fixture.database.url), maxConnections: 4 }),
      FaultInjector.none
    )
  )
})
afterAll(async () => {
  await runtime?.dispose()
  await admin?.end()
  await fixture?.stop()
})

/** Inserts `count` committed outbox rows, as a committer would, and returns them as handed over. */
const commitRows = async (count: number, label = "row"): Promise<ReadonlyArray<CommittedOutboxRow>> => {
  const subject = outputSubject(fixture.names.token, "event")
  const rows: Array<CommittedOutboxRow> = []
  for (let i = 0; i < count; i++) {
    const payload = Buffer.from(JSON.stringify({ n: i }))
    const headers = { "Logimesh-Test-Row": `${label}-${i}` }
    const {
      rows: [row]
    } = await admin.query<{ id: string }>("INSERT INTO engine_outbox (subject, payload, headers) VALUES ($1, $2, $3) RETURNING id::text AS id", [
      subject,
      payload,
      JSON.stringify(headers)
    ])
    rows.push({ id: row!.id, subject, payload: new Uint8Array(payload), headers })
  }
  return rows
}

/** Runs a relay until `until` holds; returns its stats. */
const withRelay = async (options: Omit<OutboxRelayOptions, "region">, until: () => Promise<boolean>, what: string) => {
  const scope = await runtime.runPromise(Scope.make())
  try {
    const relay = await runtime.runPromise(runOutboxRelay({ region, ...options }).pipe(Scope.provide(scope)))
    await waitFor(what, async () => ((await until()) ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 })
    return await runtime.runPromise(relay.stats)
  } finally {
    await runtime.runPromise(Scope.close(scope, Exit.void))
  }
}

/** The test-row labels of the stream's messages, in stream order. */
const streamLabels = async (prefix: string): Promise<ReadonlyArray<string>> =>
  (await fixture.readStream(fixture.names.outStream)).map((h) => h["Logimesh-Test-Row"] ?? "").filter((l) => l.startsWith(prefix))

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
    expect(handoff.behind()).toBe(true)
    const stats = await withRelay(
      { handoff, claimAfter: Duration.millis(300), idleDelay: Duration.millis(20) },
      async () => (await unsent()).length === 0,
      "claim rounds published the dropped rows"
    )
    expect(stats.handedOff).toBe(0)
    expect(stats.published).toBe(4)
    expect(stats.duplicates).toBe(0)

    // The stream holds each row exactly once, under its outbox id.
    const stored = await fixture.readStream(fixture.names.outStream)
    expect(stored.map((h) => h["Nats-Msg-Id"]).sort()).toEqual(rows.map((r) => outboxMsgId(region, r.id)).sort())
    expect(stored.map((h) => h["Logimesh-Test-Row"]).sort()).toEqual(rows.map((_, i) => `row-${i}`).sort())
  }, 60_000)

  it("claims a backlog back to back, not one batch per claimAfter", async () => {
    await commitRows(2_500, "backlog")
    // Older than `claimAfter`, as rows a crashed process left would be.
    await admin.query("UPDATE engine_outbox SET created_at = now() - interval '10 minutes' WHERE sent_at IS NULL")
    // A minute between claim rounds unless the last one was full: only back-to-back rounds publish 2,500 rows in time.
    const stats = await withRelay(
      { handoff: makeOutboxHandoff(), batchSize: 1_000, claimAfter: Duration.minutes(1) },
      async () => (await unsent()).length === 0,
      "backlog claimed"
    )
    expect(stats.published).toBe(2_500)
    expect(stats.duplicates).toBe(0)
  }, 60_000)

  it("after losing rows, publishes everything in id order before it takes rows again", async () => {
    const handoff = makeOutboxHandoff(5)
    const early = await commitRows(3, "order-a")
    handoff.offer(early)
    expect(handoff.size()).toBe(3)
    // Too many for the queue: it falls behind, drops these and what was queued, and refuses what follows.
    const overflow = await commitRows(4, "order-b")
    handoff.offer(overflow)
    const refused = await commitRows(2, "order-c")
    handoff.offer(refused)
    expect(handoff.size()).toBe(0)
    expect(handoff.dropped()).toBe(6)
    // A minute between age-filtered claim rounds: only the catch-up (every unsent row, in id order) publishes these now.
    let late: ReadonlyArray<CommittedOutboxRow> = []
    let caughtUpAt: number | undefined
    const stats = await withRelay(
      { handoff, claimAfter: Duration.minutes(1), idleDelay: Duration.millis(20) },
      async () => {
        if (handoff.behind() || (late.length === 0 && (await unsent()).length > 0)) return false
        // Caught up and resumed; the one claim round that follows a resume runs at once: give it a second to end.
        caughtUpAt ??= Date.now()
        if (Date.now() - caughtUpAt < 1_000) return false
        // Taking rows again: these go through the hand-off.
        if (late.length === 0) {
          late = await commitRows(2, "order-d")
          handoff.offer(late)
        }
        return (await unsent()).length === 0
      },
      "caught up, resumed, hand-off used again"
    )
    expect(stats.handedOff).toBe(2)
    expect(stats.published).toBe(11)
    expect(stats.duplicates).toBe(0)
    const order = await streamLabels("order-")
    expect(order).toEqual([...early, ...overflow, ...refused, ...late].map((r) => r.headers["Logimesh-Test-Row"]))
  }, 60_000)
})
