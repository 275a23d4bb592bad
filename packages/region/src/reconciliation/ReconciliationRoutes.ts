/**
 * Operator API of reconciliation (who calls it: operators through
 * `npm run reconcile`, monitoring jobs):
 *
 *   GET  /v1/reconciliation?since=&until=&order=&grace_s=&max_messages=          the report
 *   POST /v1/reconciliation/repair?since=&until=&order=&grace_s=&max_messages=   clears sent_at on the
 *        verified gaps (the relay re-publishes them) and answers what it queued and what it deferred
 *
 * `since` / `until`: ISO-8601 instants (default: the last 24 h). 400 (problem+json naming the
 * parameter) for a bad value, 422 naming `since` for a window older than the outbox retention
 * (its sent rows may have been pruned), 503 when Postgres or NATS does not answer.
 */
import { Effect } from "effect"
import { unavailable } from "../api/problems.ts"
import { HttpRouter, HttpServerRequest, HttpServerResponse, ProblemDetails } from "effect/http"
import { Reconciliation } from "./Reconciliation.ts"
import type { ReconciliationParams, WindowPruned } from "./ReconciliationReport.ts"
import { definedFields } from "@logimesh/model"

const DAY_MS = 24 * 60 * 60 * 1000

interface ParamIssue {
  readonly path: string
  readonly message: string
}

/** Query parameters -> params, or every issue found. */
export const reconciliationParams = (
  search: URLSearchParams,
  now: Date = new Date()
): { readonly params: ReconciliationParams } | { readonly issues: ReadonlyArray<ParamIssue> } => {
  const issues: Array<ParamIssue> = []
  const instant = (name: string, fallback: Date): Date => {
    const raw = search.get(name)
    if (raw === null || raw === "") return fallback
    const ms = Date.parse(raw)
    if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(ms)) {
      issues.push({ path: name, message: "must be an ISO-8601 instant, e.g. 2026-12-01T08:00:00Z" })
      return fallback
    }
    return new Date(ms)
  }
  const positive = (name: string, max: number): number | undefined => {
    const raw = search.get(name)
    if (raw === null || raw === "") return undefined
    const value = Number(raw)
    if (!Number.isSafeInteger(value) || value < 0 || value > max) {
      issues.push({ path: name, message: `must be an integer from 0 to ${max}` })
      return undefined
    }
    return value
  }
  const until = instant("until", now)
  const since = instant("since", new Date(until.getTime() - DAY_MS))
  if (since.getTime() >= until.getTime()) issues.push({ path: "since", message: "must be before until" })
  const order = search.get("order") ?? undefined
  if (order !== undefined && (order === "" || order.length > 200)) issues.push({ path: "order", message: "must be 1-200 characters" })
  const graceS = positive("grace_s", 7 * 24 * 3600)
  const maxMessages = positive("max_messages", 250_000)
  if (maxMessages === 0) issues.push({ path: "max_messages", message: "must be at least 1" })
  if (issues.length > 0) return { issues }
  return {
    params: {
      since,
      until,
      ...definedFields({ order }),
      ...(graceS === undefined ? {} : { graceMs: graceS * 1000 }),
      ...definedFields({ maxMessages })
    }
  }
}

const problem = (status: number, title: string, extra: Readonly<Record<string, unknown>> = {}) =>
  ProblemDetails.toResponse({ type: ProblemDetails.blankType, status, title, ...extra })

export const ReconciliationRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const reconciliation = yield* Reconciliation

    const withParams = <A>(
      run: (params: ReconciliationParams) => Effect.Effect<A, WindowPruned | { readonly _tag: "DbError" | "BusError"; readonly message: string }>
    ) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const parsed = reconciliationParams(new URL(request.url, "http://region").searchParams)
        if ("issues" in parsed) return problem(400, "invalid reconciliation parameters", { errors: parsed.issues })
        return HttpServerResponse.jsonUnsafe(yield* run(parsed.params))
      }).pipe(
        Effect.catchTag("WindowPruned", (pruned) =>
          Effect.succeed(
            problem(422, "window older than the outbox retention", {
              errors: [{ path: "since", message: pruned.message }],
              pruned_before: pruned.prunedBefore
            })
          )
        ),
        Effect.catch(unavailable)
      )

    yield* router.add("GET", "/v1/reconciliation", withParams(reconciliation.report))
    yield* router.add("POST", "/v1/reconciliation/repair", withParams(reconciliation.repair))
  })
)
