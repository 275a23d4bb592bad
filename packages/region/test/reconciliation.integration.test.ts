/**
 * Reconciliation over real servers: a hub with two site leaves (dc-rotterdam
 * with a SITE_COMMANDS stream sourcing its WES messages from SYSTEMS_eu-west,
 * dc-antwerp without one), the region's Postgres, the outbox relay and the
 * reconciliation API served in-process, and the `npm run reconcile` CLI run
 * as a child process against it.
 *   - rows published by the relay reconcile clean; then a stream message deleted (a gap), a row
 *     marked sent without a publish (a gap) and an old unsent row are reported per order and
 *     system; repair defers the gap still inside the duplicate window, queues the other, and once
 *     the relay has re-published them the report is clean with every id stored exactly once;
 *   - for one order: a message with an outbox id of this region but no row and one with no id are
 *     unexpected, a re-published id past the duplicate window is a duplicate, a WES message
 *     missing from the site's SITE_COMMANDS is not_at_site; the region's direct (outcome)
 *     messages are not differences; repair touches none of them;
 *   - a window older than the outbox retention is refused (422 naming `since`).
 */
import { spawn } from "node:child_process"
import { cpSync } from "node:fs"
import { createServer } from "node:http"
import { join } from "node:path"
import { NodeHttpServer } from "@effect/platform-node"
import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream"
import { connect, nanos, type NatsConnection as NatsClient } from "@nats-io/transport-node"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { JetStreamPublisher, NatsConnection } from "@logimesh/bus"
import { Db, runMigrations } from "@logimesh/db"
import { EngineQueries, FaultInjector, runOutboxRelay } from "@logimesh/engine"
import { insertOutboxRow, outboxSentAt } from "@logimesh/engine/testing"
import { createTestDatabase, makeTestRunDir, randomSuffix, startTestMesh, type TestDatabase, type TestMesh, type TestRunDir } from "@logimesh/testkit"
import { repoRoot, waitFor } from "@logimesh/topology"
import { RegionContext } from "../src/RegionContext.ts"
import { regionMigrations } from "../src/regionMigrations.ts"
import { Reconciliation } from "../src/reconciliation/Reconciliation.ts"
import type { ReconciliationReport, RepairResult } from "../src/reconciliation/ReconciliationReport.ts"
import { ReconciliationRoutes } from "../src/reconciliation/ReconciliationRoutes.ts"

const REGION = "eu-west"
const SYSTEMS = `SYSTEMS_${REGION}`
const SITES = ["dc-antwerp", "dc-rotterdam"] as const
const DUPLICATE_WINDOW_MS = 10_000
const run = randomSuffix()

let mesh: TestMesh
let database: TestDatabase
let dir: TestRunDir
let client: pg.Client
let hub: NatsClient
let rotterdam: NatsClient
let hubJsm: JetStreamManager
let regionUrl: string
let app: { readonly dispose: () => Promise<void> } | undefined
let relay: { readonly dispose: () => Promise<void> } | undefined
let sitesDir: string

const dbLayer = () => Db.layerFrom({ url: Redacted.make(database.url), maxConnections: 4 })
const natsLayer = (name: string) => NatsConnection.layerFrom({ url: mesh.hubUrl, name })

const startRelay = async () => {
  const runtime = ManagedRuntime.make(
    Layer.effectDiscard(runOutboxRelay({ region: REGION, idleDelay: "50 millis" })).pipe(
      Layer.provide(Layer.mergeAll(JetStreamPublisher.layer, FaultInjector.layer)),
      Layer.provide(Layer.mergeAll(dbLayer(), natsLayer("reconcile-test-relay")))
    )
  )
  await runtime.runPromise(Effect.void)
  relay = runtime
}
const stopRelay = async () => {
  await relay?.dispose()
  relay = undefined
}

beforeAll(async () => {
  ;[mesh, database] = await Promise.all([startTestMesh({ sites: SITES, label: "reconcile" }), createTestDatabase("reconcile")])
  dir = makeTestRunDir("reconcile-sites")
  sitesDir = join(dir.path, "sites")
  cpSync(join(repoRoot, "sites"), sitesDir, { recursive: true })
  client = new pg.Client({ connectionString: database.url })
  await client.connect()
  await Effect.runPromise(runMigrations(regionMigrations).pipe(Effect.provide(dbLayer())))

  hub = await connect({ servers: mesh.hubUrl, name: "reconcile-test" })
  hubJsm = await jetstreamManager(hub)
  await hubJsm.streams.add({
    name: SYSTEMS,
    subjects: ["sys.>"],
    max_age: nanos(72 * 3600 * 1000),
    duplicate_window: nanos(DUPLICATE_WINDOW_MS)
  })
  // Only Rotterdam stores its WES messages in its own domain; Antwerp has no SITE_COMMANDS (unknown).
  rotterdam = await connect({ servers: mesh.leafUrls["dc-rotterdam"]!, name: "reconcile-test-rotterdam" })
  await (await jetstreamManager(rotterdam)).streams.add({
    name: "SITE_COMMANDS",
    subjects: [],
    max_age: nanos(72 * 3600 * 1000),
    sources: [{ name: SYSTEMS, domain: "hub", filter_subject: "sys.wes.dc-rotterdam.>" }]
  })

  const runtime = ManagedRuntime.make(
    HttpRouter.serve(ReconciliationRoutes, { disableLogger: true }).pipe(
      Layer.provide(Reconciliation.layer),
      Layer.provide(EngineQueries.layer),
      Layer.provide(Layer.mergeAll(dbLayer(), natsLayer("reconcile-test-region"), Layer.effect(RegionContext, RegionContext.load(sitesDir, REGION)))),
      Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
    )
  )
  // Port 0: the kernel picks it as the server binds; the URL is read back from the server.
  regionUrl = await runtime.runPromise(HttpServer.addressFormattedWith(Effect.succeed))
  app = runtime
  await startRelay()
}, 60_000)

afterAll(async () => {
  await stopRelay()
  await app?.dispose()
  await rotterdam?.close()
  await hub?.close()
  await client?.end()
  await mesh?.stop()
  await database?.drop()
  dir?.remove()
}, 60_000)

/** One outbox row as a flow writes it; `sent` = marked sent without any publish; `ageS` = created that long ago. */
const insertRow = (subject: string, payload: Record<string, unknown>, options: { readonly sent?: boolean; readonly ageS?: number } = {}) =>
  insertOutboxRow(client, { subject, payload, headers: typeof payload["type"] === "string" ? { "Logimesh-Message-Type": payload["type"] } : {}, ...options })

const waitForSent = (ids: ReadonlyArray<string>) =>
  waitFor(
    `outbox rows ${ids.join(",")} sent`,
    async () => {
      const sent = await outboxSentAt(client, ids)
      return ids.every((id) => sent.get(id) != null) ? true : undefined
    },
    { timeoutMs: 15_000 }
  )

const sentAt = async (id: string): Promise<number> => (await outboxSentAt(client, [id])).get(id)!.getTime()

interface Stored {
  readonly seq: number
  readonly msgId: string
  readonly subject: string
}

/** Every message of a (small) stream, in order. */
const readStream = async (nc: NatsClient, stream: string): Promise<ReadonlyArray<Stored>> => {
  const info = await (await jetstreamManager(nc)).streams.info(stream)
  if (info.state.messages === 0) return []
  const consumer = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.All })
  const out: Array<Stored> = []
  for (;;) {
    let last = 0
    const batch = await consumer.fetch({ max_messages: 500, expires: 2_000 })
    for await (const m of batch) {
      out.push({ seq: m.seq, msgId: m.headers?.get("Nats-Msg-Id") ?? "", subject: m.subject })
      last = m.info.pending
    }
    if (last === 0) break
  }
  await consumer.delete().catch(() => false)
  return out
}

const seqOf = async (nc: NatsClient, stream: string, msgId: string) => {
  const found = (await readStream(nc, stream)).find((m) => m.msgId === msgId)
  if (found === undefined) throw new Error(`${msgId} not in ${stream}`)
  return found.seq
}

const getReport = async (query: Record<string, string>): Promise<ReconciliationReport> => {
  const response = await fetch(`${regionUrl}/v1/reconciliation?${new URLSearchParams(query).toString()}`)
  const body = (await response.json()) as ReconciliationReport
  if (response.status !== 200) throw new Error(`report: ${response.status} ${JSON.stringify(body)}`)
  return body
}

const postRepair = async (query: Record<string, string>): Promise<RepairResult> => {
  const response = await fetch(`${regionUrl}/v1/reconciliation/repair?${new URLSearchParams(query).toString()}`, { method: "POST" })
  const body = (await response.json()) as RepairResult
  if (response.status !== 200) throw new Error(`repair: ${response.status} ${JSON.stringify(body)}`)
  return body
}

const waitForReport = (query: Record<string, string>, predicate: (report: ReconciliationReport) => boolean, what: string, timeoutMs = 20_000) => {
  let last: ReconciliationReport | undefined
  return waitFor(
    what,
    async () => {
      last = await getReport(query)
      return predicate(last) ? last : undefined
    },
    { timeoutMs }
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; last report: ${JSON.stringify(last)}`)
  })
}

/** `npm run reconcile -- …` as a child process: its exit code, output and its last line as JSON. */
const cli = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; summary: Record<string, unknown> }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, "scripts/reconcile.ts"), ...args, "--region-url", regionUrl], {
      cwd: repoRoot,
      env: { PATH: process.env["PATH"] ?? "" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.once("error", reject)
    child.once("exit", (code) => {
      const lines = stdout.trim().split("\n")
      try {
        resolve({ code, stdout, summary: JSON.parse(lines[lines.length - 1] ?? "") as Record<string, unknown> })
      } catch {
        reject(new Error(`reconcile CLI (exit ${code}) printed no JSON line:\n${stdout}\n${stderr}`))
      }
    })
  })

const brief = (report: ReconciliationReport) =>
  report.differences.map((d) => ({ kind: d.kind, order: d.order, system: d.system, outbox_id: d.outbox_id, msg_id: d.msg_id }))

const byOutboxId = (a: { outbox_id: string | null; kind: string }, b: { outbox_id: string | null; kind: string }) =>
  (a.outbox_id ?? "").localeCompare(b.outbox_id ?? "") || a.kind.localeCompare(b.kind)

describe("reconciliation", () => {
  const since = new Date(Date.now() - 10 * 60_000).toISOString()
  const R1 = `R1-${run}`
  const R2 = `R2-${run}`
  const R3 = `R3-${run}`

  it("reports gaps and unsent rows per order and system, repairs the gaps, and ends clean without duplicates", async () => {
    const r1 = {
      wes: await insertRow("sys.wes.dc-rotterdam.order-release", { type: "order-release", order: R1 }),
      dispatch: await insertRow("sys.dispatch.shipment-request", { type: "shipment-request", order: R1, shipment: `S-${R1}` }),
      erp: await insertRow("sys.erp.fulfilment-progress", { type: "fulfilment-progress", order: R1, stage: "picked" })
    }
    const r2 = {
      wes: await insertRow("sys.wes.dc-antwerp.order-release", { type: "order-release", order: R2 }),
      carrier: await insertRow("sys.carrier.DHLX.tender", { type: "tender", order: R2, shipment: `S-${R2}` }),
      customer: await insertRow("sys.customer.notification", { type: "notification", kind: "shipped", order: R2 })
    }
    await waitForSent([...Object.values(r1), ...Object.values(r2)])

    const clean = await waitForReport({ since }, (r) => r.totals.at_site === 1, "Rotterdam's WES message in its SITE_COMMANDS")
    expect(clean.clean).toBe(true)
    expect(clean.complete).toBe(true)
    expect(clean.differences).toEqual([])
    expect(clean.totals).toMatchObject({ rows: 6, sent: 6, stored: 6, gap: 0, unsent: 0, unexpected: 0, duplicate: 0, at_site: 1, site_unknown: 1 })
    expect(Object.keys(clean.by_system)).toEqual(["carrier:DHLX", "customer", "dispatch", "erp", "wes:dc-antwerp", "wes:dc-rotterdam"])
    expect(clean.site_commands["dc-antwerp"]?.status).toBe("absent")
    expect(clean.site_commands["dc-rotterdam"]).toMatchObject({ status: "read", complete: true })
    expect(clean.systems_stream).toMatchObject({ complete: true, truncated: null, duplicate_window_ms: DUPLICATE_WINDOW_MS })

    // Faults, with the relay stopped: a stored message lost, a row marked sent that never went out, a row never sent.
    await stopRelay()
    await hubJsm.streams.deleteMessage(SYSTEMS, await seqOf(hub, SYSTEMS, `${REGION}:${r1.dispatch}`))
    // Why repair defers: nats-server 2.9 keeps a deleted message's id for the duplicate window, so a
    // re-publish inside it is acked as a duplicate and not stored (checked while the window surely holds).
    if (Date.now() < (await sentAt(r1.dispatch)) + DUPLICATE_WINDOW_MS - 3_000) {
      const early = await jetstream(hub).publish("sys.dispatch.shipment-request", "{}", { msgID: `${REGION}:${r1.dispatch}` })
      expect(early.duplicate).toBe(true)
    }
    const r2Erp = await insertRow("sys.erp.fulfilment-progress", { type: "fulfilment-progress", order: R2, stage: "ready_to_ship" }, { sent: true })
    const r3Erp = await insertRow("sys.erp.order-cancelled", { type: "order-cancelled", order: R3 }, { ageS: 300 })

    const expected = [
      { kind: "gap", order: R1, system: "dispatch", outbox_id: r1.dispatch, msg_id: `${REGION}:${r1.dispatch}` },
      { kind: "gap", order: R2, system: "erp", outbox_id: r2Erp, msg_id: `${REGION}:${r2Erp}` },
      { kind: "unsent", order: R3, system: "erp", outbox_id: r3Erp, msg_id: `${REGION}:${r3Erp}` }
    ].sort(byOutboxId)
    const broken = await getReport({ since })
    expect(broken.clean).toBe(false)
    expect(brief(broken).sort(byOutboxId)).toEqual(expected)
    expect(broken.groups.map((g) => [g.order, g.system, g.gap, g.unsent])).toEqual([
      [R1, "dispatch", 1, 0],
      [R2, "erp", 1, 0],
      [R3, "erp", 0, 1]
    ])
    expect(broken.totals).toMatchObject({ rows: 8, sent: 7, stored: 5, gap: 2, unsent: 1 })

    // The CLI prints the same, with a table, and ends with one JSON line; exit 3 = differences found.
    const printed = await cli(["report", "--since", since])
    expect(printed.code).toBe(3)
    expect(printed.summary).toMatchObject({ command: "report", clean: false, differences: 3, totals: { gap: 2, unsent: 1 } })
    expect(printed.stdout).toMatch(new RegExp(`gap\\s+${R1}\\s+dispatch\\s+${r1.dispatch}\\s`))

    // Repair: the row marked sent a moment ago is inside the duplicate window (deferred), the deleted one may be too.
    const first = await postRepair({ since })
    expect([...first.outbox_ids, ...first.deferred.map((d) => d.outbox_id)].sort()).toEqual([r1.dispatch, r2Erp].sort())
    expect(first.deferred.map((d) => d.outbox_id)).toContain(r2Erp)
    expect(first.found_on_recheck).toEqual([])
    await startRelay()
    const retryAfter = Math.max(...first.deferred.map((d) => Date.parse(d.retry_after)))
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, retryAfter - Date.now())))
    const second = await cli(["repair", "--since", since])
    expect(second.code).toBe(0)
    expect(second.summary).toMatchObject({ command: "repair", deferred: [] })
    expect([...first.outbox_ids, ...(second.summary["outbox_ids"] as Array<string>)].sort()).toEqual([r1.dispatch, r2Erp].sort())

    const repaired = await waitForReport({ since }, (r) => r.clean && r.totals.stored === 8 && r.totals.at_site === 1, "the relay's re-publish: a clean report")
    expect(repaired.totals).toMatchObject({ rows: 8, sent: 8, stored: 8, gap: 0, unsent: 0, duplicate: 0 })
    const stored = await readStream(hub, SYSTEMS)
    const ids = stored.map((m) => m.msgId)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of [...Object.values(r1), ...Object.values(r2), r2Erp, r3Erp]) {
      expect(ids.filter((stored) => stored === `${REGION}:${id}`)).toHaveLength(1)
    }
  }, 90_000)

  it("reports unexpected, duplicate and not-at-site messages of one order and repairs none of them", async () => {
    const R4 = `R4-${run}`
    const wes = await insertRow("sys.wes.dc-rotterdam.order-release", { type: "order-release", order: R4 })
    const erp = await insertRow("sys.erp.fulfilment-progress", { type: "fulfilment-progress", order: R4, stage: "picked" })
    await waitForSent([wes, erp])
    const query = { since, order: R4, grace_s: "0" }
    const clean = await waitForReport(query, (r) => r.totals.at_site === 1, "R4's WES message at the site")
    expect(clean.clean).toBe(true)
    expect(clean.groups.map((g) => [g.order, g.system, g.rows, g.stored])).toEqual([
      [R4, "erp", 1, 1],
      [R4, "wes:dc-rotterdam", 1, 1]
    ])

    // The site loses its copy; someone publishes without an outbox row (an outbox-like id, and no id at all);
    // the region answers a site command directly (not a difference).
    const siteSeq = await seqOf(rotterdam, "SITE_COMMANDS", `${REGION}:${wes}`)
    await (await jetstreamManager(rotterdam)).streams.deleteMessage("SITE_COMMANDS", siteSeq)
    const js = jetstream(hub)
    const body = (type: string) => JSON.stringify({ type, order: R4 })
    await js.publish("sys.erp.order-cancelled", body("order-cancelled"), { msgID: `${REGION}:987654321` })
    await js.publish("sys.erp.order-cancelled", body("order-cancelled"))
    await js.publish("sys.wes.dc-rotterdam.outcome", body("outcome"), { msgID: `${REGION}:outcome:${run}` })
    // The same outbox id published again once the duplicate window has passed: stored twice.
    const reusableAt = (await sentAt(erp)) + DUPLICATE_WINDOW_MS + 2_000
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, reusableAt - Date.now())))
    const again = await js.publish("sys.erp.fulfilment-progress", body("fulfilment-progress"), { msgID: `${REGION}:${erp}` })
    expect(again.duplicate).toBe(false)

    const report = await getReport(query)
    expect(report.clean).toBe(false)
    expect(brief(report).sort((a, b) => `${a.kind}${a.msg_id}`.localeCompare(`${b.kind}${b.msg_id}`))).toEqual(
      [
        { kind: "duplicate", order: R4, system: "erp", outbox_id: erp, msg_id: `${REGION}:${erp}` },
        { kind: "not_at_site", order: R4, system: "wes:dc-rotterdam", outbox_id: wes, msg_id: `${REGION}:${wes}` },
        { kind: "unexpected", order: R4, system: "erp", outbox_id: "987654321", msg_id: `${REGION}:987654321` },
        { kind: "unexpected", order: R4, system: "erp", outbox_id: null, msg_id: null }
      ].sort((a, b) => `${a.kind}${a.msg_id}`.localeCompare(`${b.kind}${b.msg_id}`))
    )
    expect(report.differences.find((d) => d.kind === "duplicate")?.stream_seqs).toHaveLength(2)
    expect(report.systems_stream.direct).toBe(1)
    expect(report.totals).toMatchObject({ rows: 2, stored: 2, gap: 0, unexpected: 2, duplicate: 1, not_at_site: 1, at_site: 0 })

    const repair = await postRepair(query)
    expect(repair).toMatchObject({ queued: 0, outbox_ids: [], deferred: [], found_on_recheck: [], not_rechecked: [] })
    const untouched = await outboxSentAt(client, [wes, erp])
    expect([...untouched.values()].filter((at) => at === null)).toEqual([])
    expect(untouched.size).toBe(2)
  }, 90_000)

  it("answers 422 naming since for a window older than the outbox retention (its rows may be pruned)", async () => {
    const horizonMs = 168 * 3_600_000 // retention.outboxSentHours of sites/mesh.json
    const since = new Date(Date.now() - horizonMs - 60_000).toISOString()
    for (const response of [
      await fetch(`${regionUrl}/v1/reconciliation?since=${since}`),
      await fetch(`${regionUrl}/v1/reconciliation/repair?since=${since}`, { method: "POST" })
    ]) {
      expect(response.status).toBe(422)
      const body = (await response.json()) as { errors: ReadonlyArray<{ path: string; message: string }>; pruned_before: string }
      expect(body.errors.map((e) => e.path)).toEqual(["since"])
      expect(body.errors[0]?.message).toContain("retention.outboxSentHours")
      expect(Date.parse(body.pruned_before)).toBeGreaterThan(Date.parse(since))
    }
    const inside = await getReport({ since: new Date(Date.now() - horizonMs + 60_000).toISOString() })
    expect(Date.parse(inside.outbox.pruned_before)).toBeLessThan(Date.now() - horizonMs + 60_000)
  })

  it("answers 400 naming each bad parameter", async () => {
    const response = await fetch(`${regionUrl}/v1/reconciliation?since=yesterday&max_messages=-1`)
    expect(response.status).toBe(400)
    const body = (await response.json()) as { errors: ReadonlyArray<{ path: string }> }
    expect(body.errors.map((e) => e.path).sort()).toEqual(["max_messages", "since"])
  })
})
