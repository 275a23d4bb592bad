/**
 * `npm run bench:engine` — the engine end to end on this machine, checked,
 * with the raw limits of what it does measured in the same run:
 *
 *   JetStream in -> per-order actor -> Postgres group commit (inbox, events,
 *   snapshot, outbox) -> outbox relay -> JetStream out
 *
 * The entity keeps a running total per order (`OrderTotalDecider`: not
 * idempotent, so a command applied twice changes the outputs and the final
 * state). Faults throughout: `--resend` of the inputs re-sent under a new
 * message id with the same source sequence (`duplicates_injected`; only the
 * engine's dedupe can drop them), and a `--nak` probability of a step failing
 * as retryable (nak + redelivery).
 *
 * Phases (each bounded, progress on stderr):
 *   1. throughput: a backlog of `--orders` x `--events` commands (+ re-sends)
 *      is preloaded, then the engine drains it; the rate is effects / time
 *      until every effect is published and every input acked;
 *   2. latency at `--rate` inputs/s offered for `--seconds`, then at 80% of the
 *      drain's input rate: end to end = input published -> its effect's publish
 *      acked by the relay (`onAcked`, at the end of the relay's round: a row's
 *      own ack came at most one round's publishing earlier); step latency =
 *      input delivered to the engine's handler -> step committed (its own figure);
 *   3. verification (`checkEffects`): every output read back and counted by
 *      input and by (order, event seq), every final state (read through the
 *      engine's `loadEntities`) and the sum of totals compared with the fold;
 *   4. raw limits (`rawLimits.ts`) on the engine's own messages and statements.
 * The nats-server is authenticated (an NKey user with an allow-list, as a
 * region's; `--anonymous` for none), and every client logs in. Phase 4 also
 * measures the batch publish and the consume + ack on a second, anonymous
 * server started beside it (a copy of the same inputs), in rounds alternating
 * with the authenticated ones: `auth_publish_ratio` / `auth_consume_ratio` =
 * authenticated / anonymous.
 * The last line is one JSON object; the exit code is 1 when the check fails.
 */
import { Duration, Schema } from "effect"
import { cpus, totalmem } from "node:os"
import { parseArgs } from "node:util"
import { type CommittedOutboxRow, EngineHeaders } from "@logimesh/engine"
import { checkEffects, type ExpectedOrder } from "./checkEffects.ts"
import { makeTotalsWorkload, type TotalsWorkload } from "./makeTotalsWorkload.ts"
import { orderTotalEntity } from "./orderTotalEntity.ts"
import { authCostFields, measureRawLimits, rawLimitFields, runnerPrefetch, unmeasured } from "./rawLimits.ts"
import { startBenchRig } from "./startBenchRig.ts"

const { values: args } = parseArgs({
  options: {
    orders: { type: "string", default: "100000" },
    events: { type: "string", default: "2" },
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "10" },
    concurrency: { type: "string", default: "2048" },
    batch: { type: "string", default: "1000" },
    committers: { type: "string", default: "2" },
    /** Share of the inputs re-sent under a new message id. */
    resend: { type: "string", default: "0.05" },
    /** Probability that a step fails as retryable (nak, redelivered after 100 ms). */
    nak: { type: "string", default: "0.002" },
    "ack-wait": { type: "string", default: "10" },
    seed: { type: "string", default: "1" },
    /** Messages per round of each raw publish measurement; inputs consumed per round of the raw consume. */
    "raw-messages": { type: "string", default: "20000" },
    "raw-consume": { type: "string", default: "100000" },
    /** Keys per round of the raw Postgres measurement (each gets `--events` steps). */
    "raw-keys": { type: "string", default: "10000" },
    "raw-rounds": { type: "string", default: "3" },
    /** Skip the raw-limit phase (profiling only; the checked-in result always measures them). */
    "skip-raw": { type: "boolean", default: false },
    /** An anonymous nats-server (no users; no auth cost measured). */
    anonymous: { type: "boolean", default: false },
    help: { type: "boolean", default: false }
  }
})
if (args.help) {
  process.stdout.write(
    "npm run bench:engine -- [--orders N] [--events N] [--rate N] [--seconds N] [--concurrency N] [--batch N] [--committers N]\n" +
      "  [--resend P] [--nak P] [--ack-wait S] [--seed N] [--raw-messages N] [--raw-consume N] [--raw-keys N] [--raw-rounds N]\n" +
      "  [--skip-raw] [--anonymous]   (defaults: see bench/engine.ts; bench/results/README.md says what the fields mean)\n"
  )
  process.exit(0)
}
const authenticated = !args.anonymous
const orders = Number(args.orders)
const eventsPerOrder = Number(args.events)
const offeredRate = Number(args.rate)
const latencySeconds = Number(args.seconds)
const concurrency = Number(args.concurrency)
const resendRate = Number(args.resend)
const nakRate = Number(args.nak)
const seed = Number(args.seed)
const groupCommit = { maxBatch: Number(args.batch), committers: Number(args.committers) }
const prefetch = runnerPrefetch(concurrency)

const log = (line: string) => process.stderr.write(`${line}\n`)
const t0 = performance.now()
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s`
const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}
const round1 = (n: number) => Number(n.toFixed(1))
const until = async (what: string, deadlineMs: number, probe: () => Promise<boolean>) => {
  const deadline = performance.now() + deadlineMs
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

let maxRss = 0
const rssSampler = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 200)

const rig = await startBenchRig({
  label: "bench-engine",
  ackWait: Duration.seconds(Number(args["ack-wait"])),
  maxAckPending: Math.max(2_000, concurrency * 2),
  auth: authenticated
})
const token = rig.names.token

// End to end: input msg id -> when it was published; an effect's latency is taken when the relay has its ack.
let sentAt = new Map<string, number>()
let e2e: Array<number> = []
const onAcked = (rows: ReadonlyArray<CommittedOutboxRow>) => {
  const now = performance.now()
  for (const row of rows) {
    const sent = sentAt.get(row.headers[EngineHeaders.causationId] ?? "")
    if (sent !== undefined) e2e.push(now - sent)
  }
}

try {
  // Phase 1: throughput over a preloaded backlog touching `orders` distinct orders.
  const backlog = makeTotalsWorkload({
    token,
    subject: rig.names.inputSubject,
    keyPrefix: "t",
    orders,
    lines: eventsPerOrder,
    resendRate,
    resendLag: Math.max(1, Math.min(orders, 5_000)),
    seed
  })
  log(
    `${elapsed()}  preloading ${backlog.originals.toLocaleString()} commands for ${orders.toLocaleString()} orders + ${backlog.resends.toLocaleString()} re-sent under new ids…`
  )
  for (let start = 0; start < backlog.messages.length; start += 5_000) {
    await rig.publish(backlog.messages.slice(start, start + 5_000))
  }
  log(`${elapsed()}    ${backlog.messages.length.toLocaleString()} inputs published`)

  log(
    `${elapsed()}  starting the engine (concurrency ${concurrency}, group commit ≤ ${groupCommit.maxBatch} steps, ${groupCommit.committers} committers, nak ${nakRate})…`
  )
  const engine = await rig.startEngine({
    concurrency,
    maxResident: 20_000,
    groupCommit,
    faults: nakRate > 0 ? `nak:${nakRate}` : "",
    retryDelay: Duration.millis(100),
    onAcked
  })
  const drainStarted = performance.now()
  let lastLog = drainStarted
  await until("the backlog to drain", 8 * 60_000, async () => {
    const out = await rig.outputCount()
    if (performance.now() - lastLog > 3_000) {
      lastLog = performance.now()
      const s = (lastLog - drainStarted) / 1000
      log(
        `${elapsed()}    ${out.toLocaleString()} / ${backlog.originals.toLocaleString()} effects out, ${(out / s).toFixed(0)}/s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`
      )
    }
    if (out < backlog.originals) return false
    const info = await rig.consumerInfo()
    return info.num_pending === 0 && info.num_ack_pending === 0
  })
  const drainSeconds = (performance.now() - drainStarted) / 1000
  const eventsPerSecond = backlog.originals / drainSeconds
  const inputsPerSecond = backlog.messages.length / drainSeconds
  log(
    `${elapsed()}  throughput: ${backlog.originals.toLocaleString()} effects (${backlog.messages.length.toLocaleString()} inputs) in ${drainSeconds.toFixed(1)} s = ${eventsPerSecond.toFixed(0)} events/s, ${inputsPerSecond.toFixed(0)} inputs/s`
  )
  const drained = await engine.stats()
  log(
    `${elapsed()}    commits: ${drained.commits.batches} transactions, ${drained.commits.steps} steps, largest ${drained.commits.largestBatch}; outcomes ${JSON.stringify(drained.outcomes)}`
  )
  if (drained.relay !== undefined) {
    log(
      `${elapsed()}    relay: ${drained.relay.rounds} rounds, ${drained.relay.published.toLocaleString()} published (${drained.relay.handedOff.toLocaleString()} handed over in memory), ${drained.relay.duplicates} duplicate acks`
    )
  }
  await rig.waitSettled(60_000)

  // Phase 2: latency at an offered rate (inputs/s, re-sends included).
  const latencyPhase = async (keyPrefix: string, rate: number, phaseSeed: number) => {
    const tickMs = 20
    const perTick = Math.max(1, Math.round((rate * tickMs) / 1000))
    const workload = makeTotalsWorkload({
      token,
      subject: rig.names.inputSubject,
      keyPrefix,
      orders: Math.max(1, Math.ceil((rate * latencySeconds) / 4 / (1 + resendRate))),
      lines: 4,
      resendRate,
      // About 100 ms after the original.
      resendLag: perTick * 5,
      seed: phaseSeed
    })
    const queue = workload.messages
    log(
      `${elapsed()}  latency: offering ${rate.toFixed(0)} inputs/s for ${latencySeconds} s (${workload.originals.toLocaleString()} commands + ${workload.resends.toLocaleString()} re-sends)…`
    )
    sentAt = new Map()
    e2e = []
    await engine.resetStepLatency()
    const offerStarted = performance.now()
    let offered = 0
    while (offered < queue.length) {
      const due = Math.min(queue.length, Math.floor(((performance.now() - offerStarted) / 1000) * rate) + perTick)
      const batch = queue.slice(offered, due)
      const now = performance.now()
      for (const m of batch) sentAt.set(m.msgId, now)
      offered = due
      await rig.publish(batch)
      await new Promise((resolve) => setTimeout(resolve, tickMs))
    }
    const offerSeconds = (performance.now() - offerStarted) / 1000
    await until("every effect of the latency phase", 60_000, async () => e2e.length >= workload.originals)
    await rig.waitSettled(60_000)
    const step = (await engine.stats()).stepLatency
    const result = {
      workload,
      offeredPerSecond: queue.length / offerSeconds,
      e2eP50: percentile(e2e, 50),
      e2eP99: percentile(e2e, 99),
      stepP50: step.p50Ms,
      stepP99: step.p99Ms
    }
    log(
      `${elapsed()}    offered ${queue.length.toLocaleString()} in ${offerSeconds.toFixed(1)} s (${result.offeredPerSecond.toFixed(0)}/s); ${e2e.length.toLocaleString()} effects acked`
    )
    log(
      `${elapsed()}    step latency (delivered -> committed, ${step.count.toLocaleString()} steps): p50 ${step.p50Ms.toFixed(1)} ms, p99 ${step.p99Ms.toFixed(1)} ms, max ${step.maxMs.toFixed(1)} ms`
    )
    log(`${elapsed()}    end to end (published -> effect's publish acked by the relay): p50 ${result.e2eP50.toFixed(1)} ms, p99 ${result.e2eP99.toFixed(1)} ms`)
    return result
  }
  const atRate = await latencyPhase("l", offeredRate, seed + 1)
  const rate80 = 0.8 * inputsPerSecond
  const at80 = await latencyPhase("h", rate80, seed + 2)

  const stats = await engine.stats()
  await engine.stop()

  // Phase 3: the check.
  const workloads: ReadonlyArray<TotalsWorkload> = [backlog, atRate.workload, at80.workload]
  const expected = new Map<string, ExpectedOrder>(workloads.flatMap((w) => [...w.expected]))
  const duplicatesInjected = workloads.reduce((n, w) => n + w.resends, 0)
  log(
    `${elapsed()}  verifying ${[...expected.values()].reduce((n, o) => n + o.events.length, 0).toLocaleString()} effects and ${expected.size.toLocaleString()} final states…`
  )
  const { outputs, sample } = await rig.readOutputs()
  const states = await rig.readStates([...expected.keys()])
  const check = checkEffects(expected, outputs, states)
  log(`${elapsed()}    ${JSON.stringify(check)}`)
  log(`${elapsed()}    ${duplicatesInjected.toLocaleString()} re-sent under new ids; engine outcomes ${JSON.stringify(stats.outcomes)}`)

  // Phase 4: the raw limits, on a real output (sample) and the engine's input stream; with authentication, also
  // on an anonymous server holding the same inputs (as many as the consume measurement reads, in the same order).
  const measureRaw = !args["skip-raw"] && sample !== undefined
  const consumeMessages = Number(args["raw-consume"])
  let baseline: Awaited<ReturnType<typeof rig.startBaseline>> | undefined
  if (measureRaw && authenticated) {
    const inputs = workloads.flatMap((w) => w.messages).slice(0, consumeMessages)
    log(`${elapsed()}  starting an anonymous nats-server beside it, holding the first ${inputs.length.toLocaleString()} inputs (the baseline of auth_*_ratio)…`)
    baseline = await rig.startBaseline(inputs)
  }
  const raw =
    !measureRaw || sample === undefined
      ? unmeasured
      : await measureRawLimits({
          natsUrl: rig.natsUrl,
          credentials: rig.natsCredentials,
          baseline,
          sample,
          state: JSON.stringify(Schema.encodeSync(orderTotalEntity.state)(states.values().next().value ?? orderTotalEntity.decider.initialState)),
          entityType: orderTotalEntity.name,
          inputStream: rig.names.stream,
          createConsumer: rig.addConsumer,
          prefetch,
          concurrency,
          groupCommit,
          publishMessages: Number(args["raw-messages"]),
          consumeMessages,
          pgKeys: Number(args["raw-keys"]),
          pgLines: eventsPerOrder,
          rounds: Number(args["raw-rounds"]),
          log: (line) => log(`${elapsed()}  ${line}`)
        })

  const result = {
    events_per_s: Math.round(eventsPerSecond),
    p50_ms: round1(atRate.stepP50),
    p99_ms: round1(atRate.stepP99),
    lost: check.lost,
    duplicate_effects: check.duplicate_effects,
    raw_pg_tx_per_s: Math.round(raw.pgTx),
    raw_js_pub_per_s: Math.round(raw.clientPub),
    rss_mb: Math.round(maxRss / 2 ** 20),
    orders,
    events: backlog.originals,
    ratio_to_raw_js_pub: Number((eventsPerSecond / raw.clientPub).toFixed(3)),
    ratio_to_raw_pg_tx: Number((eventsPerSecond / raw.pgTx).toFixed(2)),
    offered_per_s: offeredRate,
    p50_e2e_ms: round1(atRate.e2eP50),
    p99_e2e_ms: round1(atRate.e2eP99),
    ...rawLimitFields(raw),
    ratio_to_fastest_publish: Number((eventsPerSecond / raw.publish).toFixed(3)),
    ratio_to_combined_limit: Number((eventsPerSecond / raw.combined).toFixed(3)),
    inputs_per_s: Math.round(inputsPerSecond),
    duplicates_injected: duplicatesInjected,
    naks_injected: stats.outcomes.nak,
    duplicates_dropped: stats.outcomes.duplicate,
    unexpected_effects: check.unexpected_effects,
    missing_by_seq: check.missing_by_seq,
    misplaced_effects: check.misplaced_effects,
    state_mismatches: check.state_mismatches,
    check_ok: check.ok,
    e2e_p50_ms: round1(atRate.e2eP50),
    e2e_p99_ms: round1(atRate.e2eP99),
    rate_80_per_s: Math.round(rate80),
    e2e_p50_ms_at_80: round1(at80.e2eP50),
    e2e_p99_ms_at_80: round1(at80.e2eP99),
    step_p50_ms_at_80: round1(at80.stepP50),
    step_p99_ms_at_80: round1(at80.stepP99),
    auth: authenticated,
    ...authCostFields(raw),
    cpus: cpus().length,
    mem_gb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString()
  }
  console.log(JSON.stringify(result))
  if (!check.ok) process.exitCode = 1
} finally {
  clearInterval(rssSampler)
  await rig.stop()
}
