/**
 * Serves every command route of the `/v1` API (`commandTable.ts`) over HTTP:
 * the caller is the authenticated principal (`auth/AuthMiddleware.ts`, in
 * front of every route); an `X-Source-System` header is not needed, and one
 * that names another system than the principal's is refused (403, nothing
 * applied): a header never makes a caller act as another system. Then
 * admission (503 + `Retry-After` while Postgres is down or a large backlog
 * drains, `degraded/Admission.ts`), the principal's rate limit (429 + `Retry-After`,
 * `RateLimits.ts`), the request's bounds (`RequestBounds.ts`: header formats
 * 400, body size 413, content type 415; a path that does not decode is
 * answered 400 before routing), then `executeCommand` (`CommandPipeline.ts`:
 * JSON, references, schema, ownership, Idempotency-Key, the actor) and its
 * answer as the response (problem+json for 4xx/5xx, `X-Correlation-Id`
 * echoed). A dependency failing answers a generic 503 with the correlation
 * id; the error goes to the log.
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { CommandRoute } from "@logimesh/modulespec"
import { CurrentPrincipal } from "../auth/Principal.ts"
import { Admission } from "../degraded/Admission.ts"
import { executeCommand } from "./CommandPipeline.ts"
import { commandTable } from "./commandTable.ts"
import { problemResponse, unavailable, withCorrelation } from "./problems.ts"
import { RateLimits } from "./RateLimits.ts"
import { checkCommandHeaders, correlationIdOf, isRefusal, readBoundedBody, refusalResponse } from "./RequestBounds.ts"
import { RegionContext } from "../RegionContext.ts"

const respond = (status: number, body: unknown) =>
  status >= 400 ? HttpServerResponse.jsonUnsafe(body, { status, contentType: "application/problem+json" }) : HttpServerResponse.jsonUnsafe(body, { status })

const handle = (route: CommandRoute, maxBodyBytes: number) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const correlationId = correlationIdOf(request)
    return yield* pipeline(route, maxBodyBytes).pipe(
      Effect.catchTags({ DbError: (e) => unavailable(e, correlationId), BusError: (e) => unavailable(e, correlationId) })
    )
  })

const pipeline = (route: CommandRoute, maxBodyBytes: number) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const params = yield* HttpRouter.params
    const headers = request.headers
    const principal = yield* CurrentPrincipal
    const claimed = headers["x-source-system"]
    if (claimed !== undefined && claimed !== principal.system) {
      yield* Effect.logWarning("request refused: X-Source-System differs from the credentials").pipe(
        Effect.annotateLogs({ principal: principal.id, system: principal.system, claimed: claimed.slice(0, 40), path: route.path })
      )
      return problemResponse(403, "forbidden", {
        detail: "X-Source-System does not match the authenticated principal",
        errors: [{ path: "header X-Source-System", message: "must be omitted or equal the credentials' system" }]
      })
    }
    const refusal = yield* (yield* Admission).check
    if (refusal !== undefined) {
      return HttpServerResponse.setHeader(
        problemResponse(503, refusal.title, { detail: refusal.detail, retryAfterS: refusal.retryAfterS }),
        "Retry-After",
        String(refusal.retryAfterS)
      )
    }
    const principalId = principal.id
    const limited = yield* (yield* RateLimits).take(principalId)
    if (limited._tag === "Limited") {
      return HttpServerResponse.setHeader(
        problemResponse(429, "too many requests", {
          detail: `${principalId} sent more commands than its rate limit allows; retry after ${limited.retryAfterS} s`,
          retryAfterS: limited.retryAfterS
        }),
        "Retry-After",
        String(limited.retryAfterS)
      )
    }
    const idempotencyKey = headers["idempotency-key"]
    const correlationId = headers["x-correlation-id"]
    const badHeader = checkCommandHeaders({ idempotencyKey, correlationId })
    if (badHeader !== undefined) return refusalResponse(badHeader)
    const body = yield* readBoundedBody(request, maxBodyBytes)
    if (isRefusal(body)) return refusalResponse(body)
    const answer = yield* executeCommand(route, {
      principal,
      target: `${request.method} ${request.url}`,
      params,
      bodyText: body,
      idempotencyKey,
      correlationId
    })
    const response = respond(answer.status, answer.body)
    return answer.correlationId === undefined ? response : withCorrelation(response, answer.correlationId)
  })

export const CommandRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const { maxBodyBytes } = (yield* RegionContext).mesh.settings.api
    for (const route of commandTable) yield* router.add(route.method, route.path as HttpRouter.PathInput, handle(route, maxBodyBytes))
  })
)
