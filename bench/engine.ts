/**
 * `npm run bench:engine` — end-to-end engine throughput and latency on this
 * machine, with the raw limits measured in the same run:
 *
 *   JetStream in -> per-order actor -> Postgres group commit (inbox, events,
 *   snapshot, outbox) -> outbox relay -> JetStream out
 *
 * Phases (each bounded, progress on stderr):
 *   1. raw limits: acked async JetStream publish, single-row Postgres commits;
 *   2. throughput: a backlog of `--orders` x `--events` commands (every order
 *      touched, in source order) is preloaded, then the engine drains it; the
 *      rate is inputs / time until every effect is in the output stream;
 *   3. latency: `--rate` commands/s offered for `--seconds`; two latencies:
 *      the step (input delivered to the engine's handler -> step committed,
 *      acked), which issue 4's target is about, and end to end (input
 *      publish -> its effect stored in the output stream, relay included);
 *   4. verification: every output message is read back and counted by
 *      (order, event seq): `lost` = expected effects not seen,
 *      `duplicate_effects` = effects seen more than once (and outbox rows
 *      with the same msg id).
 * The last line is one JSON object. The entity is the engine tests' order
 * lines decider (test/engine), so the benchmark measures the engine, not a
 * business module.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { Duration, Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { sql } from "kysely"
import { cpus, totalmem } from "node:os"
import { parseArgs } from "node:util"
import { applyStreams, type ConsumerDefinition, JetStreamPublisher, limitsStream, NatsConnection, type OutgoingMessage } from "@logimesh/bus"
import { Db, runMigrations } from "@logimesh/db"
import { EngineHeaders, engineMigrations, makeEngine } from "@logimesh/engine"
import { createTestDatabase, randomSuffix, startTestNats } from "@logimesh/testkit"
import { AppendLine } from "../test/engine/OrderLinesDecider.ts"
import { encodeCommand, orderLinesEntity } from "../test/engine/orderLinesEntity.ts"
import { measureRawJetStreamPublish, measureRawPgCommits } from "./rawLimits.ts"

const { values: args } = parseArgs({
  options: {
    orders: { type: "string", default: "100000" },
    events: { type: "string", default: "2" },
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "10" },
    concurrency: { type: "string", default: "2048" },
    batch: { type: "string", default: "1000" },
    committers: { type: "string", default: "2" },
    /** Skip the raw-limit phase (profiling only; the checked-in result always measures them). */
    "skip-raw": { type: "boolean", default: false }
  }
})
const orders = Number(args.orders)
const eventsPerOrder = Number(args.events)
const offeredRate = Number(args.rate)
const latencySeconds = Number(args.seconds)
const concurrency = Number(args.concurrency)

const log = (line: string) => process.stderr.write(`${line}\n`)
const t0 = performance.now()
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s`

const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

let maxRss = 0
const rssSampler = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 200)

const nats = await startTestNats("bench-engine")
const database = await createTestDatabase("bench_engine")
const token = `b${randomSuffix()}`
const names = { input: `IN_${token}`, output: `OUT_${token}`, dlq: `DLQ_${token}`, consumer: `engine_${token}` }
const inputSubject = `in.${token}.orders`
const outputSubject = `out.${token}.effects`

const infra = ManagedRuntime.make(
  JetStreamPublisher.layer.pipe(
    Layer.provideMerge(NatsConnection.layerFrom({ url: nats.url, name: "bench-engine-load" })),
    Layer.merge(Db.layerFrom({ url: Redacted.make(database.url), maxConnections: 2 }))
  )
)

try {
  log(`${elapsed()}  raw limits: JetStream async publish (3 x 20,000 x 500 B)…`)
  const rawJs = args["skip-raw"] ? Number.NaN : await measureRawJetStreamPublish({ url: nats.url })
  log(`${elapsed()}    ${rawJs.toFixed(0)} msg/s`)
  log(`${elapsed()}  raw limits: Postgres single-row commits, one connection (3 x 2 s)…`)
  const rawPg = args["skip-raw"] ? Number.NaN : await measureRawPgCommits({ url: database.url })
  log(`${elapsed()}    ${rawPg.toFixed(0)} tx/s`)

  const stream = (name: string, subjects: ReadonlyArray<string>) =>
    limitsStream({ name, subjects, description: "engine benchmark", maxAge: Duration.hours(1), duplicateWindow: Duration.minutes(2) })
  const consumer: ConsumerDefinition = {
    domain: undefined,
    stream: names.input,
    name: names.consumer,
    description: "engine benchmark consumer",
    filterSubject: undefined,
    ackWait: Duration.seconds(30),
    maxDeliver: 10,
    maxAckPending: Math.max(2_000, concurrency * 2),
    backoff: [],
    deadLetterSubject: `dlq.${token}.engine`,
    deadLetterDomain: undefined
  }
  await infra.runPromise(Effect.gen(function*() {
    yield* runMigrations(engineMigrations)
    yield* applyStreams({
      streams: [stream(names.input, [inputSubject]), stream(names.output, [`out.${token}.>`]), stream(names.dlq, [`dlq.${token}.>`])],
      consumers: [consumer]
    })
  }))

  const command = (order: number, line: number, phase: string): OutgoingMessage => {
    const orderId = `${phase}-${order}`
    return {
      subject: inputSubject,
      payload: encodeCommand(new AppendLine({ orderId, source: "erp", line, note: "" })),
      msgId: `${token}:${orderId}:erp:${line}`,
      headers: { [EngineHeaders.source]: "erp", [EngineHeaders.sourceSeq]: String(line) }
    }
  }
  const publishAll = (messages: ReadonlyArray<OutgoingMessage>) => infra.runPromise(JetStreamPublisher.use((p) => p.publishAll(messages)))

  // Phase 2: throughput over a preloaded backlog touching `orders` distinct orders.
  const backlog = orders * eventsPerOrder
  log(`${elapsed()}  preloading ${backlog.toLocaleString()} commands for ${orders.toLocaleString()} orders…`)
  const chunk = 5_000
  for (let line = 1; line <= eventsPerOrder; line++) {
    for (let start = 0; start < orders; start += chunk) {
      const batch: Array<OutgoingMessage> = []
      for (let o = start; o < Math.min(orders, start + chunk); o++) batch.push(command(o, line, "t"))
      await publishAll(batch)
    }
    log(`${elapsed()}    line ${line}/${eventsPerOrder} published`)
  }

  const nc = await connect({ servers: nats.url, name: "bench-engine-observer" })
  const jsm = await jetstreamManager(nc)
  const outputCount = async () => (await jsm.streams.info(names.output)).state.messages

  log(`${elapsed()}  starting the engine (concurrency ${concurrency}, group commit ≤ ${args.batch} steps, ${args.committers} committers)…`)
  const engine = await makeEngine({
    entity: orderLinesEntity,
    region: "bench",
    input: { stream: names.input, consumer: names.consumer, deadLetterSubject: consumer.deadLetterSubject },
    outputSubject: () => outputSubject,
    db: Db.layerFrom({ url: Redacted.make(database.url), maxConnections: 8 }),
    nats: NatsConnection.layerFrom({ url: nats.url, name: "bench-engine" }),
    concurrency,
    maxResident: 20_000,
    groupCommit: { maxBatch: Number(args.batch), committers: Number(args.committers) }
  })
  const drainStarted = performance.now()
  let lastLog = drainStarted
  let drained = 0
  const drainDeadline = drainStarted + 8 * 60_000
  while (performance.now() < drainDeadline) {
    drained = await outputCount()
    if (drained >= backlog) break
    if (performance.now() - lastLog > 3_000) {
      lastLog = performance.now()
      const s = (lastLog - drainStarted) / 1000
      log(`${elapsed()}    ${drained.toLocaleString()} / ${backlog.toLocaleString()} effects out, ${(drained / s).toFixed(0)}/s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const drainSeconds = (performance.now() - drainStarted) / 1000
  const eventsPerSecond = drained / drainSeconds
  log(`${elapsed()}  throughput: ${drained.toLocaleString()} effects in ${drainSeconds.toFixed(1)} s = ${eventsPerSecond.toFixed(0)} events/s`)
  const stats = await engine.stats()
  log(`${elapsed()}    commits: ${stats.commits.batches} transactions, ${stats.commits.steps} steps, largest ${stats.commits.largestBatch}`)
  if (stats.relay !== undefined) {
    log(`${elapsed()}    relay: ${stats.relay.rounds} rounds, ${stats.relay.published.toLocaleString()} published (${stats.relay.handedOff.toLocaleString()} handed over in memory), ${stats.relay.duplicates} duplicate acks`)
  }

  // Phase 3: latency at an offered rate; time = input publish -> effect stored in the output stream.
  const sentAt = new Map<string, number>()
  const latencies: Array<number> = []
  const js = jetstream(nc)
  const tail = await js.consumers.get(names.output, { deliver_policy: "new" } as never)
  const tailMessages = await tail.consume()
  const collecting = (async () => {
    for await (const m of tailMessages) {
      const cause = m.headers?.get(EngineHeaders.causationId) ?? ""
      const sent = sentAt.get(cause)
      if (sent !== undefined) latencies.push(performance.now() - sent)
    }
  })()
  const latencyOrders = Math.ceil((offeredRate * latencySeconds) / 4)
  log(`${elapsed()}  latency: offering ${offeredRate}/s for ${latencySeconds} s (${latencyOrders.toLocaleString()} orders x 4 commands)…`)
  const tickMs = 20
  const perTick = Math.max(1, Math.round((offeredRate * tickMs) / 1000))
  const queue: Array<OutgoingMessage> = []
  for (let line = 1; line <= 4; line++) for (let o = 0; o < latencyOrders; o++) queue.push(command(o, line, "l"))
  await engine.resetStepLatency()
  const offerStarted = performance.now()
  let offered = 0
  while (offered < queue.length) {
    const due = Math.min(queue.length, Math.floor(((performance.now() - offerStarted) / 1000) * offeredRate) + perTick)
    const batch = queue.slice(offered, due)
    const now = performance.now()
    for (const m of batch) sentAt.set(m.msgId, now)
    offered = due
    await publishAll(batch)
    await new Promise((resolve) => setTimeout(resolve, tickMs))
  }
  const offerSeconds = (performance.now() - offerStarted) / 1000
  const latencyDeadline = performance.now() + 60_000
  while (latencies.length < queue.length && performance.now() < latencyDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await tailMessages.close()
  await collecting
  const sorted = [...latencies].sort((a, b) => a - b)
  const e2eP50 = percentile(sorted, 50)
  const e2eP99 = percentile(sorted, 99)
  const step = (await engine.stats()).stepLatency
  log(`${elapsed()}    offered ${queue.length.toLocaleString()} in ${offerSeconds.toFixed(1)} s (${(queue.length / offerSeconds).toFixed(0)}/s); ${latencies.length.toLocaleString()} effects seen`)
  log(`${elapsed()}    step latency (delivered -> committed, ${step.count.toLocaleString()} steps): p50 ${step.p50Ms.toFixed(1)} ms, p99 ${step.p99Ms.toFixed(1)} ms, max ${step.maxMs.toFixed(1)} ms`)
  log(`${elapsed()}    end to end (published -> effect in the output stream): p50 ${e2eP50.toFixed(1)} ms, p99 ${e2eP99.toFixed(1)} ms`)

  // Phase 4: count every effect by (order, event seq) in the output stream and in the outbox.
  const expectedEffects = backlog + queue.length
  await engine.stop()
  log(`${elapsed()}  verifying ${expectedEffects.toLocaleString()} effects…`)
  const total = await outputCount()
  const seen = new Map<string, number>()
  if (total > 0) {
    const reader = await js.consumers.get(names.output)
    const messages = await reader.consume()
    let read = 0
    for await (const m of messages) {
      const key = `${m.headers?.get(EngineHeaders.entityKey)}#${m.headers?.get(EngineHeaders.eventSeq)}`
      seen.set(key, (seen.get(key) ?? 0) + 1)
      if (++read >= total) break
    }
    await messages.close()
  }
  let lost = 0
  for (let o = 0; o < orders; o++) for (let line = 1; line <= eventsPerOrder; line++) if (!seen.has(`t-${o}#${line}`)) lost++
  for (let o = 0; o < latencyOrders; o++) for (let line = 1; line <= 4; line++) if (!seen.has(`l-${o}#${line}`)) lost++
  const duplicateStream = [...seen.values()].reduce((sum, n) => sum + (n - 1), 0)
  const [outbox] = (await infra.runPromise(Db.use((db) =>
    db.use("bench.outbox", (k) =>
      sql<{ rows: string; ids: string; unsent: string }>`
        SELECT count(*) AS rows, count(DISTINCT id) AS ids, count(*) FILTER (WHERE sent_at IS NULL) AS unsent FROM engine_outbox`
        .execute(k))
  ))).rows
  const duplicateOutbox = Number(outbox?.rows ?? 0) - Number(outbox?.ids ?? 0)
  log(`${elapsed()}    output stream: ${total.toLocaleString()} messages, lost ${lost}, duplicated ${duplicateStream}; outbox rows ${outbox?.rows}, unsent ${outbox?.unsent}`)
  await nc.close()

  const result = {
    events_per_s: Math.round(eventsPerSecond),
    p50_ms: Number(step.p50Ms.toFixed(1)),
    p99_ms: Number(step.p99Ms.toFixed(1)),
    lost,
    duplicate_effects: duplicateStream + duplicateOutbox,
    raw_pg_tx_per_s: Math.round(rawPg),
    raw_js_pub_per_s: Math.round(rawJs),
    rss_mb: Math.round(maxRss / 2 ** 20),
    orders,
    events: backlog,
    ratio_to_raw_js_pub: Number((eventsPerSecond / rawJs).toFixed(3)),
    ratio_to_raw_pg_tx: Number((eventsPerSecond / rawPg).toFixed(2)),
    offered_per_s: offeredRate,
    p50_e2e_ms: Number(e2eP50.toFixed(1)),
    p99_e2e_ms: Number(e2eP99.toFixed(1)),
    cpus: cpus().length,
    mem_gb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString()
  }
  console.log(JSON.stringify(result))
} finally {
  clearInterval(rssSampler)
  await infra.dispose()
  await nats.stop()
  await database.drop()
}
