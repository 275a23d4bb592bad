/**
 * `npm run bench:raw` — the raw limits on their own (the engine benchmark
 * measures them again in its own run). A private nats-server and database;
 * one command through the engine gives a real output message and state for
 * the publish and Postgres measurements, and `--inputs` commands published
 * to the engine's input stream (not consumed by the engine) feed the
 * consume measurement. The server is authenticated as the engine
 * benchmark's, and the batch publish and the consume + ack are measured
 * again on an anonymous server holding the same inputs (`auth_*_ratio`).
 * Progress on stderr, one JSON line at the end.
 */
import { Duration, Schema } from "effect"
import { cpus, totalmem } from "node:os"
import { parseArgs } from "node:util"
import { makeTotalsWorkload } from "./makeTotalsWorkload.ts"
import { orderTotalEntity } from "./orderTotalEntity.ts"
import { authCostFields, measureRawLimits, rawLimitFields, runnerPrefetch } from "./rawLimits.ts"
import { startBenchRig } from "./startBenchRig.ts"

const { values: args } = parseArgs({
  options: {
    inputs: { type: "string", default: "100000" },
    concurrency: { type: "string", default: "2048" },
    batch: { type: "string", default: "1000" },
    committers: { type: "string", default: "2" },
    rounds: { type: "string", default: "3" }
  }
})
const concurrency = Number(args.concurrency)
const groupCommit = { maxBatch: Number(args.batch), committers: Number(args.committers) }
const log = (line: string) => process.stderr.write(`${line}\n`)

const rig = await startBenchRig({ label: "bench-raw", ackWait: Duration.seconds(10), maxAckPending: Math.max(2_000, concurrency * 2) })
try {
  const workload = makeTotalsWorkload({
    token: rig.names.token,
    subject: rig.names.inputSubject,
    keyPrefix: "r",
    orders: Math.max(1, Math.ceil(Number(args.inputs) / 2)),
    lines: 2,
    resendRate: 0,
    resendLag: 1,
    seed: 1
  })
  log("one command through the engine (a real output message and state)…")
  const engine = await rig.startEngine({ concurrency, groupCommit, faults: "" })
  await rig.publish(workload.messages.slice(0, 1))
  await rig.waitSettled(30_000)
  await engine.stop()
  const { sample } = await rig.readOutputs()
  const [key] = workload.expected.keys()
  const state = (await rig.readStates([key!])).get(key!)
  if (sample === undefined || state === undefined) throw new Error("bench:raw: the engine published nothing")
  log(`publishing ${(workload.messages.length - 1).toLocaleString()} inputs for the consume measurement…`)
  for (let start = 1; start < workload.messages.length; start += 5_000) await rig.publish(workload.messages.slice(start, start + 5_000))
  log("an anonymous nats-server beside it, holding the same inputs…")
  const baseline = await rig.startBaseline(workload.messages)
  const raw = await measureRawLimits({
    natsUrl: rig.natsUrl,
    credentials: rig.natsCredentials,
    baseline,
    sample,
    state: JSON.stringify(Schema.encodeSync(orderTotalEntity.state)(state)),
    entityType: orderTotalEntity.name,
    inputStream: rig.names.stream,
    createConsumer: rig.addConsumer,
    prefetch: runnerPrefetch(concurrency),
    concurrency,
    groupCommit,
    publishMessages: 20_000,
    consumeMessages: workload.messages.length,
    pgKeys: 10_000,
    pgLines: 2,
    rounds: Number(args.rounds),
    log
  })
  console.log(
    JSON.stringify({
      ...rawLimitFields(raw),
      raw_pg_tx_per_s: Math.round(raw.pgTx),
      ...authCostFields(raw),
      cpus: cpus().length,
      mem_gb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      date: new Date().toISOString()
    })
  )
} finally {
  await rig.stop()
}
