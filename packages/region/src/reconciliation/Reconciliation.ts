/**
 * Reconciliation of what the region sent to the systems of record with what
 * the bus stored, per order and per system (erp, dispatch, customer,
 * wes:<site>, carrier:<scac>), for a time window and optionally one order.
 *
 * Sent = `engine_outbox` rows on `sys.…` subjects created in the window
 * (written; `sent_at` set by the relay after the publish ack). Stored =
 * (a) the message in `SYSTEMS_<region>` (hub) under `Nats-Msg-Id` =
 * `<region>:<outbox id>`, and (b) for WES messages, in the site's own
 * `SITE_COMMANDS` stream (domain = site) when that stream exists.
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
 *                  mesh): counted, not differences
 *
 * Bounded: outbox rows by `maxRows`, stream reads start at `since - skew`, end at the stream's last
 * sequence when the scan began (or earlier when `until` is in the past), stop at `maxMessages` and a
 * deadline; a truncated read says so, and the rows it could not cover are `unverified`, never gaps.
 *
 * Repair re-publishes the gaps from the outbox: it re-checks each gap with a subject-filtered scan,
 * then clears `sent_at` on exactly those rows; the relay publishes them again under the same msg id.
 * A gap whose first publish is still inside the stream's duplicate window is deferred (the stream
 * would drop the re-publish as a duplicate even though the message was deleted), with a retry time.
 *
 * Outbox retention: sent rows are pruned `retention.outboxSentHours` after they were written and sent.
 * A window starting before `now - outboxSentHours` is refused (`WindowPruned`, the API answers 422
 * naming `since`): its rows may be gone, and a report over them would call it clean. A stream message
 * stored before that instant whose row is gone is counted as `pruned`, not as unexpected (mesh.json
 * keeps the outbox horizon at least the stream's max_age, so such messages are at most a few seconds
 * of clock skew old).
 */
import { Context, Duration, Effect, Layer, Schema, Semaphore } from "effect"
import { type BusError, classifyBusError, NatsConnection, StreamNames } from "@logimesh/bus"
import { HUB_DOMAIN } from "@logimesh/config"
import { type DbError } from "@logimesh/db"
import { EngineQueries } from "@logimesh/engine"
import { RegionContext } from "../RegionContext.ts"
import { regionStreamNames } from "../modules/regionStreamPlan.ts"
import { scanStream, type ScanResult } from "./StreamScan.ts"
import { orderOf, outboxIdOf, systemOf, wesSiteOf } from "./systemOfRecord.ts"

/** A window that starts before the outbox horizon: its sent rows may have been pruned. */
export class WindowPruned extends Schema.TaggedError<WindowPruned>()("WindowPruned", {
  message: Schema.String,
  /** The oldest `since` accepted now (ISO-8601). */
  prunedBefore: Schema.String
}) {}

/** The refusal of a window starting before `prunedBeforeMs`, or nothing when it is inside the horizon. */
export const prunedWindow = (since: Date, prunedBeforeMs: number, outboxSentHours: number): WindowPruned | undefined =>
  since.getTime() < prunedBeforeMs
    ? new WindowPruned({
      message: `since ${since.toISOString()} is before ${new Date(prunedBeforeMs).toISOString()}: sent outbox rows are pruned ` +
        `${outboxSentHours} h after they were written (retention.outboxSentHours), so that window cannot be reconciled`,
      prunedBefore: new Date(prunedBeforeMs).toISOString()
    })
    : undefined

export interface ReconciliationParams {
  readonly since: Date
  readonly until: Date
  readonly order?: string | undefined
  /** An unsent row younger than this is in flight, not "never sent"; default 60 s. */
  readonly graceMs?: number | undefined
  /** Messages read per stream at most; default 100,000. */
  readonly maxMessages?: number | undefined
}

export interface ReconciliationSettings {
  readonly defaultGraceMs: number
  readonly defaultMaxMessages: number
  readonly maxRows: number
  /** Clock difference tolerated between Postgres and the NATS servers. */
  readonly skewMs: number
  /** Bound of one JetStream API call (stream info). */
  readonly callTimeout: Duration.Duration
  /** Bound of one stream scan. */
  readonly scanDeadline: Duration.Duration
  /** How many differences a report lists (the counts are always complete). */
  readonly maxListed: number
}

export const defaultReconciliationSettings: ReconciliationSettings = {
  defaultGraceMs: 60_000,
  defaultMaxMessages: 100_000,
  maxRows: 200_000,
  skewMs: 30_000,
  callTimeout: Duration.seconds(3),
  scanDeadline: Duration.seconds(60),
  maxListed: 1_000
}

export type RowStatus = "stored" | "pending" | "unsent" | "gap" | "expired" | "unverified"
export type SiteStatus = "at_site" | "site_pending" | "not_at_site" | "site_unknown"
export type DifferenceKind = "unsent" | "gap" | "unexpected" | "duplicate" | "not_at_site"

export interface Counts {
  rows: number
  sent: number
  stored: number
  pending: number
  unsent: number
  gap: number
  expired: number
  unverified: number
  unexpected: number
  duplicate: number
  at_site: number
  site_pending: number
  not_at_site: number
  site_unknown: number
}

const zeroCounts = (): Counts => ({
  rows: 0,
  sent: 0,
  stored: 0,
  pending: 0,
  unsent: 0,
  gap: 0,
  expired: 0,
  unverified: 0,
  unexpected: 0,
  duplicate: 0,
  at_site: 0,
  site_pending: 0,
  not_at_site: 0,
  site_unknown: 0
})

const differenceKinds: ReadonlyArray<DifferenceKind> = ["unsent", "gap", "unexpected", "duplicate", "not_at_site"]
const hasDifference = (c: Counts) => differenceKinds.some((kind) => c[kind] > 0)

export interface Difference {
  readonly kind: DifferenceKind
  readonly order: string | null
  readonly system: string
  readonly subject: string
  readonly outbox_id: string | null
  readonly msg_id: string | null
  readonly created_at: string | null
  readonly sent_at: string | null
  /** Where the message is stored (duplicates: every sequence; not_at_site: the hub sequence). */
  readonly stream_seqs: ReadonlyArray<number>
  readonly stream: string
  readonly detail: string
}

export interface GroupCounts extends Counts {
  readonly order: string | null
  readonly system: string
}

export interface StreamCoverage {
  readonly stream: string
  readonly domain: string
  readonly status: "read" | "absent" | "unreachable"
  readonly detail: string | null
  readonly start_time: string
  readonly end_seq: number
  readonly scanned: number
  readonly first_seq: number | null
  readonly last_seq: number | null
  readonly last_stored_at: string | null
  readonly complete: boolean
  readonly truncated: string | null
}

export interface ReconciliationReport {
  readonly region: string
  readonly generated_at: string
  readonly window: { readonly since: string; readonly until: string }
  readonly order: string | null
  readonly grace_ms: number
  readonly max_messages: number
  /** No differences (unsent, gap, unexpected, duplicate, not_at_site). */
  readonly clean: boolean
  /** Nothing truncated, nothing left unverified, every site with WES messages answered (an absent SITE_COMMANDS is not a gap). */
  readonly complete: boolean
  readonly truncated: boolean
  readonly totals: Counts
  readonly by_system: Readonly<Record<string, Counts>>
  /** Per (order, system): those with a difference; every group when one order was asked for. */
  readonly groups: ReadonlyArray<GroupCounts>
  readonly differences: ReadonlyArray<Difference>
  readonly differences_truncated: boolean
  /** `pruned_before`: sent rows written before this instant may have been deleted by retention. */
  readonly outbox: { readonly rows: number; readonly truncated: boolean; readonly pruned_before: string }
  readonly systems_stream: StreamCoverage & {
    readonly foreign: number
    readonly direct: number
    /** Messages stored before `outbox.pruned_before` whose row retention deleted (not differences). */
    readonly pruned: number
    readonly first_stored_at: string | null
    readonly duplicate_window_ms: number
  }
  readonly site_commands: Readonly<Record<string, StreamCoverage>>
}

export interface RepairResult {
  readonly region: string
  readonly window: { readonly since: string; readonly until: string }
  readonly order: string | null
  /** Outbox rows whose `sent_at` was cleared: the relay re-publishes them (same msg id). */
  readonly queued: number
  readonly outbox_ids: ReadonlyArray<string>
  /** Gaps still inside the stream's duplicate window: a re-publish now would be dropped; retry after. */
  readonly deferred: ReadonlyArray<{ readonly outbox_id: string; readonly msg_id: string; readonly retry_after: string }>
  /** Gaps the re-check found in the stream after all (not touched). */
  readonly found_on_recheck: ReadonlyArray<string>
  /** Gaps the re-check could not cover (scan truncated): not touched. */
  readonly not_rechecked: ReadonlyArray<string>
  /** Rows that were not covered by the report's scan (truncated): not touched. */
  readonly unverified: number
  readonly report: Omit<ReconciliationReport, "groups" | "differences">
}

/** One examined outbox row, as reconciliation sees it. */
interface RowView {
  readonly id: string
  readonly msgId: string
  readonly subject: string
  readonly system: string
  readonly order: string | null
  readonly createdAt: Date
  readonly sentAt: Date | null
  status: RowStatus
  site: SiteStatus | null
  /** For a WES gap (missing at the hub): is it at its site after all? Only "absent" gaps are repaired. */
  gapAtSite?: "at_site" | "absent" | "unknown"
  hubSeq: number | null
  hubStoredAtMs: number | null
}

interface Analysis {
  readonly report: ReconciliationReport
  readonly gaps: ReadonlyArray<RowView>
  readonly systemsEndSeq: number
  readonly duplicateWindowMs: number
}

const nanosToMs = (nanos: number | undefined): number => (nanos === undefined ? 0 : Math.round(nanos / 1_000_000))
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

export interface ReconciliationShape {
  readonly report: (params: ReconciliationParams) => Effect.Effect<ReconciliationReport, DbError | BusError | WindowPruned>
  readonly repair: (params: ReconciliationParams) => Effect.Effect<RepairResult, DbError | BusError | WindowPruned>
}


const make = (settings: ReconciliationSettings) =>
  Effect.gen(function*() {
    const engine = yield* EngineQueries
    const nats = yield* NatsConnection
    const context = yield* RegionContext
    const region = context.region.id
    const systemsStream = regionStreamNames(region).systems
    const otherRegions = context.mesh.regions.map((entry) => entry.region.id as string).filter((id) => id !== region)
    const outboxSentHours = context.mesh.settings.retention.outboxSentHours
    const provide = Effect.provideService(NatsConnection, nats)

    /** A JetStream API call with its own bound: a cut leaf link answers "unreachable", it never hangs. */
    const bounded = <A>(operation: string, run: () => Promise<A>): Effect.Effect<A, BusError> =>
      Effect.tryPromise({ try: run, catch: (cause) => classifyBusError(operation, cause) }).pipe(
        Effect.timeoutOrElse({
          duration: settings.callTimeout,
          orElse: () => Effect.fail(classifyBusError(operation, new Error(`timeout after ${Duration.format(settings.callTimeout)}`)))
        })
      )

    const loadRows = (params: ReconciliationParams) =>
      engine.outboxWindow({
        subjectPrefix: "sys.",
        since: params.since,
        until: params.until,
        about: { entityType: "order", ...(params.order === undefined ? {} : { key: params.order }) },
        limit: settings.maxRows + 1
      })

    const analyse = (params: ReconciliationParams): Effect.Effect<Analysis, DbError | BusError | WindowPruned> =>
      Effect.gen(function*() {
        const now = Date.now()
        const prunedBeforeMs = now - outboxSentHours * 3_600_000
        const pruned = prunedWindow(params.since, prunedBeforeMs, outboxSentHours)
        if (pruned !== undefined) return yield* pruned
        const graceMs = Math.max(0, params.graceMs ?? settings.defaultGraceMs)
        const maxMessages = Math.max(1, Math.min(params.maxMessages ?? settings.defaultMaxMessages, 1_000_000))
        const order = params.order ?? null

        // 1. What the region wrote (read before the stream: every row marked sent here was acked before).
        const loaded = yield* loadRows(params)
        const outboxTruncated = loaded.length > settings.maxRows
        const rows: Array<RowView> = loaded.slice(0, settings.maxRows).map((row) => {
          const headers = row.headers ?? {}
          const rowOrder = row.payloadKey ?? (headers["Logimesh-Entity-Type"] === "order" ? headers["Logimesh-Entity-Key"] ?? null : null)
          return {
            id: row.id,
            msgId: `${region}:${row.id}`,
            subject: row.subject,
            system: systemOf(row.subject),
            order: rowOrder,
            createdAt: row.createdAt,
            sentAt: row.sentAt,
            status: row.sentAt === null ? (now - row.createdAt.getTime() > graceMs ? "unsent" : "pending") : "unverified",
            site: null,
            hubSeq: null,
            hubStoredAtMs: null
          }
        })
        const byMsgId = new Map(rows.map((row) => [row.msgId, row]))

        // 2. What SYSTEMS_<region> stored, from since - skew to its last sequence now (or a little after `until`).
        const info = yield* Effect.flatMap(nats.jetstreamManager(), (jsm) => bounded(`info ${systemsStream}`, () => jsm.streams.info(systemsStream)))
        const duplicateWindowMs = nanosToMs(info.config.duplicate_window)
        const firstStoredMs = info.state.messages > 0 && info.state.first_ts !== undefined ? Date.parse(info.state.first_ts) : null
        const lastSentMs = rows.reduce((max, row) => Math.max(max, row.sentAt?.getTime() ?? 0), 0)
        const stopAfterMs = Math.max(params.until.getTime(), lastSentMs) + settings.skewMs
        const startTime = new Date(params.since.getTime() - settings.skewMs)
        const seen = new Map<string, { seqs: Array<number>; subject: string; timestampMs: number; payloadOrder: string | null }>()
        let foreign = 0
        let direct = 0
        let prunedRows = 0
        const scan: ScanResult = yield* provide(scanStream({
          domain: undefined,
          stream: systemsStream,
          startTime,
          endSeq: info.state.last_seq,
          stopAfter: stopAfterMs < now ? new Date(stopAfterMs) : undefined,
          maxMessages,
          deadline: settings.scanDeadline
        }, (m) => {
          const entry = seen.get(m.msgId)
          if (entry !== undefined) {
            entry.seqs.push(m.seq)
            return
          }
          const known = byMsgId.get(m.msgId)
          // The order of a message without a loaded row is read from its payload (rows carry their own).
          const payloadOrder = known === undefined ? orderOf(m.payload(), { "Logimesh-Entity-Type": m.header("Logimesh-Entity-Type"), "Logimesh-Entity-Key": m.header("Logimesh-Entity-Key") }) : null
          seen.set(m.msgId, { seqs: [m.seq], subject: m.subject, timestampMs: m.timestampMs, payloadOrder })
        }))

        // 3. Each sent row: stored, gap, expired or unverified.
        // Removed by the stream's max_age (not by a fault): too old to be a gap.
        const maxAgeMs = nanosToMs(info.config.max_age)
        const expiredBeforeMs = maxAgeMs > 0 ? now - maxAgeMs + settings.skewMs : Number.NEGATIVE_INFINITY
        const coveredUntilMs = scan.complete ? Number.POSITIVE_INFINITY : (scan.lastTimestampMs ?? Number.NEGATIVE_INFINITY) - settings.skewMs
        for (const row of rows) {
          if (row.sentAt === null) continue
          const stored = seen.get(row.msgId)
          if (stored !== undefined) {
            row.status = "stored"
            row.hubSeq = stored.seqs[0]!
            row.hubStoredAtMs = stored.timestampMs
          } else if (row.sentAt.getTime() < expiredBeforeMs) {
            row.status = "expired"
          } else if (row.sentAt.getTime() <= coveredUntilMs) {
            row.status = "gap"
          } else {
            row.status = "unverified"
          }
        }

        // 4. Stream messages without a loaded row: unexpected (no row at all), or rows outside the window.
        const differences: Array<Difference> = []
        let listedOverflow = false
        const list = (difference: Difference) => {
          if (differences.length < settings.maxListed) differences.push(difference)
          else listedOverflow = true
        }
        const untilMs = params.until.getTime()
        const sinceMs = params.since.getTime()
        const strangers: Array<[string, string]> = []
        const unexpected: Array<{ msgId: string; outboxId: string | null; detail: string }> = []
        for (const [msgId, entry] of seen) {
          if (byMsgId.has(msgId)) continue
          if (entry.timestampMs < sinceMs - settings.skewMs || entry.timestampMs > untilMs) continue
          if (order !== null && entry.payloadOrder !== order) continue
          const outboxId = outboxIdOf(region, msgId)
          if (outboxId !== undefined) strangers.push([msgId, outboxId])
          else if (msgId.startsWith(`${region}:`)) direct += 1
          else if (otherRegions.some((other) => msgId.startsWith(`${other}:`))) foreign += 1
          else unexpected.push({ msgId, outboxId: null, detail: msgId === "" ? "no Nats-Msg-Id" : "not a msg id of this region's outbox" })
        }
        const existing = yield* engine.outboxIdsPresent(strangers.map(([, id]) => id))
        for (const [msgId, outboxId] of strangers) {
          if (existing.has(outboxId)) continue
          if (seen.get(msgId)!.timestampMs < prunedBeforeMs + settings.skewMs) prunedRows += 1
          else unexpected.push({ msgId, outboxId, detail: "no outbox row with this id" })
        }

        // 5. WES rows stored at the hub: are they in the site's own SITE_COMMANDS (when it exists)?
        const siteCoverage: Record<string, StreamCoverage> = {}
        const wesSites = [...new Set(rows.filter((row) => row.status === "stored" || row.status === "gap").flatMap((row) => wesSiteOf(row.system) ?? []))].sort()
        const siteSeen = new Map<string, Map<string, number>>()
        yield* Effect.forEach(wesSites, (site) =>
          Effect.gen(function*() {
            const base = { stream: StreamNames.siteCommands, domain: site, start_time: startTime.toISOString() }
            const siteInfo = yield* Effect.flatMap(nats.jetstreamManager(site), (jsm) =>
              bounded(`info ${site}/${StreamNames.siteCommands}`, () => jsm.streams.info(StreamNames.siteCommands))).pipe(Effect.result)
            if (siteInfo._tag === "Failure") {
              const absent = siteInfo.failure.reason._tag === "StreamNotFound"
              siteCoverage[site] = {
                ...base,
                status: absent ? "absent" : "unreachable",
                detail: absent ? "no SITE_COMMANDS stream in the site's domain: not sourced to site (unknown)" : siteInfo.failure.message,
                end_seq: 0,
                scanned: 0,
                first_seq: null,
                last_seq: null,
                last_stored_at: null,
                complete: false,
                truncated: null
              }
              return
            }
            const ids = new Map<string, number>()
            const siteScan = yield* provide(scanStream({
              domain: site,
              stream: StreamNames.siteCommands,
              startTime,
              endSeq: siteInfo.success.state.last_seq,
              maxMessages,
              deadline: settings.scanDeadline
            }, (m) => ids.set(m.msgId, (ids.get(m.msgId) ?? 0) + 1))).pipe(Effect.result)
            if (siteScan._tag === "Failure") {
              siteCoverage[site] = { ...base, status: "unreachable", detail: siteScan.failure.message, end_seq: siteInfo.success.state.last_seq, scanned: 0, first_seq: null, last_seq: null, last_stored_at: null, complete: false, truncated: null }
              return
            }
            siteSeen.set(site, ids)
            const s = siteScan.success
            siteCoverage[site] = {
              ...base,
              status: "read",
              detail: null,
              end_seq: siteInfo.success.state.last_seq,
              scanned: s.scanned,
              first_seq: s.firstSeq,
              last_seq: s.lastSeq,
              last_stored_at: iso(s.lastTimestampMs),
              complete: s.complete,
              truncated: s.truncated
            }
          }), { concurrency: 4, discard: true })
        for (const row of rows) {
          const site = wesSiteOf(row.system)
          if (site !== undefined && row.status === "gap") {
            const ids = siteSeen.get(site)
            row.gapAtSite = ids?.has(row.msgId) === true ? "at_site" : ids === undefined || siteCoverage[site]?.complete !== true ? "unknown" : "absent"
            continue
          }
          if (site === undefined || row.status !== "stored") continue
          const ids = siteSeen.get(site)
          const coverage = siteCoverage[site]
          if (ids?.has(row.msgId) === true) row.site = "at_site"
          else if (ids === undefined || coverage?.complete !== true) row.site = "site_unknown"
          else row.site = now - (row.hubStoredAtMs ?? now) > graceMs ? "not_at_site" : "site_pending"
        }

        // 6. Counts per (order, system), per system, in total; the differences listed.
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
          if (row.status === "unsent") list(rowDifference(row, "unsent", `not sent ${Math.round((now - row.createdAt.getTime()) / 1000)} s after it was written`, "engine_outbox", []))
          if (row.status === "gap") list(rowDifference(row, "gap", `marked sent but not in ${systemsStream}`, systemsStream, []))
          if (row.site === "not_at_site") {
            const site = wesSiteOf(row.system)!
            list(rowDifference(row, "not_at_site", `in ${systemsStream} but not in ${site}/${StreamNames.siteCommands}`, `${site}/${StreamNames.siteCommands}`, row.hubSeq === null ? [] : [row.hubSeq]))
          }
          const stored = seen.get(row.msgId)
          if (stored !== undefined && stored.seqs.length > 1) {
            group.duplicate += 1
            list(rowDifference(row, "duplicate", `stored ${stored.seqs.length} times in ${systemsStream}`, systemsStream, stored.seqs))
          }
          const siteCount = siteSeen.get(wesSiteOf(row.system) ?? "")?.get(row.msgId) ?? 0
          if (siteCount > 1) {
            group.duplicate += 1
            list(rowDifference(row, "duplicate", `stored ${siteCount} times in ${wesSiteOf(row.system)}/${StreamNames.siteCommands}`, `${wesSiteOf(row.system)}/${StreamNames.siteCommands}`, []))
          }
        }
        for (const stranger of unexpected) {
          const entry = seen.get(stranger.msgId)!
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
          .filter((group) => order !== null || hasDifference(group))
          .sort((a, b) => (a.order ?? "").localeCompare(b.order ?? "") || a.system.localeCompare(b.system))
        const siteTruncated = Object.values(siteCoverage).some((c) => c.truncated !== null)
        const truncated = outboxTruncated || scan.truncated !== null || siteTruncated
        const report: ReconciliationReport = {
          region,
          generated_at: new Date(now).toISOString(),
          window: { since: params.since.toISOString(), until: params.until.toISOString() },
          order,
          grace_ms: graceMs,
          max_messages: maxMessages,
          clean: !hasDifference(totals),
          complete: !truncated && totals.unverified === 0 && Object.values(siteCoverage).every((c) => c.status !== "unreachable"),
          truncated,
          totals,
          by_system: Object.fromEntries(Object.entries(bySystem).sort(([a], [b]) => a.localeCompare(b))),
          groups: listedGroups,
          differences,
          differences_truncated: listedOverflow,
          outbox: { rows: rows.length, truncated: outboxTruncated, pruned_before: new Date(prunedBeforeMs).toISOString() },
          systems_stream: {
            stream: systemsStream,
            domain: HUB_DOMAIN,
            status: "read",
            detail: null,
            start_time: startTime.toISOString(),
            end_seq: info.state.last_seq,
            scanned: scan.scanned,
            first_seq: scan.firstSeq,
            last_seq: scan.lastSeq,
            last_stored_at: iso(scan.lastTimestampMs),
            complete: scan.complete,
            truncated: scan.truncated,
            foreign,
            direct,
            pruned: prunedRows,
            first_stored_at: iso(firstStoredMs),
            duplicate_window_ms: duplicateWindowMs
          },
          site_commands: siteCoverage
        }
        // A WES message missing at the hub but already at its site reached its system: re-publishing it would
        // deliver it twice (repair runs past the duplicate window, where dedup no longer applies). Reported, not repaired.
        return {
          report,
          gaps: rows.filter((row) => row.status === "gap" && (wesSiteOf(row.system) === undefined || row.gapAtSite === "absent")),
          systemsEndSeq: info.state.last_seq,
          duplicateWindowMs
        }
      })

    /** Re-checks gaps, one subject-filtered scan per subject: which ids are really absent (and covered). */
    const recheck = (gaps: ReadonlyArray<RowView>, endSeq: number, maxMessages: number) =>
      Effect.gen(function*() {
        const bySubject = new Map<string, Array<RowView>>()
        for (const gap of gaps) bySubject.set(gap.subject, [...(bySubject.get(gap.subject) ?? []), gap])
        const absent: Array<RowView> = []
        const present: Array<string> = []
        const uncovered: Array<string> = []
        yield* Effect.forEach([...bySubject], ([subject, candidates]) =>
          Effect.gen(function*() {
            const from = Math.min(...candidates.map((c) => c.createdAt.getTime())) - settings.skewMs
            const to = Math.max(...candidates.map((c) => c.sentAt!.getTime())) + settings.skewMs
            const wanted = new Set(candidates.map((c) => c.msgId))
            const found = new Set<string>()
            const scan = yield* provide(scanStream({
              domain: undefined,
              stream: systemsStream,
              startTime: new Date(from),
              endSeq,
              stopAfter: new Date(to),
              filterSubject: subject,
              maxMessages,
              deadline: settings.scanDeadline
            }, (m) => {
              if (wanted.has(m.msgId)) found.add(m.msgId)
            }))
            const coveredUntil = scan.complete ? Number.POSITIVE_INFINITY : (scan.lastTimestampMs ?? Number.NEGATIVE_INFINITY) - settings.skewMs
            for (const candidate of candidates) {
              if (found.has(candidate.msgId)) present.push(candidate.id)
              else if (candidate.sentAt!.getTime() <= coveredUntil) absent.push(candidate)
              else uncovered.push(candidate.id)
            }
          }), { concurrency: 2, discard: true })
        return { absent, present, uncovered }
      })

    const report = (params: ReconciliationParams) => Effect.map(analyse(params), (analysis) => analysis.report)

    const repair = (params: ReconciliationParams): Effect.Effect<RepairResult, DbError | BusError | WindowPruned> =>
      Effect.gen(function*() {
        const analysis = yield* analyse(params)
        const checked = yield* recheck(analysis.gaps, analysis.systemsEndSeq, analysis.report.max_messages)
        const now = Date.now()
        // The stream forgets an id one duplicate window after it stored it (~ sent_at); a margin for its purge timer.
        const reusableAt = (row: RowView) => row.sentAt!.getTime() + analysis.duplicateWindowMs + 2_000
        const ready = checked.absent.filter((row) => reusableAt(row) <= now)
        const deferred = checked.absent.filter((row) => reusableAt(row) > now)
        const ids = ready.map((row) => row.id)
        const cleared = yield* engine.requeueSentOutbox(ids)
        if (cleared.length > 0 || deferred.length > 0) {
          yield* Effect.logInfo("reconciliation repair: gaps queued for the relay").pipe(
            Effect.annotateLogs({ queued: cleared.length, deferred: deferred.length, outboxIds: cleared.slice(0, 50).join(",") })
          )
        }
        const { groups: _groups, differences: _differences, ...summary } = analysis.report
        return {
          region,
          window: analysis.report.window,
          order: analysis.report.order,
          queued: cleared.length,
          outbox_ids: cleared,
          deferred: deferred.map((row) => ({ outbox_id: row.id, msg_id: row.msgId, retry_after: new Date(reusableAt(row)).toISOString() })),
          found_on_recheck: checked.present,
          not_rechecked: checked.uncovered,
          unverified: analysis.report.totals.unverified,
          report: summary
        }
      })

    // One scan at a time: each may hold up to `max_messages` scanned messages in memory.
    const oneAtATime = yield* Semaphore.make(1)
    return Reconciliation.of({
      report: (params) => oneAtATime.withPermit(report(params)),
      repair: (params) => oneAtATime.withPermit(repair(params))
    })
  })

export class Reconciliation extends Context.Service<Reconciliation, ReconciliationShape>()("logimesh/region/Reconciliation") {
  static readonly layerWith = (settings: Partial<ReconciliationSettings> = {}) =>
    Layer.effect(Reconciliation, make({ ...defaultReconciliationSettings, ...settings }))

  static readonly layer = Reconciliation.layerWith()
}
