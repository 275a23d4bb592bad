/**
 * `GET /v1/backlog` (JSON) and `GET /metrics` (Prometheus text): per durable
 * consumer of the region its backlog, drain rate and catch-up ETA, the
 * totals, and the dependency gate (open, or since when it is closed). Both
 * answer from memory (`Backlog` reads NATS in the background), so they
 * answer at once even with NATS or Postgres down. Who calls them: operators,
 * dashboards, a Prometheus scraper, the admission control of the command API.
 */
import { Effect, Option } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { RegionContext } from "../RegionContext.ts"
import { Backlog, type BacklogReport } from "./Backlog.ts"
import type { DependencyState } from "./DependencyMonitor.ts"
import { SiteLagMonitor } from "../reconciliation/SiteLagMonitor.ts"

const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

const dependencyJson = (d: DependencyState) => ({ up: d.up, since: iso(d.since), detail: d.detail })

export const backlogJson = (region: string, report: BacklogReport, now = Date.now()) => {
  const deps = report.dependencies
  return {
    region,
    gate: {
      open: deps.gateOpen,
      outage_started_at: iso(deps.outageStartedAt),
      outage_s: deps.outageStartedAt === null ? null : round((now - deps.outageStartedAt) / 1_000, 1)
    },
    dependencies: { postgres: dependencyJson(deps.postgres), nats: dependencyJson(deps.nats) },
    window_s: report.windowS,
    consumers: report.consumers.map((c) => ({
      stream: c.stream,
      consumer: c.consumer,
      backlog: c.backlog,
      pending: c.pending,
      ack_pending: c.ackPending,
      delivered: { consumer_seq: c.deliveredConsumerSeq, stream_seq: c.deliveredStreamSeq },
      ack_floor: { consumer_seq: c.ackFloorConsumerSeq, stream_seq: c.ackFloorStreamSeq },
      rate_per_s: round(c.ratePerS),
      eta_s: c.etaS === null ? null : round(c.etaS, 1),
      read_at: iso(c.readAt),
      error: c.error
    })),
    totals: {
      backlog: report.totals.backlog,
      rate_per_s: round(report.totals.ratePerS),
      eta_s: report.totals.etaS === null ? null : round(report.totals.etaS, 1)
    }
  }
}

const label = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
const number = (n: number | null): string => (n === null ? "+Inf" : Number.isFinite(n) ? String(round(n)) : "+Inf")

/** Prometheus text exposition (0.0.4) of the report. */
export const backlogMetrics = (report: BacklogReport, now = Date.now()): string => {
  const lines: Array<string> = []
  const gauge = (name: string, help: string, samples: ReadonlyArray<readonly [string, string]>) => {
    if (samples.length === 0) return
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`)
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`)
  }
  const read = report.consumers.filter((c) => c.backlog !== null)
  const labelsOf = (c: { readonly stream: string; readonly consumer: string }) => `{stream="${label(c.stream)}",consumer="${label(c.consumer)}"}`
  gauge(
    "logimesh_backlog_messages",
    "Messages a durable consumer has still to settle (num_pending + num_ack_pending) at the last read.",
    read.map((c) => [labelsOf(c), String(c.backlog)])
  )
  gauge(
    "logimesh_drain_rate_per_second",
    "Deliveries the consumer settled per second over the sliding window.",
    read.map((c) => [labelsOf(c), number(c.ratePerS)])
  )
  gauge(
    "logimesh_catchup_eta_seconds",
    "Seconds until the backlog is empty at the current drain rate (+Inf while it does not drain).",
    read.map((c) => [labelsOf(c), number(c.etaS)])
  )
  const deps = report.dependencies
  gauge("logimesh_dependency_up", "1 while the dependency answers its probe, else 0.", [
    ['{dependency="postgres"}', deps.postgres.up ? "1" : "0"],
    ['{dependency="nats"}', deps.nats.up ? "1" : "0"]
  ])
  gauge("logimesh_dependency_gate_open", "1 while the module consumers may pull (Postgres answers), else 0.", [["", deps.gateOpen ? "1" : "0"]])
  gauge("logimesh_dependency_outage_seconds", "Seconds since the dependency gate closed; 0 while it is open.", [
    ["", deps.outageStartedAt === null ? "0" : number((now - deps.outageStartedAt) / 1_000)]
  ])
  return `${lines.join("\n")}\n`
}

export const BacklogRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const backlog = yield* Backlog
    const context = yield* RegionContext
    // Per-site source lag lines (logimesh_site_source_*), when the region runs the monitor.
    const siteLag = Option.match(yield* Effect.serviceOption(SiteLagMonitor), { onNone: () => Effect.succeed(""), onSome: (m) => m.prometheus })
    yield* router.add(
      "GET",
      "/v1/backlog",
      Effect.map(backlog.report, (report) => HttpServerResponse.jsonUnsafe(backlogJson(context.region.id, report)))
    )
    yield* router.add(
      "GET",
      "/metrics",
      Effect.map(Effect.all([backlog.report, siteLag]), ([report, sites]) =>
        HttpServerResponse.text(backlogMetrics(report) + sites, { contentType: "text/plain; version=0.0.4; charset=utf-8" })
      )
    )
  })
)
