/**
 * Operator API over parked messages (`engine_parked`). Who calls it:
 * operators, through `node scripts/parked.ts` or any HTTP client.
 *
 *   GET  /v1/parked[?status=parked|replayed&limit=n]  list
 *   GET  /v1/parked/:id                               one, with payload and headers
 *   POST /v1/parked/:id/replay                        replay once (optional body: the corrected JSON payload), `ParkedReplay.ts`:
 *                                                     a command from an outside system runs through the command pipeline
 *                                                     200 replayed (with the pipeline's answer), 422 refused by the pipeline
 *                                                     (the row stays parked) or a correction for a message no pipeline
 *                                                     checks, 409 already replayed, 404 unknown
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse, ProblemDetails } from "effect/http"
import { ParkedMessages } from "@logimesh/engine"
import { unavailable } from "./api/problems.ts"
import { isRefusal, readBoundedBody, refusalResponse } from "./api/RequestBounds.ts"
import { RegionContext } from "./RegionContext.ts"
import { ParkedReplay } from "./ParkedReplay.ts"

const idParam = Effect.map(HttpRouter.params, (params) => {
  const id = Number(params["id"])
  return Number.isSafeInteger(id) && id > 0 ? id : undefined
})

const problem = (status: number, title: string, extra: Readonly<Record<string, unknown>> = {}) =>
  ProblemDetails.toResponse({ type: ProblemDetails.blankType, status, title, ...extra })

/** A dependency that did not answer: 503 naming which one (the database, or NATS for a replay's publish); the cause is logged, not sent. */
const failed = (error: { readonly _tag: string; readonly message: string }) => unavailable(error)

export const ParkedRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const parked = yield* ParkedMessages
    const replays = yield* ParkedReplay
    const maxBodyBytes = (yield* RegionContext).mesh.settings.api.maxBodyBytes

    yield* router.add(
      "GET",
      "/v1/parked",
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const url = new URL(request.url, "http://localhost")
        const status = url.searchParams.get("status")
        const limit = Number(url.searchParams.get("limit") ?? "100")
        const entries = yield* parked.list({
          ...(status === "parked" || status === "replayed" ? { status } : {}),
          limit: Number.isSafeInteger(limit) && limit > 0 ? Math.min(limit, 500) : 100
        })
        return HttpServerResponse.jsonUnsafe({ parked: entries })
      }).pipe(Effect.catch(failed))
    )

    yield* router.add(
      "GET",
      "/v1/parked/:id",
      Effect.gen(function* () {
        const id = yield* idParam
        const entry = id === undefined ? undefined : yield* parked.get(id)
        return entry === undefined ? problem(404, "no parked message with this id") : HttpServerResponse.jsonUnsafe(entry)
      }).pipe(Effect.catch(failed))
    )

    yield* router.add(
      "POST",
      "/v1/parked/:id/replay",
      Effect.gen(function* () {
        const id = yield* idParam
        if (id === undefined) return problem(404, "no parked message with this id")
        const request = yield* HttpServerRequest.HttpServerRequest
        const body = yield* readBoundedBody(request, maxBodyBytes)
        if (isRefusal(body)) return refusalResponse(body)
        if (body.trim() !== "") {
          const valid = yield* Effect.try({ try: () => JSON.parse(body) as unknown, catch: () => "invalid" as const }).pipe(
            Effect.orElseSucceed(() => "invalid" as const)
          )
          if (valid === "invalid") return problem(400, "the corrected payload must be JSON")
        }
        const result = yield* replays.replay(id, body.trim() === "" ? undefined : body)
        switch (result._tag) {
          case "NotFound":
            return problem(404, "no parked message with this id")
          case "AlreadyReplayed":
            return problem(409, "already replayed", { detail: "a parked message is replayed at most once", msgId: result.msgId })
          case "CorrectionRefused":
            return problem(422, "a corrected body is not accepted for this message", { detail: result.detail })
          case "Refused":
            return problem(422, "the replayed command was refused; the message stays parked", {
              outcome: { status: result.outcome.status, body: result.outcome.body }
            })
          case "Republished":
            return HttpServerResponse.jsonUnsafe({ status: "replayed", msgId: result.msgId })
          case "Applied":
            return HttpServerResponse.jsonUnsafe({
              status: "replayed",
              msgId: result.msgId,
              outcome: { status: result.outcome.status, body: result.outcome.body }
            })
        }
      }).pipe(Effect.catch(failed))
    )
  })
)
