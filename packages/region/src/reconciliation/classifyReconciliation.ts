/**
 * The pure half of reconciliation: given what was observed (the outbox rows
 * of the window, the messages a scan of `SYSTEMS_<region>` saw, which outbox
 * ids exist, and each WES site's `SITE_COMMANDS` scan), classify every row
 * and every stream message and build the report. No I/O: the service in
 * Reconciliation.ts gathers the observations (asking `strangerOutboxIds` and
 * `wesSitesToRead` what to look up) and calls `classify`.
 *
 * Row statuses:    stored | pending (unsent, younger than the grace period) | unsent (older: never sent)
 *                  | gap (marked sent, not in the stream) | expired (sent longer ago than the stream's
 *                  max_age: aged out) | unverified (the stream scan was truncated before its time)
 * Site statuses:   at_site | site_pending (younger than the grace) | not_at_site | site_unknown
 *                  (no SITE_COMMANDS there, site unreachable, or its scan truncated)
 * Stream findings: unexpected (an outbox id of this region, `<region>:<n>`, with no row, or a message
 *                  with no / an unknown id) | duplicate (one msg id stored at more than one sequence) |
 *                  direct (`<region>:<word>:…`: published by the region without the outbox, e.g. the
 *                  outcome answered to a site command) and foreign (an id of another region of the
 *                  mesh): counted, not differences | pruned (stored before the outbox horizon, its row
 *                  deleted by retention): counted, not a difference
 */
import { StreamNames } from "@logimesh/bus"
import { HUB_DOMAIN } from "@logimesh/config"
import { outboxMsgId, type OutboxRecord } from "@logimesh/engine"
import {
  type Counts,
  type Difference,
  type DifferenceKind,
  type GroupCounts,
  hasDifference,
  type ReconciliationReport,
  type RowStatus,
  type SiteStatus,
  type StreamCoverage,
  zeroCounts
} from "./ReconciliationReport.ts"
import type { ScanResult } from "./StreamScan.ts"
import { outboxIdOf, systemOf, wesSiteOf } from "./systemOfRecord.ts"

/** One message id as the hub scan saw it: every sequence it is stored at; the order read from its payload when it has no loaded row. */
export interface HubMessage {
  readonly seqs: ReadonlyArray<number>
  readonly subject: string
  readonly timestampMs: number
  readonly payloadOrder: string | null
}

export interface HubObservation {
  readonly stream: string
  /** The stream's last sequence when the scan began. */
  readonly endSeq: number
  readonly maxAgeMs: number
  readonly duplicateWindowMs: number
  readonly firstStoredMs: number | null
  readonly startTime: Date
  readonly messages: ReadonlyMap<string, HubMessage>
  readonly scan: ScanResult
}

export type SiteObservation =
  | { readonly status: "absent" | "unreachable"; readonly detail: string; readonly endSeq: number }
  | { readonly status: "read"; readonly endSeq: number; readonly ids: ReadonlyMap<string, number>; readonly scan: ScanResult }

export interface Observations {
  readonly region: string
  readonly otherRegions: ReadonlyArray<string>
  readonly now: number
  readonly since: Date
  readonly until: Date
  readonly order: string | null
  readonly graceMs: number
  readonly maxMessages: number
  readonly skewMs: number
  readonly maxRows: number
  readonly maxListed: number
  /** Sent rows written before this instant may have been deleted by retention. */
  readonly prunedBeforeMs: number
  /** The window's rows, by id; one more than `maxRows` means the read was truncated. */
  readonly outbox: ReadonlyArray<OutboxRecord>
  readonly hub: HubObservation
  /** Which of `strangerOutboxIds` exist. */
  readonly outboxIdsPresent: ReadonlySet<string>
  /** Each of `wesSitesToRead`. */
  readonly sites: ReadonlyMap<string, SiteObservation>
}

/** One examined outbox row, as reconciliation sees it. */
export interface RowView {
  readonly id: string
  readonly msgId: string
  readonly subject: string
  readonly system: string
  readonly order: string | null
  readonly createdAt: Date
  readonly sentAt: Date | null
  readonly status: RowStatus
  readonly site: SiteStatus | null
  /** For a WES gap (missing at the hub): is it at its site after all? Only "absent" gaps are repaired. */
  readonly gapAtSite: "at_site" | "absent" | "unknown" | null
  readonly hubSeq: number | null
  readonly hubStoredAtMs: number | null
}

export interface Analysis {
  readonly report: ReconciliationReport
  /** Gaps a repair may re-publish: missing at the hub and, for WES messages, known absent at the site. */
  readonly gaps: ReadonlyArray<RowView>
}

type HubInput = Pick<Observations, "region" | "now" | "graceMs" | "skewMs" | "maxRows" | "outbox" | "hub">
type StrangerInput = HubInput & Pick<Observations, "otherRegions" | "since" | "until" | "order">

const rowOrderOf = (row: OutboxRecord): string | null =>
  row.payloadKey ?? (row.headers["Logimesh-Entity-Type"] === "order" ? (row.headers["Logimesh-Entity-Key"] ?? null) : null)

/** The window's rows with their hub status: stored, pending, unsent, gap, expired or unverified. */
export const hubRows = (o: HubInput): ReadonlyArray<RowView> => {
  // Removed by the stream's max_age (not by a fault): too old to be a gap.
  const expiredBeforeMs = o.hub.maxAgeMs > 0 ? o.now - o.hub.maxAgeMs + o.skewMs : Number.NEGATIVE_INFINITY
  const scan = o.hub.scan
  const coveredUntilMs = scan.complete ? Number.POSITIVE_INFINITY : (scan.lastTimestampMs ?? Number.NEGATIVE_INFINITY) - o.skewMs
  return o.outbox.slice(0, o.maxRows).map((row): RowView => {
    const msgId = outboxMsgId(o.region, row.id)
    const stored = o.hub.messages.get(msgId)
    const sentMs = row.sentAt?.getTime()
    const status: RowStatus =
      sentMs === undefined
        ? o.now - row.createdAt.getTime() > o.graceMs
          ? "unsent"
          : "pending"
        : stored !== undefined
          ? "stored"
          : sentMs < expiredBeforeMs
            ? "expired"
            : sentMs <= coveredUntilMs
              ? "gap"
              : "unverified"
    return {
      id: row.id,
      msgId,
      subject: row.subject,
      system: systemOf(row.subject),
      order: rowOrderOf(row),
      createdAt: row.createdAt,
      sentAt: row.sentAt,
      status,
      site: null,
      gapAtSite: null,
      hubSeq: status === "stored" ? stored!.seqs[0]! : null,
      hubStoredAtMs: status === "stored" ? stored!.timestampMs : null
    }
  })
}

/** Hub messages with no loaded row, inside the window (and of the order asked for), sorted by what their id says. */
const strangers = (o: StrangerInput, rows: ReadonlyArray<RowView>) => {
  const loaded = new Set(rows.map((row) => row.msgId))
  const sinceMs = o.since.getTime()
  const untilMs = o.until.getTime()
  const ofThisOutbox: Array<{ readonly msgId: string; readonly outboxId: string }> = []
  const unknown: Array<{ readonly msgId: string; readonly detail: string }> = []
  let direct = 0
  let foreign = 0
  for (const [msgId, entry] of o.hub.messages) {
    if (loaded.has(msgId)) continue
    if (entry.timestampMs < sinceMs - o.skewMs || entry.timestampMs > untilMs) continue
    if (o.order !== null && entry.payloadOrder !== o.order) continue
    const outboxId = outboxIdOf(o.region, msgId)
    if (outboxId !== undefined) ofThisOutbox.push({ msgId, outboxId })
    else if (msgId.startsWith(`${o.region}:`)) direct += 1
    else if (o.otherRegions.some((other) => msgId.startsWith(`${other}:`))) foreign += 1
    else unknown.push({ msgId, detail: msgId === "" ? "no Nats-Msg-Id" : "not a msg id of this region's outbox" })
  }
  return { ofThisOutbox, unknown, direct, foreign }
}

/** The outbox ids the hub holds messages of but the window did not load: whether they exist decides unexpected or pruned. */
export const strangerOutboxIds = (o: StrangerInput): ReadonlyArray<string> => strangers(o, hubRows(o)).ofThisOutbox.map((s) => s.outboxId)

/** Sites whose SITE_COMMANDS to read: those of WES rows stored at the hub or missing there. */
export const wesSitesToRead = (o: HubInput): ReadonlyArray<string> =>
  [
    ...new Set(
      hubRows(o)
        .filter((row) => row.status === "stored" || row.status === "gap")
        .flatMap((row) => wesSiteOf(row.system) ?? [])
    )
  ].sort()

const siteCoverageOf = (site: string, startTime: Date, observed: SiteObservation): StreamCoverage => {
  const base = { stream: StreamNames.siteCommands, domain: site, start_time: startTime.toISOString(), end_seq: observed.endSeq }
  if (observed.status !== "read") {
    return {
      ...base,
      status: observed.status,
      detail: observed.detail,
      scanned: 0,
      first_seq: null,
      last_seq: null,
      last_stored_at: null,
      complete: false,
      truncated: null
    }
  }
  const s = observed.scan
  return {
    ...base,
    status: "read",
    detail: null,
    scanned: s.scanned,
    first_seq: s.firstSeq,
    last_seq: s.lastSeq,
    last_stored_at: iso(s.lastTimestampMs),
    complete: s.complete,
    truncated: s.truncated
  }
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/** Classifies every row and stream message and builds the report. */
export const classify = (o: Observations): Analysis => {
  const systemsStream = o.hub.stream
  const scan = o.hub.scan

  // 1. Each row against the hub; 2. stream messages without a loaded row.
  const hubClassified = hubRows(o)
  const found = strangers(o, hubClassified)
  const unexpected: Array<{ readonly msgId: string; readonly outboxId: string | null; readonly detail: string }> = found.unknown.map((u) => ({
    ...u,
    outboxId: null
  }))
  let prunedRows = 0
  for (const { msgId, outboxId } of found.ofThisOutbox) {
    if (o.outboxIdsPresent.has(outboxId)) continue
    if (o.hub.messages.get(msgId)!.timestampMs < o.prunedBeforeMs + o.skewMs) prunedRows += 1
    else unexpected.push({ msgId, outboxId, detail: "no outbox row with this id" })
  }

  // 3. WES rows: at their site (stored ones), or a gap that reached its site after all.
  const siteCoverage: Record<string, StreamCoverage> = {}
  for (const [site, observed] of [...o.sites].sort(([a], [b]) => a.localeCompare(b))) siteCoverage[site] = siteCoverageOf(site, o.hub.startTime, observed)
  const siteIds = (site: string) => {
    const observed = o.sites.get(site)
    return observed?.status === "read" ? observed.ids : undefined
  }
  const rows = hubClassified.map((row): RowView => {
    const site = wesSiteOf(row.system)
    if (site === undefined) return row
    const ids = siteIds(site)
    const complete = siteCoverage[site]?.complete === true
    if (row.status === "gap") {
      return { ...row, gapAtSite: ids?.has(row.msgId) === true ? "at_site" : ids === undefined || !complete ? "unknown" : "absent" }
    }
    if (row.status !== "stored") return row
    const status: SiteStatus =
      ids?.has(row.msgId) === true
        ? "at_site"
        : ids === undefined || !complete
          ? "site_unknown"
          : o.now - (row.hubStoredAtMs ?? o.now) > o.graceMs
            ? "not_at_site"
            : "site_pending"
    return { ...row, site: status }
  })

  // 4. Counts per (order, system), per system, in total; the differences listed.
  const differences: Array<Difference> = []
  let listedOverflow = false
  const list = (difference: Difference) => {
    if (differences.length < o.maxListed) differences.push(difference)
    else listedOverflow = true
  }
  const groups = new Map<string, GroupCounts & Counts>()
  const groupOf = (rowOrder: string | null, system: string) => {
    const key = `${rowOrder ?? ""}\u0000${system}`
    let group = groups.get(key)
    if (group === undefined) {
      group = { order: rowOrder, system, ...zeroCounts() }
      groups.set(key, group)
    }
    return group
  }
  const rowDifference = (row: RowView, kind: DifferenceKind, detail: string, stream: string, seqs: ReadonlyArray<number>): Difference => ({
    kind,
    order: row.order,
    system: row.system,
    subject: row.subject,
    outbox_id: row.id,
    msg_id: row.msgId,
    created_at: row.createdAt.toISOString(),
    sent_at: row.sentAt?.toISOString() ?? null,
    stream_seqs: seqs,
    stream,
    detail
  })
  for (const row of rows) {
    const group = groupOf(row.order, row.system)
    group.rows += 1
    if (row.sentAt !== null) group.sent += 1
    group[row.status] += 1
    if (row.site !== null) group[row.site] += 1
    if (row.status === "unsent")
      list(rowDifference(row, "unsent", `not sent ${Math.round((o.now - row.createdAt.getTime()) / 1000)} s after it was written`, "engine_outbox", []))
    if (row.status === "gap") list(rowDifference(row, "gap", `marked sent but not in ${systemsStream}`, systemsStream, []))
    const site = wesSiteOf(row.system)
    if (row.site === "not_at_site") {
      list(
        rowDifference(
          row,
          "not_at_site",
          `in ${systemsStream} but not in ${site}/${StreamNames.siteCommands}`,
          `${site}/${StreamNames.siteCommands}`,
          row.hubSeq === null ? [] : [row.hubSeq]
        )
      )
    }
    const stored = o.hub.messages.get(row.msgId)
    if (stored !== undefined && stored.seqs.length > 1) {
      group.duplicate += 1
      list(rowDifference(row, "duplicate", `stored ${stored.seqs.length} times in ${systemsStream}`, systemsStream, stored.seqs))
    }
    const siteCount = site === undefined ? 0 : (siteIds(site)?.get(row.msgId) ?? 0)
    if (siteCount > 1) {
      group.duplicate += 1
      list(rowDifference(row, "duplicate", `stored ${siteCount} times in ${site}/${StreamNames.siteCommands}`, `${site}/${StreamNames.siteCommands}`, []))
    }
  }
  for (const stranger of unexpected) {
    const entry = o.hub.messages.get(stranger.msgId)!
    const system = systemOf(entry.subject)
    const group = groupOf(entry.payloadOrder, system)
    group.unexpected += 1
    const base = {
      order: entry.payloadOrder,
      system,
      subject: entry.subject,
      outbox_id: stranger.outboxId,
      msg_id: stranger.msgId === "" ? null : stranger.msgId,
      created_at: null,
      sent_at: null,
      stream: systemsStream
    }
    list({ ...base, kind: "unexpected", stream_seqs: entry.seqs, detail: stranger.detail })
    if (entry.seqs.length > 1 && stranger.msgId !== "") {
      group.duplicate += 1
      list({ ...base, kind: "duplicate", stream_seqs: entry.seqs, detail: `stored ${entry.seqs.length} times in ${systemsStream}` })
    }
  }
  const totals = zeroCounts()
  const bySystem: Record<string, Counts> = {}
  for (const group of groups.values()) {
    const system = (bySystem[group.system] ??= zeroCounts())
    for (const key of Object.keys(totals) as Array<keyof Counts>) {
      totals[key] += group[key]
      system[key] += group[key]
    }
  }
  const listedGroups = [...groups.values()]
    .filter((group) => o.order !== null || hasDifference(group))
    .sort((a, b) => (a.order ?? "").localeCompare(b.order ?? "") || a.system.localeCompare(b.system))
  const outboxTruncated = o.outbox.length > o.maxRows
  const siteTruncated = Object.values(siteCoverage).some((c) => c.truncated !== null)
  const truncated = outboxTruncated || scan.truncated !== null || siteTruncated
  const report: ReconciliationReport = {
    region: o.region,
    generated_at: new Date(o.now).toISOString(),
    window: { since: o.since.toISOString(), until: o.until.toISOString() },
    order: o.order,
    grace_ms: o.graceMs,
    max_messages: o.maxMessages,
    clean: !hasDifference(totals),
    complete: !truncated && totals.unverified === 0 && Object.values(siteCoverage).every((c) => c.status !== "unreachable"),
    truncated,
    totals,
    by_system: Object.fromEntries(Object.entries(bySystem).sort(([a], [b]) => a.localeCompare(b))),
    groups: listedGroups,
    differences,
    differences_truncated: listedOverflow,
    outbox: { rows: rows.length, truncated: outboxTruncated, pruned_before: new Date(o.prunedBeforeMs).toISOString() },
    systems_stream: {
      stream: systemsStream,
      domain: HUB_DOMAIN,
      status: "read",
      detail: null,
      start_time: o.hub.startTime.toISOString(),
      end_seq: o.hub.endSeq,
      scanned: scan.scanned,
      first_seq: scan.firstSeq,
      last_seq: scan.lastSeq,
      last_stored_at: iso(scan.lastTimestampMs),
      complete: scan.complete,
      truncated: scan.truncated,
      foreign: found.foreign,
      direct: found.direct,
      pruned: prunedRows,
      first_stored_at: iso(o.hub.firstStoredMs),
      duplicate_window_ms: o.hub.duplicateWindowMs
    },
    site_commands: siteCoverage
  }
  // A WES message missing at the hub but already at its site reached its system: re-publishing it would
  // deliver it twice (repair runs past the duplicate window, where dedup no longer applies). Reported, not repaired.
  return { report, gaps: rows.filter((row) => row.status === "gap" && (wesSiteOf(row.system) === undefined || row.gapAtSite === "absent")) }
}
