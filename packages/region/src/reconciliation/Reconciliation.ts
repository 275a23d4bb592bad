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
 * Classification (statuses, differences, counts) is pure: classifyReconciliation.ts. This file
 * is the I/O that feeds it: the outbox rows (`EngineQueries`), the stream scans, which outbox ids
 * exist, and the repair.
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
import { Context, Duration, Effect, Layer, Semaphore } from "effect"
import { type BusError, classifyBusError, NatsConnection, StreamNames } from "@logimesh/bus"
import type { DbError } from "@logimesh/db"
import { EngineQueries, outboxMsgId } from "@logimesh/engine"
import { RegionContext } from "../RegionContext.ts"
import { regionStreamNames } from "../modules/regionStreamPlan.ts"
import { type Analysis, classify, type RowView, type SiteObservation, strangerOutboxIds, wesSitesToRead } from "./classifyReconciliation.ts"
import {
  defaultReconciliationSettings,
  prunedWindow,
  type ReconciliationParams,
  type ReconciliationReport,
  type ReconciliationSettings,
  type RepairResult,
  type WindowPruned
} from "./ReconciliationReport.ts"
import { scanStream } from "./StreamScan.ts"
import { orderOf } from "./systemOfRecord.ts"
import { definedFields } from "@logimesh/model"

const nanosToMs = (nanos: number | undefined): number => (nanos === undefined ? 0 : Math.round(nanos / 1_000_000))

export interface ReconciliationShape {
  readonly report: (params: ReconciliationParams) => Effect.Effect<ReconciliationReport, DbError | BusError | WindowPruned>
  readonly repair: (params: ReconciliationParams) => Effect.Effect<RepairResult, DbError | BusError | WindowPruned>
}

const make = (settings: ReconciliationSettings) =>
  Effect.gen(function* () {
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

    /** One WES site's SITE_COMMANDS: every msg id stored since `startTime` (with its count), or why it could not be read. */
    const readSite = (site: string, startTime: Date, maxMessages: number): Effect.Effect<SiteObservation> =>
      Effect.gen(function* () {
        const info = yield* Effect.flatMap(nats.jetstreamManager(site), (jsm) =>
          bounded(`info ${site}/${StreamNames.siteCommands}`, () => jsm.streams.info(StreamNames.siteCommands))
        ).pipe(Effect.result)
        if (info._tag === "Failure") {
          const absent = info.failure.reason._tag === "StreamNotFound"
          return absent
            ? ({ status: "absent", detail: "no SITE_COMMANDS stream in the site's domain: not sourced to site (unknown)", endSeq: 0 } as const)
            : ({ status: "unreachable", detail: info.failure.message, endSeq: 0 } as const)
        }
        const endSeq = info.success.state.last_seq
        const ids = new Map<string, number>()
        const scan = yield* provide(
          scanStream(
            {
              domain: site,
              stream: StreamNames.siteCommands,
              startTime,
              endSeq,
              maxMessages,
              deadline: settings.scanDeadline
            },
            (m) => ids.set(m.msgId, (ids.get(m.msgId) ?? 0) + 1)
          )
        ).pipe(Effect.result)
        return scan._tag === "Failure"
          ? ({ status: "unreachable", detail: scan.failure.message, endSeq } as const)
          : ({ status: "read", endSeq, ids, scan: scan.success } as const)
      })

    const analyse = (
      params: ReconciliationParams
    ): Effect.Effect<Analysis & { readonly systemsEndSeq: number; readonly duplicateWindowMs: number }, DbError | BusError | WindowPruned> =>
      Effect.gen(function* () {
        const now = Date.now()
        const prunedBeforeMs = now - outboxSentHours * 3_600_000
        const pruned = prunedWindow(params.since, prunedBeforeMs, outboxSentHours)
        if (pruned !== undefined) return yield* pruned
        const graceMs = Math.max(0, params.graceMs ?? settings.defaultGraceMs)
        const maxMessages = Math.max(1, Math.min(params.maxMessages ?? settings.defaultMaxMessages, 1_000_000))

        // 1. What the region wrote (read before the stream: every row marked sent here was acked before).
        const outbox = yield* engine.outboxWindow({
          subjectPrefix: "sys.",
          since: params.since,
          until: params.until,
          about: { entityType: "order", ...definedFields({ key: params.order }) },
          limit: settings.maxRows + 1
        })
        const loaded = new Set(outbox.slice(0, settings.maxRows).map((row) => outboxMsgId(region, row.id)))

        // 2. What SYSTEMS_<region> stored, from since - skew to its last sequence now (or a little after `until`).
        const info = yield* Effect.flatMap(nats.jetstreamManager(), (jsm) => bounded(`info ${systemsStream}`, () => jsm.streams.info(systemsStream)))
        const lastSentMs = outbox.reduce((max, row) => Math.max(max, row.sentAt?.getTime() ?? 0), 0)
        const stopAfterMs = Math.max(params.until.getTime(), lastSentMs) + settings.skewMs
        const startTime = new Date(params.since.getTime() - settings.skewMs)
        const messages = new Map<string, { seqs: Array<number>; subject: string; timestampMs: number; payloadOrder: string | null }>()
        const scan = yield* provide(
          scanStream(
            {
              domain: undefined,
              stream: systemsStream,
              startTime,
              endSeq: info.state.last_seq,
              stopAfter: stopAfterMs < now ? new Date(stopAfterMs) : undefined,
              maxMessages,
              deadline: settings.scanDeadline
            },
            (m) => {
              const entry = messages.get(m.msgId)
              if (entry !== undefined) {
                entry.seqs.push(m.seq)
                return
              }
              // The order of a message without a loaded row is read from its payload (rows carry their own).
              const payloadOrder = loaded.has(m.msgId)
                ? null
                : orderOf(m.payload(), { "Logimesh-Entity-Type": m.header("Logimesh-Entity-Type"), "Logimesh-Entity-Key": m.header("Logimesh-Entity-Key") })
              messages.set(m.msgId, { seqs: [m.seq], subject: m.subject, timestampMs: m.timestampMs, payloadOrder })
            }
          )
        )
        const observed = {
          region,
          otherRegions,
          now,
          since: params.since,
          until: params.until,
          order: params.order ?? null,
          graceMs,
          maxMessages,
          skewMs: settings.skewMs,
          maxRows: settings.maxRows,
          maxListed: settings.maxListed,
          prunedBeforeMs,
          outbox,
          hub: {
            stream: systemsStream,
            endSeq: info.state.last_seq,
            maxAgeMs: nanosToMs(info.config.max_age),
            duplicateWindowMs: nanosToMs(info.config.duplicate_window),
            firstStoredMs: info.state.messages > 0 && info.state.first_ts !== undefined ? Date.parse(info.state.first_ts) : null,
            startTime,
            messages,
            scan
          }
        }

        // 3. Outbox ids the stream holds but the window did not load: do their rows exist at all?
        const outboxIdsPresent = yield* engine.outboxIdsPresent(strangerOutboxIds(observed))

        // 4. WES messages at the hub (or missing there): are they in the site's own SITE_COMMANDS (when it exists)?
        const sites = new Map(
          yield* Effect.forEach(wesSitesToRead(observed), (site) => Effect.map(readSite(site, startTime, maxMessages), (o) => [site, o] as const), {
            concurrency: 4
          })
        )

        return { ...classify({ ...observed, outboxIdsPresent, sites }), systemsEndSeq: info.state.last_seq, duplicateWindowMs: observed.hub.duplicateWindowMs }
      })

    /** Re-checks gaps, one subject-filtered scan per subject: which ids are really absent (and covered). */
    const recheck = (gaps: ReadonlyArray<RowView>, endSeq: number, maxMessages: number) =>
      Effect.gen(function* () {
        const bySubject = new Map<string, Array<RowView>>()
        for (const gap of gaps) bySubject.set(gap.subject, [...(bySubject.get(gap.subject) ?? []), gap])
        const absent: Array<RowView> = []
        const present: Array<string> = []
        const uncovered: Array<string> = []
        yield* Effect.forEach(
          [...bySubject],
          ([subject, candidates]) =>
            Effect.gen(function* () {
              const from = Math.min(...candidates.map((c) => c.createdAt.getTime())) - settings.skewMs
              const to = Math.max(...candidates.map((c) => c.sentAt!.getTime())) + settings.skewMs
              const wanted = new Set(candidates.map((c) => c.msgId))
              const found = new Set<string>()
              const scan = yield* provide(
                scanStream(
                  {
                    domain: undefined,
                    stream: systemsStream,
                    startTime: new Date(from),
                    endSeq,
                    stopAfter: new Date(to),
                    filterSubject: subject,
                    maxMessages,
                    deadline: settings.scanDeadline
                  },
                  (m) => {
                    if (wanted.has(m.msgId)) found.add(m.msgId)
                  }
                )
              )
              const coveredUntil = scan.complete ? Number.POSITIVE_INFINITY : (scan.lastTimestampMs ?? Number.NEGATIVE_INFINITY) - settings.skewMs
              for (const candidate of candidates) {
                if (found.has(candidate.msgId)) present.push(candidate.id)
                else if (candidate.sentAt!.getTime() <= coveredUntil) absent.push(candidate)
                else uncovered.push(candidate.id)
              }
            }),
          { concurrency: 2, discard: true }
        )
        return { absent, present, uncovered }
      })

    const report = (params: ReconciliationParams) => Effect.map(analyse(params), (analysis) => analysis.report)

    const repair = (params: ReconciliationParams): Effect.Effect<RepairResult, DbError | BusError | WindowPruned> =>
      Effect.gen(function* () {
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
