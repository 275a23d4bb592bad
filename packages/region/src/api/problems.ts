/**
 * RFC 9457 problem+json responses of the `/v1` API. `errors` lists every
 * failing field as `{ path, message }` (a body path like `lines.0.quantity.unit`,
 * or `header X-Source-System`), so a caller can fix exactly what is wrong.
 */
import { HttpServerResponse, ProblemDetails } from "effect/http"
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

/** A dependency that did not answer: 503 naming it. */
export const unavailable = (error: { readonly _tag: string; readonly message: string }) =>
  problemResponse(503, error._tag === "BusError" ? "NATS unavailable" : "database unavailable", { detail: error.message })
