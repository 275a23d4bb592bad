/**
 * Operator CLI for reconciliation, over the region's HTTP API.
 *
 *   npm run reconcile -- report [--since ISO] [--until ISO] [--order ID] [--grace-s N] [--max-messages N] [--region-url URL]
 *   npm run reconcile -- repair [same options]
 *
 * `report` prints the totals per system of record and every difference
 * (unsent, gap, unexpected, duplicate, not_at_site) with its order, system and
 * outbox id; `repair` clears sent_at on the verified gaps (the relay
 * re-publishes them under the same msg id) and prints what it queued and what
 * it deferred. Both end with one JSON line. `--region-url` defaults to
 * http://127.0.0.1:<HTTP_PORT>. The routes need an admin principal:
 * `LOGIMESH_API_KEY`, else the local topology's admin key. Exit codes: 0 ok (report: clean), 1 failed
 * (HTTP error or unreachable), 2 usage, 3 report found differences.
 */
import { Effect } from "effect"
import { ProcessSettings } from "@logimesh/config"
import { DEFAULT_STATE_DIR, operatorHeaders } from "@logimesh/topology"

const usage = "usage: npm run reconcile -- report|repair [--since ISO] [--until ISO] [--order ID] [--grace-s N] [--max-messages N] [--region-url URL]"

type Counts = Record<string, number>

interface Difference {
  readonly kind: string
  readonly order: string | null
  readonly system: string
  readonly subject: string
  readonly outbox_id: string | null
  readonly msg_id: string | null
  readonly sent_at: string | null
  readonly stream_seqs: ReadonlyArray<number>
  readonly detail: string
}

interface Coverage {
  readonly stream: string
  readonly domain: string
  readonly status: string
  readonly detail: string | null
  readonly scanned: number
  readonly first_seq: number | null
  readonly last_seq: number | null
  readonly complete: boolean
  readonly truncated: string | null
}

interface Report {
  readonly region: string
  readonly window: { readonly since: string; readonly until: string }
  readonly order: string | null
  readonly clean: boolean
  readonly complete: boolean
  readonly truncated: boolean
  readonly totals: Counts
  readonly by_system: Readonly<Record<string, Counts>>
  readonly differences?: ReadonlyArray<Difference>
  readonly differences_truncated?: boolean
  readonly outbox: { readonly rows: number; readonly truncated: boolean }
  readonly systems_stream: Coverage & { readonly foreign: number; readonly direct: number }
  readonly site_commands: Readonly<Record<string, Coverage>>
}

interface Repair {
  readonly region: string
  readonly queued: number
  readonly outbox_ids: ReadonlyArray<string>
  readonly deferred: ReadonlyArray<{ readonly outbox_id: string; readonly msg_id: string; readonly retry_after: string }>
  readonly found_on_recheck: ReadonlyArray<string>
  readonly not_rechecked: ReadonlyArray<string>
  readonly unverified: number
  readonly report: Report
}

const args = process.argv.slice(2)
const option = (...names: ReadonlyArray<string>): string | undefined => {
  for (const name of names) {
    const at = args.indexOf(name)
    if (at === -1) continue
    const value = args[at + 1]
    args.splice(at, 2)
    return value
  }
  return undefined
}

const columns = [
  "rows",
  "sent",
  "stored",
  "pending",
  "unsent",
  "gap",
  "expired",
  "unverified",
  "unexpected",
  "duplicate",
  "at_site",
  "not_at_site",
  "site_unknown"
] as const

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd()
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")
}

const coverageLine = (c: Coverage): string =>
  c.status !== "read"
    ? `${c.domain}/${c.stream}: ${c.status}${c.detail === null ? "" : ` (${c.detail})`}`
    : `${c.domain}/${c.stream}: scanned ${c.scanned}${c.first_seq === null ? "" : ` (seq ${c.first_seq}..${c.last_seq})`}, ${c.complete ? "complete" : `TRUNCATED (${c.truncated ?? "incomplete"})`}`

const printReport = (report: Report) => {
  console.log(`region ${report.region}  window ${report.window.since} .. ${report.window.until}  order ${report.order ?? "(all)"}`)
  console.log(`outbox rows ${report.outbox.rows}${report.outbox.truncated ? " (TRUNCATED)" : ""}`)
  console.log(`${coverageLine(report.systems_stream)}; direct ${report.systems_stream.direct}, foreign ${report.systems_stream.foreign}`)
  for (const coverage of Object.values(report.site_commands)) console.log(coverageLine(coverage))
  console.log("")
  const systems = Object.entries(report.by_system)
  console.log(
    table(
      ["system", ...columns],
      [
        ...systems.map(([system, counts]) => [system, ...columns.map((c) => String(counts[c] ?? 0))]),
        ["TOTAL", ...columns.map((c) => String(report.totals[c] ?? 0))]
      ]
    )
  )
  const differences = report.differences ?? []
  console.log("")
  if (differences.length === 0) {
    console.log(report.clean ? "no differences" : "differences: see totals")
    return
  }
  console.log(`differences (${differences.length}${report.differences_truncated === true ? ", list truncated" : ""}):`)
  console.log(
    table(
      ["kind", "order", "system", "outbox_id", "msg_id", "subject", "sent_at", "stream_seqs", "detail"],
      differences.map((d) => [
        d.kind,
        d.order ?? "-",
        d.system,
        d.outbox_id ?? "-",
        d.msg_id ?? "-",
        d.subject,
        d.sent_at ?? "-",
        d.stream_seqs.length === 0 ? "-" : d.stream_seqs.join(","),
        d.detail
      ])
    )
  )
}

const main = async (): Promise<number> => {
  const regionUrl =
    option("--region-url", "--api") ??
    `http://127.0.0.1:${await Effect.runPromise(
      Effect.gen(function* () {
        return yield* ProcessSettings.httpPort
      })
    )}`
  const query = new URLSearchParams()
  const pass = (flag: string, param: string) => {
    const value = option(flag)
    if (value !== undefined) query.set(param, value)
  }
  pass("--since", "since")
  pass("--until", "until")
  pass("--order", "order")
  pass("--grace-s", "grace_s")
  pass("--max-messages", "max_messages")
  const [command, ...rest] = args
  if ((command !== "report" && command !== "repair") || rest.length > 0) return usageError()
  const path = command === "report" ? "/v1/reconciliation" : "/v1/reconciliation/repair"
  const response = await fetch(new URL(`${path}?${query.toString()}`, regionUrl), {
    method: command === "report" ? "GET" : "POST",
    headers: await operatorHeaders(DEFAULT_STATE_DIR),
    signal: AbortSignal.timeout(180_000)
  })
  const body = (await response.json()) as unknown
  if (response.status !== 200) {
    console.error(JSON.stringify(body))
    return 1
  }
  if (command === "report") {
    const report = body as Report
    printReport(report)
    console.log(
      JSON.stringify({
        command,
        region: report.region,
        since: report.window.since,
        until: report.window.until,
        order: report.order,
        clean: report.clean,
        complete: report.complete,
        truncated: report.truncated,
        differences: (report.differences ?? []).length,
        totals: report.totals
      })
    )
    return report.clean ? 0 : 3
  }
  const repair = body as Repair
  printReport(repair.report)
  console.log("")
  console.log(`queued for re-publish: ${repair.queued}${repair.outbox_ids.length === 0 ? "" : ` (outbox ids ${repair.outbox_ids.join(", ")})`}`)
  if (repair.deferred.length > 0) {
    console.log(`deferred (inside the stream's duplicate window, a re-publish would be dropped): ${repair.deferred.length}`)
    console.log(
      table(
        ["outbox_id", "msg_id", "retry_after"],
        repair.deferred.map((d) => [d.outbox_id, d.msg_id, d.retry_after])
      )
    )
  }
  if (repair.found_on_recheck.length > 0) console.log(`found in the stream on re-check (left alone): ${repair.found_on_recheck.join(", ")}`)
  if (repair.not_rechecked.length > 0) console.log(`not re-checked (scan truncated; left alone): ${repair.not_rechecked.join(", ")}`)
  if (repair.unverified > 0) console.log(`rows not covered by the scan (truncated; left alone): ${repair.unverified}`)
  console.log(
    JSON.stringify({
      command,
      region: repair.region,
      since: repair.report.window.since,
      until: repair.report.window.until,
      order: repair.report.order,
      queued: repair.queued,
      outbox_ids: repair.outbox_ids,
      deferred: repair.deferred.map((d) => d.outbox_id),
      retry_after: repair.deferred.reduce<string | null>((max, d) => (max === null || d.retry_after > max ? d.retry_after : max), null),
      found_on_recheck: repair.found_on_recheck.length,
      not_rechecked: repair.not_rechecked.length,
      unverified: repair.unverified
    })
  )
  return 0
}

const usageError = () => {
  console.error(usage)
  return 2
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`reconcile: ${String(error)}`)
    process.exit(1)
  }
)
