/**
 * Serves every command route of the `/v1` API (`commandTable.ts`) over HTTP:
 * admission (503 + `Retry-After` while Postgres is down or a large backlog
 * drains, `degraded/Admission.ts`), the caller from `X-Source-System` (400
 * if missing or unknown), then
 * `executeCommand` (`CommandPipeline.ts`: JSON, references, schema,
 * ownership, Idempotency-Key, the actor) and its answer as the response
 * (problem+json for 4xx/5xx, `X-Correlation-Id` echoed).
 */
import { Effect, Result, Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { SourceSystem } from "@logimesh/model"
import type { CommandRoute } from "@logimesh/modulespec"
import { Admission } from "../degraded/Admission.ts"
import { executeCommand } from "./CommandPipeline.ts"
import { commandTable } from "./commandTable.ts"
import { problemResponse, unavailable, withCorrelation } from "./problems.ts"

const decodeSource = Schema.decodeUnknownResult(SourceSystem)

const respond = (status: number, body: unknown) =>
  status >= 400 ? HttpServerResponse.jsonUnsafe(body, { status, contentType: "application/problem+json" }) : HttpServerResponse.jsonUnsafe(body, { status })

const handle = (route: CommandRoute) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const params = yield* HttpRouter.params
    const headers = request.headers
    const refusal = yield* (yield* Admission).check
    if (refusal !== undefined) {
      return HttpServerResponse.setHeader(
        problemResponse(503, refusal.title, { detail: refusal.detail, retryAfterS: refusal.retryAfterS }),
        "Retry-After",
        String(refusal.retryAfterS)
      )
    }
    const source = decodeSource(headers["x-source-system"])
    if (Result.isFailure(source)) {
      return problemResponse(400, "unknown caller", {
        errors: [{ path: "header X-Source-System", message: `must be one of ${SourceSystem.literals.join(", ")}` }]
      })
    }
    const answer = yield* executeCommand(route, {
      sender: source.success,
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
