/**
 * Query endpoints of the `/v1` API:
 *   GET /v1/orders/:order            the order's state (status, lines, picks, shipment, returns)
 *   GET /v1/orders/:order/timeline   everything that happened to it, in commit order (incl. refused requests)
 *   GET /v1/shipments/:shipment      the shipment's state (carrier, cartons, milestones, delivery)
 *   GET /v1/tasks/:task              a pick task's state
 *   GET /v1/inventory/:site/:item    available to promise at a site (synchronous check)
 *   GET /v1/openapi.json             the OpenAPI 3.1 document of the whole API
 *   GET /v1/system-messages.json     JSON Schema of every message logimesh sends to outside systems
 * Each reads the principal `AuthMiddleware` authenticated; one confined to a site gets, for another site's
 * object, the same 404 as for an object that does not exist (`auth/ObjectAccess.ts`, `mayQuery`).
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { DbError } from "@logimesh/db"
import { inventoryModule } from "@logimesh/inventory"
import { mayQuery } from "../auth/ObjectAccess.ts"
import { CurrentPrincipal } from "../auth/Principal.ts"
import { systemMessageJsonSchemas } from "../flows/systemMessageCatalog.ts"
import { inventoryAvailability } from "../modules/moduleCatalog.ts"
import { EntityQueries } from "./EntityQueries.ts"
import { openApiDocument } from "./OpenApiDocument.ts"
import { problemResponse, unavailable } from "./problems.ts"
import { correlationIdOf } from "./RequestBounds.ts"

/** A read that failed (Postgres down, or over the read pool's statement timeout): a generic 503, the cause logged. */
const failedRead = (error: DbError) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    return yield* unavailable(error, correlationIdOf(request))
  })

const param = (name: string) => Effect.map(HttpRouter.params, (params) => params[name] ?? "")

/** Whether the current principal may read the object of the route at `path` (see `ObjectAccess.querySiteRules`). */
const visible = (path: string) =>
  Effect.gen(function* () {
    const principal = yield* CurrentPrincipal
    const params = yield* HttpRouter.params
    return yield* mayQuery(principal, path, params)
  })

export const QueryRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const queries = yield* EntityQueries
    const document = openApiDocument()

    const snapshotRoute = (path: string, entity: string, paramName: string, what: string) =>
      router.add(
        "GET",
        path as HttpRouter.PathInput,
        Effect.gen(function* () {
          const key = yield* param(paramName)
          const found = (yield* visible(path)) ? yield* queries.snapshot(entity, key) : undefined
          return found === undefined
            ? problemResponse(404, `no ${what} "${key}"`)
            : HttpServerResponse.jsonUnsafe({ [paramName]: key, version: found.version, updatedAt: found.updatedAt, ...(found.state as object) })
        }).pipe(Effect.catchTag("DbError", failedRead))
      )

    yield* snapshotRoute("/v1/orders/:order", "order", "order", "order")
    yield* snapshotRoute("/v1/shipments/:shipment", "shipment", "shipment", "shipment")
    yield* snapshotRoute("/v1/tasks/:task", "task", "task", "pick task")

    yield* router.add(
      "GET",
      "/v1/orders/:order/timeline",
      Effect.gen(function* () {
        const order = yield* param("order")
        const timeline = (yield* visible("/v1/orders/:order/timeline")) ? yield* queries.orderTimeline(order) : []
        return timeline.length === 0 ? problemResponse(404, `no order "${order}"`) : HttpServerResponse.jsonUnsafe({ order, timeline })
      }).pipe(Effect.catchTag("DbError", failedRead))
    )

    yield* router.add(
      "GET",
      "/v1/inventory/:site/:item",
      Effect.gen(function* () {
        const site = yield* param("site")
        const item = yield* param("item")
        const found = (yield* visible("/v1/inventory/:site/:item"))
          ? yield* queries.snapshot("inventory", inventoryModule.ids.inventoryKey(site, item))
          : undefined
        if (found === undefined) return problemResponse(404, `no stock book for item "${item}" at site "${site}"`)
        return HttpServerResponse.jsonUnsafe({ site, item, ...inventoryAvailability(found.state) })
      }).pipe(Effect.catchTag("DbError", failedRead))
    )

    yield* router.add("GET", "/v1/openapi.json", Effect.succeed(HttpServerResponse.jsonUnsafe(document)))
    const systemMessages = systemMessageJsonSchemas()
    yield* router.add("GET", "/v1/system-messages.json", Effect.succeed(HttpServerResponse.jsonUnsafe(systemMessages)))
  })
)
