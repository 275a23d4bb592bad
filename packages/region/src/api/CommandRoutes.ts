/**
 * Serves every command route of the `/v1` API (`commandTable.ts`) over HTTP:
 * the caller is the authenticated principal (`auth/AuthMiddleware.ts`, in
 * front of every route); an `X-Source-System` header is not needed, and one
 * that names another system than the principal's is refused (403, nothing
 * applied): a header never makes a caller act as another system. Then
 * admission (503 + `Retry-After` while Postgres is down or a large backlog
 * drains, `degraded/Admission.ts`), then
 * `executeCommand` (`CommandPipeline.ts`: JSON, references, schema,
 * ownership, Idempotency-Key, the actor) and its answer as the response
 * (problem+json for 4xx/5xx, `X-Correlation-Id` echoed).
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { CommandRoute } from "@logimesh/modulespec"
import { CurrentPrincipal } from "../auth/Principal.ts"
import { Admission } from "../degraded/Admission.ts"
import { executeCommand } from "./CommandPipeline.ts"
import { commandTable } from "./commandTable.ts"
import { problemResponse, unavailable, withCorrelation } from "./problems.ts"

const respond = (status: number, body: unknown) =>
  status >= 400 ? HttpServerResponse.jsonUnsafe(body, { status, contentType: "application/problem+json" }) : HttpServerResponse.jsonUnsafe(body, { status })

const handle = (route: CommandRoute) =>
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
    const answer = yield* executeCommand(route, {
      principal,
      target: `${request.method} ${request.url}`,
      params,
      bodyText: yield* request.text.pipe(Effect.orElseSucceed(() => "")),
      idempotencyKey: headers["idempotency-key"],
      correlationId: headers["x-correlation-id"]
    })
    const response = respond(answer.status, answer.body)
    return answer.correlationId === undefined ? response : withCorrelation(response, answer.correlationId)
  }).pipe(Effect.catchTags({ DbError: (e) => Effect.succeed(unavailable(e)), BusError: (e) => Effect.succeed(unavailable(e)) }))

export const CommandRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    for (const route of commandTable) yield* router.add(route.method, route.path as HttpRouter.PathInput, handle(route))
  })
)
