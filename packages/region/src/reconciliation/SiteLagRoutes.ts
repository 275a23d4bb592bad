/**
 * `GET /v1/sites/lag[?fresh=1]`: the per-site source lag of the region
 * (`SiteLagMonitor`): the latest background sample, or a new one with
 * `fresh=1`. Who calls it: operators, dashboards, drills. The Prometheus form
 * of the same sample is `SiteLagMonitor.prometheus` (for `/metrics`).
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { SiteLagMonitor } from "./SiteLagMonitor.ts"

export const SiteLagRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const monitor = yield* SiteLagMonitor
    yield* router.add(
      "GET",
      "/v1/sites/lag",
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const fresh = new URL(request.url, "http://region").searchParams.get("fresh")
        const snapshot = fresh === "1" || fresh === "true" ? yield* monitor.sampleNow : yield* monitor.latest
        return HttpServerResponse.jsonUnsafe(snapshot)
      })
    )
  })
)
