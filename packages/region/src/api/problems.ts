/**
 * RFC 9457 problem+json responses of the `/v1` API. `errors` lists every
 * failing field as `{ path, message }` (a body path like `lines.0.quantity.unit`,
 * or `header X-Source-System`), so a caller can fix exactly what is wrong.
 * A 5xx body is generic (what is down, and the correlation id): the error
 * itself goes to the log under that id, never to the caller.
 */
import { Effect } from "effect"
import { HttpServerResponse, ProblemDetails } from "effect/http"
import { randomUUID } from "node:crypto"
import { redactText } from "@logimesh/logging"
import type { FieldIssue } from "./ReferenceChecks.ts"

export const problemResponse = (
  status: number,
  title: string,
  extra: { readonly detail?: string; readonly errors?: ReadonlyArray<FieldIssue>; readonly [key: string]: unknown } = {}
): HttpServerResponse.HttpServerResponse => ProblemDetails.toResponse({ type: ProblemDetails.blankType, status, title, ...extra })

/** The JSON body of a problem, for storing with an Idempotency-Key. */
export const problemBody = (status: number, title: string, extra: Readonly<Record<string, unknown>> = {}) => ({
  type: ProblemDetails.blankType,
  status,
  title,
  ...extra
})

export const withCorrelation = (response: HttpServerResponse.HttpServerResponse, correlationId: string) =>
  HttpServerResponse.setHeader(response, "X-Correlation-Id", correlationId)

/**
 * A dependency that did not answer: 503 naming which one, with the correlation id (the request's, or a fresh
 * one) and nothing of the error; the error is logged under that id, credentials and URLs redacted.
 */
export const unavailable = (error: { readonly _tag: string; readonly message: string }, correlationId: string = randomUUID()) => {
  const title = error._tag === "BusError" ? "NATS unavailable" : "database unavailable"
  return Effect.logError(`${title}: ${redactText(error.message)}`).pipe(
    Effect.annotateLogs({ correlationId }),
    Effect.as(
      withCorrelation(problemResponse(503, title, { detail: "the region's log has the cause under this correlation id", correlationId }), correlationId)
    )
  )
}
