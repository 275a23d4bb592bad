/**
 * The outbox relay against a full stream (discard new at `max_msgs`): the
 * rows the stream refuses stay unsent (never marked), the relay counts them
 * in `refused` and logs an error naming the refusal every round, rows for
 * other streams in the same rounds go out; once the limit is raised the
 * refused rows are published, each stored once.
 */
import { Context, Duration, Effect, Layer, Logger, ManagedRuntime, Redacted } from "effect"
import { sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { applyStreams, JetStreamPublisher, limitsStream, NatsConnection } from "@logimesh/bus"
import { Db } from "@logimesh/db"
import { FaultInjector, type OutboxRelay, runOutboxRelay } from "@logimesh/engine"
import { waitFor } from "@logimesh/topology"
import { type EngineFixture, startEngineFixture } from "./engineHarness.ts"

/** The running relay, to read its stats. */
class RelayHandle extends Context.Service<RelayHandle, OutboxRelay>()("test/RelayHandle") {}

let fixture: EngineFixture
const logged: Array<{ readonly level: string; readonly message: string }> = []

beforeAll(async () => {
  fixture = await startEngineFixture({ label: "relay-full" })
})
afterAll(async () => {
  await fixture?.stop()
})

describe("outbox relay and a full stream", () => {
  it("keeps refused rows unsent, logs and counts them, publishes the rest, and the refused ones once there is room", async () => {
    const token = fixture.names.token
    const full = `FULL_${token}`
    const fullSubject = `full.${token}.effect`
    const otherSubject = `out.${token}.effect`
    await fixture.runtime.runPromise(
      applyStreams({
        streams: [
          limitsStream({
            name: full,
            subjects: [`full.${token}.>`],
            description: "a small stream that refuses when full",
            maxAge: Duration.hours(1),
            duplicateWindow: Duration.minutes(2),
            limits: { maxMsgs: 3, maxBytes: -1, discard: "new" }
          })
        ],
        consumers: []
      })
    )
    await fixture.query(sql`
      INSERT INTO engine_outbox (subject, payload)
      SELECT CASE WHEN g <= 5 THEN ${fullSubject} ELSE ${otherSubject} END, convert_to('effect ' || g, 'UTF8')
      FROM generate_series(1, 8) AS g`)

    const capture = Logger.make(({ logLevel, message }) => {
      const parts = Array.isArray(message) ? message : [message]
      logged.push({ level: logLevel, message: parts.map(String).join(" ") })
    })
    const relayRuntime = ManagedRuntime.make(
      Layer.effect(RelayHandle, runOutboxRelay({ region: "eu-west", idleDelay: "50 millis" })).pipe(
        Layer.provide(Layer.mergeAll(JetStreamPublisher.layer, FaultInjector.layer)),
        Layer.provide(
          Layer.mergeAll(
            NatsConnection.layerFrom({ url: fixture.nats.url, name: "relay-full" }),
            Db.layerFrom({ url: Redacted.make(fixture.database.url), maxConnections: 2 })
          )
        ),
        Layer.provide(Logger.layer([capture]))
      )
    )
    try {
      const stats = () => relayRuntime.runPromise(RelayHandle.use((relay) => relay.stats))
      await waitFor("two rounds refused", async () => ((await stats()).refused >= 4 ? true : undefined), { timeoutMs: 20_000 })
      const rows = (
        await fixture.query(sql<{ subject: string; sent: boolean }>`
        SELECT subject, sent_at IS NOT NULL AS sent FROM engine_outbox ORDER BY id`)
      ).rows
      expect(rows.filter((r) => r.subject === fullSubject).map((r) => r.sent)).toEqual([true, true, true, false, false])
      expect(rows.filter((r) => r.subject === otherSubject).every((r) => r.sent)).toBe(true)
      expect(await fixture.streamMessages(full)).toBe(3)
      const refusals = logged.filter((l) => l.message.includes("a full stream refused rows"))
      expect(refusals.length).toBeGreaterThanOrEqual(2)
      expect(refusals.every((l) => l.level === "Error")).toBe(true)

      // Room again (an operator raises the limit): the two waiting rows go out, each stored once.
      await fixture.runtime.runPromise(
        NatsConnection.use((n) =>
          Effect.flatMap(n.jetstreamManager(), (jsm) =>
            Effect.promise(async () => jsm.streams.update(full, { ...(await jsm.streams.info(full)).config, max_msgs: 10 }))
          )
        )
      )
      await waitFor(
        "every row sent",
        async () => {
          const unsent = (await fixture.query(sql<{ n: string }>`SELECT count(*) AS n FROM engine_outbox WHERE sent_at IS NULL`)).rows
          return Number(unsent[0]?.n) === 0 ? true : undefined
        },
        { timeoutMs: 20_000 }
      )
      const stored = await fixture.readStream(full)
      expect(stored.map((h) => h["Nats-Msg-Id"]).sort()).toEqual([1, 2, 3, 4, 5].map((id) => `eu-west:${id}`).sort())
    } finally {
      await relayRuntime.dispose()
    }
  }, 60_000)
})
