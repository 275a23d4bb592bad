/**
 * What reconciliation is asked (window, order, bounds) and what it answers:
 * counts per (order, system), the differences it lists, the coverage of each
 * stream it read, and what a repair queued. Statuses are defined in
 * classifyReconciliation.ts.
 */
import { Duration, Schema } from "effect"

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
        message:
          `since ${since.toISOString()} is before ${new Date(prunedBeforeMs).toISOString()}: sent outbox rows are pruned ` +
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

export const zeroCounts = (): Counts => ({
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

export const differenceKinds: ReadonlyArray<DifferenceKind> = ["unsent", "gap", "unexpected", "duplicate", "not_at_site"]
export const hasDifference = (c: Counts) => differenceKinds.some((kind) => c[kind] > 0)

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
