/**
 * `GET /v1/governance/ownership-rejections?limit=N`: the latest changes
 * refused because the sender does not own the object or transition, newest
 * first. Who calls it: operators and the dashboard.
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { OwnershipGuard } from "@logimesh/governance"
import { unavailable } from "./api/problems.ts"

const limitOf = (url: string): number => {
  const raw = new URL(url, "http://region").searchParams.get("limit")
  const limit = raw === null ? 50 : Number(raw)
  return Number.isInteger(limit) && limit > 0 ? Math.min(limit, 500) : 50
}

export const GovernanceRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const guard = yield* OwnershipGuard
    yield* router.add(
      "GET",
      "/v1/governance/ownership-rejections",
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const rows = yield* guard.recentRejections(limitOf(request.url))
        return HttpServerResponse.jsonUnsafe({ rejections: rows })
      }).pipe(Effect.catchTag("DbError", (error) => unavailable(error)))
    )
  })
)
