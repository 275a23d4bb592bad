/**
 * `GET /v1/sites`: the sites this region serves now and which have a
 * running command gateway. `POST /v1/sites/reload`: read `sites/` again
 * (a site file added, or a site enabled/disabled) without a restart; 200
 * with the sites added and removed, or 422 naming the broken file and
 * fields (nothing changes then). Who calls it: `npm run topology -- add-site|disable-site`
 * and operators. The list shows a principal confined to a site only that site; the reload is an
 * admin route (`auth/RouteAccess.ts`).
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { problemResponse } from "../api/problems.ts"
import { CurrentPrincipal } from "../auth/Principal.ts"
import { SiteDirectory } from "./SiteDirectory.ts"
import { SiteGateways } from "./SiteGateways.ts"

export const SiteRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const directory = yield* SiteDirectory
    const gateways = yield* SiteGateways
    const describe = (onlySite?: string) => {
      const view = directory.current()
      const running = new Set(gateways.running())
      return {
        region: view.region.id,
        loadedAt: view.loadedAt,
        sites: view.sites
          .filter((site) => onlySite === undefined || site.id === onlySite)
          .map((site) => ({
            id: site.id,
            name: site.name,
            inventoryOwner: site.inventoryOwner,
            docks: [...(view.references.docksBySite.get(site.id) ?? [])].sort(),
            gateway: running.has(site.id) ? "running" : "starting"
          }))
      }
    }
    yield* router.add(
      "GET",
      "/v1/sites",
      CurrentPrincipal.useSync((principal) => HttpServerResponse.jsonUnsafe(describe(principal.site)))
    )
    yield* router.add(
      "POST",
      "/v1/sites/reload",
      directory.reload.pipe(
        Effect.map((change) => HttpServerResponse.jsonUnsafe({ ...change, ...describe() })),
        Effect.catchTag("ConfigFileError", (error) =>
          Effect.succeed(
            problemResponse(422, "sites not reloaded", {
              detail: error.message,
              errors: error.issues.map((issue) => ({ path: `${error.file}: ${issue.path}`, message: issue.message }))
            })
          )
        )
      )
    )
  })
)
