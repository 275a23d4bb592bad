/**
 * `npm run bench:api` — the `/v1` command API as a caller sees it, through
 * the region's HTTP server on the local topology (hub, two site leaves
 * behind their WAN-link proxies, the region, Postgres). One order is 10
 * calls, each with an `Idempotency-Key`, each waiting for its answer:
 * create with 8 lines (ERP), release (ERP), then, once the order's pick
 * tasks exist, 8 pick confirmations (WES). Phases:
 *   seq   one caller, one call at a time (`--seq-orders` orders)
 *   c64   `--callers` callers at once, each with its own orders (`--orders-per-caller`)
 * Per phase: calls/s (calls / wall time of the phase, the waits for pick
 * tasks included), p50 / p99 of a call (request sent -> answer read), and
 * errors (any answer but 200/201, or a transport error). `cpu_ms_per_call`:
 * the region process's CPU time (user + system, /proc/<pid>/stat) over the
 * c64 phase, per call. Progress on stderr; the last stdout line is one JSON
 * object.
 */
import { readFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { parseArgs } from "node:util"
import { pickTaskIdOf } from "@logimesh/model"
import { startTestTopology } from "@logimesh/testkit"

const { values: args } = parseArgs({
  options: {
    "seq-orders": { type: "string", default: "30" },
    callers: { type: "string", default: "64" },
    "orders-per-caller": { type: "string", default: "4" },
    site: { type: "string", default: "dc-rotterdam" }
  }
})
const seqOrders = Number(args["seq-orders"])
const callers = Number(args.callers)
const ordersPerCaller = Number(args["orders-per-caller"])
const site = args.site
const log = (line: string) => process.stderr.write(`${line}\n`)
const started = Date.now()
const at = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`

const items = ["SKU-42", "SKU-77", "SKU-1263", "SKU-310", "SKU-555"]
const LINES = 8

const orderBody = (order: string) => ({
  order,
  shipFrom: site,
  serviceLevel: "STANDARD",
  shipTo: { name: "Acme BV", lines: ["Keizersgracht 1"], city: "Amsterdam", postalCode: "1015AA", country: "NL" },
  lines: Array.from({ length: LINES }, (_, i) => ({
    lineNumber: i + 1,
    item: items[i % items.length],
    quantity: { amount: "1", unit: "EA" },
    requestedShipDate: "2026-12-01",
    hazmat: false,
    weight: { amount: "1.5", unit: "KG" }
  }))
})

/** CPU time of a process in ms (user + system), from /proc/<pid>/stat (clock ticks of 10 ms). */
const cpuMs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return (Number(fields[11]) + Number(fields[12])) * 10
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? null : Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1))

const topology = await startTestTopology("bench-api", { onProgress: (line) => log(`${at()}  ${line}`) })
try {
  const base = topology.regionUrl
  const regionPid = topology.topology.state.components.find((c) => c.kind === "region")?.pid
  if (regionPid === undefined || regionPid === null) throw new Error("no region process in the topology")

  const call = async (path: string, as: string, body: unknown, key: string): Promise<{ status: number; ms: number }> => {
    const t0 = performance.now()
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${as === "WES" ? topology.apiKeys.WES[site] : topology.apiKeys.ERP}`,
        "Idempotency-Key": key
      },
      body: JSON.stringify(body)
    })
    await response.arrayBuffer()
    return { status: response.status, ms: performance.now() - t0 }
  }
  const taskExists = async (task: string) =>
    (await fetch(`${base}/v1/tasks/${encodeURIComponent(task)}`, { headers: { authorization: `Bearer ${topology.apiKeys.ERP}` } }).then(
      async (r) => (await r.arrayBuffer(), r.status)
    )) === 200

  log(`${at()}  stock counts at ${site} (${items.length} items)`)
  for (const item of items) {
    const r = await call(`/v1/inventory/${site}/${item}/count`, "WES", { onHand: { amount: "10000000", unit: "EA" } }, `bench-count-${item}`)
    if (r.status !== 200) throw new Error(`stock count of ${item} answered ${r.status}`)
  }

  const runOrder = async (order: string, latencies: Array<number>, errors: { n: number; first?: string }) => {
    const record = (r: { status: number; ms: number }, what: string) => {
      latencies.push(r.ms)
      if (r.status !== 200 && r.status !== 201) {
        errors.n += 1
        errors.first ??= `${what}: ${r.status}`
      }
    }
    const safe = async (what: string, run: () => Promise<{ status: number; ms: number }>) => {
      try {
        record(await run(), what)
      } catch (error) {
        errors.n += 1
        errors.first ??= `${what}: ${String(error)}`
      }
    }
    await safe("create", () => call("/v1/orders", "ERP", orderBody(order), `create-${order}`))
    await safe("release", () => call(`/v1/orders/${encodeURIComponent(order)}/release`, "ERP", {}, `release-${order}`))
    // The release's flow creates the pick tasks; a confirmation before its task exists would be refused.
    const last = pickTaskIdOf(order, LINES)
    const deadline = Date.now() + 30_000
    while (!(await taskExists(last))) {
      if (Date.now() > deadline) throw new Error(`pick tasks of ${order} not created within 30 s`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    for (let line = 1; line <= LINES; line++) {
      const task = pickTaskIdOf(order, line)
      await safe("confirm-pick", () =>
        call(`/v1/tasks/${encodeURIComponent(task)}/confirm-pick`, "WES", { picked: { amount: "1", unit: "EA" }, location: "RTM-A-01" }, `pick-${task}`)
      )
    }
  }

  const phase = async (name: string, lanes: number, ordersPerLane: number, token: string) => {
    const latencies: Array<number> = []
    const errors: { n: number; first?: string } = { n: 0 }
    const cpu0 = cpuMs(regionPid)
    const t0 = performance.now()
    let done = 0
    const progress = setInterval(() => log(`${at()}  ${name}: ${done} of ${lanes * ordersPerLane} orders, ${latencies.length} calls`), 2_000)
    try {
      await Promise.all(
        Array.from({ length: lanes }, async (_, lane) => {
          for (let i = 0; i < ordersPerLane; i++) {
            await runOrder(`BA-${token}-${lane}-${i}`, latencies, errors)
            done += 1
          }
        })
      )
    } finally {
      clearInterval(progress)
    }
    const seconds = (performance.now() - t0) / 1000
    const sorted = [...latencies].sort((a, b) => a - b)
    const result = {
      calls: latencies.length,
      calls_per_s: Number((latencies.length / seconds).toFixed(1)),
      p50_ms: percentile(sorted, 50),
      p99_ms: percentile(sorted, 99),
      cpu_ms_per_call: Number(((cpuMs(regionPid) - cpu0) / Math.max(1, latencies.length)).toFixed(2)),
      errors: errors.n,
      first_error: errors.first ?? null
    }
    log(`${at()}  ${name}: ${JSON.stringify(result)}`)
    return result
  }

  const token = Date.now().toString(36)
  // A short warm-up (JIT, pools, first activations), not counted.
  await phase("warm-up", 4, 2, `${token}w`)
  const seq = await phase("seq", 1, seqOrders, `${token}s`)
  const c64 = await phase(`c${callers}`, callers, ordersPerCaller, `${token}c`)
  console.log(
    JSON.stringify({
      calls_per_s_seq: seq.calls_per_s,
      p50_seq_ms: seq.p50_ms,
      p99_seq_ms: seq.p99_ms,
      calls_per_s_c64: c64.calls_per_s,
      p50_c64_ms: c64.p50_ms,
      p99_c64_ms: c64.p99_ms,
      cpu_ms_per_call: c64.cpu_ms_per_call,
      errors: seq.errors + c64.errors,
      first_error: seq.first_error ?? c64.first_error,
      calls_seq: seq.calls,
      calls_c64: c64.calls,
      callers,
      cpus: cpus().length,
      mem_gb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      date: new Date().toISOString()
    })
  )
} finally {
  await topology.stop()
}
