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
 * c64 phase, per call.
 * Every call is authenticated (the topology's API keys). What that costs is
 * measured in the same run (phase `auth`): `GET /v1/sites` (an in-memory
 * list) sent one at a time with an API key, with a JWT (ES256, verified
 * against a JWKS file configured for the region), and with no credentials
 * (401 from the authentication middleware: the baseline), in alternating
 * rounds; per kind the region's CPU per request and the p50. The cost of a
 * credential = its CPU per request minus the baseline's, also as a share of
 * a command call's CPU. Progress on stderr; the last stdout line is one JSON
 * object.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { exportJWK, generateKeyPair, SignJWT } from "jose"
import { pickTaskIdOf } from "@logimesh/model"
import { startTestTopology } from "@logimesh/testkit"

const { values: args } = parseArgs({
  options: {
    "seq-orders": { type: "string", default: "30" },
    callers: { type: "string", default: "64" },
    "orders-per-caller": { type: "string", default: "4" },
    site: { type: "string", default: "dc-rotterdam" },
    "auth-requests": { type: "string", default: "1500" }
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

// The region also trusts JWTs of a bench issuer, whose key set is a file in its sites folder.
const JWT_ISSUER = "https://idp.bench.logimesh.invalid"
const JWT_AUDIENCE = "logimesh-bench"
const signing = await generateKeyPair("ES256")
const jwk = { ...(await exportJWK(signing.publicKey)), kid: "bench-1", alg: "ES256", use: "sig" }
const jwt = await new SignJWT({ logimesh_system: "ERP" })
  .setProtectedHeader({ alg: "ES256", kid: "bench-1" })
  .setIssuer(JWT_ISSUER)
  .setAudience(JWT_AUDIENCE)
  .setSubject("bench-erp")
  .setIssuedAt()
  .setExpirationTime("2h")
  .sign(signing.privateKey)

const topology = await startTestTopology("bench-api", {
  onProgress: (line) => log(`${at()}  ${line}`),
  // Outside the region folder, where every JSON file is a site.
  prepareSites: (sitesDir) => writeFileSync(join(sitesDir, "..", "bench-jwks.json"), JSON.stringify({ keys: [jwk] })),
  regionAuth: { jwt: { issuer: JWT_ISSUER, audience: JWT_AUDIENCE, jwksFile: "../../bench-jwks.json" } }
})
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

  /** `GET /v1/sites` one at a time, the three kinds of caller in alternating rounds: CPU per request and p50 per kind. */
  const authPhase = async (requests: number) => {
    const kinds = {
      none: {} as Record<string, string>,
      api_key: { authorization: `Bearer ${topology.apiKeys.ERP}` },
      jwt: { authorization: `Bearer ${jwt}` }
    }
    const expected = { none: 401, api_key: 200, jwt: 200 }
    const stats = Object.fromEntries(Object.keys(kinds).map((k) => [k, { cpu: 0, n: 0, ms: [] as Array<number>, wrong: 0 }]))
    const rounds = 10
    const perRound = Math.max(1, Math.floor(requests / rounds))
    for (let round = 0; round < rounds; round++) {
      for (const [kind, headers] of Object.entries(kinds)) {
        const stat = stats[kind]!
        const cpu0 = cpuMs(regionPid)
        for (let i = 0; i < perRound; i++) {
          const t0 = performance.now()
          const response = await fetch(`${base}/v1/sites`, { headers })
          await response.arrayBuffer()
          stat.ms.push(performance.now() - t0)
          if (response.status !== expected[kind as keyof typeof expected]) stat.wrong += 1
        }
        stat.cpu += cpuMs(regionPid) - cpu0
        stat.n += perRound
      }
      log(`${at()}  auth: round ${round + 1} of ${rounds}`)
    }
    const of = (kind: string) => {
      const stat = stats[kind]!
      const sorted = [...stat.ms].sort((a, b) => a - b)
      return { cpu_ms: Number((stat.cpu / stat.n).toFixed(3)), p50_ms: percentile(sorted, 50), wrong_status: stat.wrong }
    }
    const result = { none: of("none"), api_key: of("api_key"), jwt: of("jwt") }
    log(`${at()}  auth: ${JSON.stringify(result)}`)
    return result
  }

  const token = Date.now().toString(36)
  // A short warm-up (JIT, pools, first activations), not counted.
  await phase("warm-up", 4, 2, `${token}w`)
  const seq = await phase("seq", 1, seqOrders, `${token}s`)
  const c64 = await phase(`c${callers}`, callers, ordersPerCaller, `${token}c`)
  const auth = await authPhase(Number(args["auth-requests"]))
  const costOf = (kind: "api_key" | "jwt") => Number((auth[kind].cpu_ms - auth.none.cpu_ms).toFixed(3))
  console.log(
    JSON.stringify({
      calls_per_s_seq: seq.calls_per_s,
      p50_seq_ms: seq.p50_ms,
      p99_seq_ms: seq.p99_ms,
      calls_per_s_c64: c64.calls_per_s,
      p50_c64_ms: c64.p50_ms,
      p99_c64_ms: c64.p99_ms,
      cpu_ms_per_call: c64.cpu_ms_per_call,
      errors: seq.errors + c64.errors + auth.none.wrong_status + auth.api_key.wrong_status + auth.jwt.wrong_status,
      first_error: seq.first_error ?? c64.first_error,
      auth_cpu_ms_per_request: { none: auth.none.cpu_ms, api_key: auth.api_key.cpu_ms, jwt: auth.jwt.cpu_ms },
      auth_p50_ms: { none: auth.none.p50_ms, api_key: auth.api_key.p50_ms, jwt: auth.jwt.p50_ms },
      auth_cost_cpu_ms: { api_key: costOf("api_key"), jwt: costOf("jwt") },
      auth_cost_share_of_call_cpu: {
        api_key: Number((costOf("api_key") / c64.cpu_ms_per_call).toFixed(3)),
        jwt: Number((costOf("jwt") / c64.cpu_ms_per_call).toFixed(3))
      },
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
