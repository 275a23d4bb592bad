/**
 * The drill count against real records (a hub and a site leaf, a Postgres
 * database with the engine's tables): a fabricated ledger of five sent
 * commands — one applied, one rejected by its module, one parked by its
 * module, one parked in the site's DLQ before the region took it in, one
 * that never reached the region — and the region's own commands. The one the
 * region never saw is lost, although the region's view (every accepted id
 * applied or parked) has nothing missing; the site-parked one is found by its
 * sender and key; a flow command without a decision is lost too, and an API
 * command no sender recorded is unattributed.
 */
import { Effect, Redacted } from "effect"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, headers as natsHeaders } from "@nats-io/transport-node"
import pg from "pg"
import { Db, runMigrations } from "@logimesh/db"
import { commandMsgIdOf, countEffects } from "@logimesh/drills"
import { engineMigrations } from "@logimesh/engine"
import { insertAuditRow, insertInboxRow, insertParkedRow } from "@logimesh/engine/testing"
import type { SentCommand } from "@logimesh/simulators"
import { createTestDatabase, randomSuffix, startTestMesh, type TestDatabase, type TestMesh } from "@logimesh/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const SITE = "dc-x"
const region = `t${randomSuffix()}`
let mesh: TestMesh
let database: TestDatabase

const sent = (sender: string, key: string): SentCommand => ({
  sender,
  scope: sender,
  instance: sender === "WES" ? SITE : undefined,
  key,
  path: "/v1/x",
  action: "x",
  correlationId: undefined,
  transport: sender === "WES" ? "site-message" : "http",
  firstSentAtMs: Date.now(),
  lastSentAtMs: Date.now(),
  sends: 1,
  answer: undefined,
  lastError: undefined
})

const applied = sent("ERP", "erp:create:SO-1")
const rejected = sent("ERP", "erp:cancel:SO-1")
const moduleParked = sent("ERP", "erp:create:SO-2")
const siteParked = sent("WES", `wes:${SITE}:pick:T-1`)
const neverArrived = sent("WES", `wes:${SITE}:pick:T-2`)

const publish = async (url: string, subject: string, msgID: string, headers: Readonly<Record<string, string>> = {}) => {
  const nc = await connect({ servers: url })
  try {
    const h = natsHeaders()
    for (const [k, v] of Object.entries(headers)) h.set(k, v)
    await jetstream(nc).publish(subject, "{}", { msgID, headers: h })
  } finally {
    await nc.close()
  }
}

const addStreams = async (url: string, streams: ReadonlyArray<{ readonly name: string; readonly subjects: ReadonlyArray<string> }>) => {
  const nc = await connect({ servers: url })
  try {
    const jsm = await jetstreamManager(nc)
    for (const s of streams) await jsm.streams.add({ name: s.name, subjects: [...s.subjects] })
  } finally {
    await nc.close()
  }
}

beforeAll(async () => {
  ;[mesh, database] = await Promise.all([startTestMesh({ sites: [SITE], label: "drill-count" }), createTestDatabase("drill_count")])
  await Effect.runPromise(runMigrations(engineMigrations).pipe(Effect.provide(Db.layerFrom({ url: Redacted.make(database.url), maxConnections: 1 }))))
  await addStreams(mesh.hubUrl, [
    { name: `COMMANDS_${region}`, subjects: [`cmd.${region}.>`] },
    { name: `SYSTEMS_${region}`, subjects: [`sys.${region}.>`] },
    { name: `EVENTS_${region}`, subjects: [`evt.${region}.>`] },
    { name: "DLQ", subjects: ["dlq.hub.>"] }
  ])
  await addStreams(mesh.leafUrls[SITE] as string, [{ name: "DLQ", subjects: [`dlq.${SITE}.>`] }])

  // The region's stream: what it took in (the never-arrived command is not there, the site-parked one neither).
  const cmd = `cmd.${region}.order`
  for (const c of [applied, rejected, moduleParked]) await publish(mesh.hubUrl, cmd, commandMsgIdOf(c.sender, c.key))
  await publish(mesh.hubUrl, cmd, `${region}:17`) // a flow command, decided
  await publish(mesh.hubUrl, cmd, `${region}:18`) // a flow command, never decided
  await publish(mesh.hubUrl, cmd, "api:from-a-caller-nobody-recorded")
  await publish(mesh.hubUrl, `sys.${region}.erp.order`, `${region}:19`)
  // Parked at the site before the region took it in: the DLQ copy keeps the sender's headers.
  await publish(mesh.leafUrls[SITE] as string, `dlq.${SITE}.SITE_EVENTS.x`, `parked:${SITE}:SITE_EVENTS:x:1`, {
    "Idempotency-Key": siteParked.key,
    "Logimesh-Source-System": "WES",
    "Logimesh-Park-Reason": "UnknownCommand",
    "Logimesh-Original-Msg-Id": `${SITE}:abc`
  })

  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  try {
    const order = { entityType: "order", key: "SO-1" }
    await insertInboxRow(client, commandMsgIdOf(applied.sender, applied.key), 0, order)
    await insertInboxRow(client, `${region}:17`, 0, order)
    await insertAuditRow(client, { ...order, seq: 1, kind: "rejection", type: "InvalidState", msgId: commandMsgIdOf(rejected.sender, rejected.key) })
    await insertParkedRow(client, {
      dedupeKey: "k1",
      reason: "DecodeFailed",
      detail: "bad",
      subject: cmd,
      payload: new TextEncoder().encode("{}"),
      stream: `COMMANDS_${region}`,
      consumer: "order",
      streamSeq: 3,
      msgId: commandMsgIdOf(moduleParked.sender, moduleParked.key)
    })
  } finally {
    await client.end()
  }
}, 60_000)

afterAll(async () => {
  await Promise.all([mesh?.stop(), database?.drop()])
})

describe("countEffects", () => {
  it("counts from the senders: a command the region never took in is lost, a site-parked one is found", async () => {
    const counts = await countEffects({
      natsUrl: mesh.hubUrl,
      databaseUrl: database.url,
      region,
      sent: [applied, rejected, moduleParked, siteParked, neverArrived],
      siteDomains: [SITE]
    })
    expect(counts.sent.figures).toMatchObject({
      sent: 5,
      applied: 2,
      rejected: 1,
      parked: 2,
      parked_reasons: { DecodeFailed: 1, UnknownCommand: 1 },
      parked_where: { engine_parked: 1, [`DLQ ${SITE}`]: 1 },
      refused: 0,
      lost: 1
    })
    expect(counts.sent.fates.find((f) => f.fate._tag === "Lost")?.command.key).toBe(neverArrived.key)
    // The region's view of its own stream has nothing missing among the senders' commands it took in.
    expect(counts.accepted).toBe(6)
    expect(counts).toMatchObject({ flow_commands: 2, flow_applied: 1, flow_parked: 0, flow_lost: 1, unattributed: 1, systemMessages: 1 })
    expect(counts.lastEffectAtMs).toBeGreaterThan(Date.now() - 60_000)
  }, 60_000)
})
