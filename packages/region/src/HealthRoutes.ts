/**
 * `/healthz` (liveness: the process answers) and `/readyz` (readiness: NATS
 * and Postgres reachable; 503 with the failing checks otherwise).
 * Who calls them: the topology runner, orchestrators, operators.
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { Readiness } from "./Readiness.ts"
import { SiteDirectory } from "./sites/SiteDirectory.ts"

export const HealthRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const readiness = yield* Readiness
    const directory = yield* SiteDirectory
    const startedAt = Date.now()
    // The sites served now: a reload (a site added or disabled) shows here at once.
    const identity = () => ({ region: directory.current().region.id, sites: directory.current().sites.map((site) => site.id) })

    yield* router.add(
      "GET",
      "/healthz",
      Effect.sync(() => HttpServerResponse.jsonUnsafe({ status: "ok", ...identity(), uptimeS: Math.round((Date.now() - startedAt) / 1000) }))
    )
    yield* router.add(
      "GET",
      "/readyz",
      readiness.check.pipe(
        Effect.map((report) =>
          HttpServerResponse.jsonUnsafe(
            { status: report.ready ? "ready" : "not_ready", ...identity(), checks: report.checks },
            { status: report.ready ? 200 : 503 }
          )
        )
      )
    )
  })
)
