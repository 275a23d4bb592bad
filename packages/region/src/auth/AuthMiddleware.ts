/**
 * The one authentication check of the HTTP API, a global middleware in front
 * of every route: the request's access (`RouteAccess.ts`), then for a
 * non-public route its principal (`Authenticator`): none -> 401 with
 * `WWW-Authenticate` and a generic body; an admin route and no admin -> 403.
 * The route's handler reads the principal as `CurrentPrincipal` (the command
 * routes count it against its rate limit). A command (POST) while
 * the region admits none (Postgres down, a large backlog: `Admission`) is
 * answered 503 + `Retry-After` before the key lookup, which would wait on the
 * database it needs; it carries nothing about any object (`/readyz`, public,
 * says as much).
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { problemResponse, unavailable } from "../api/problems.ts"
import { canonicalPath, checkPath, isRefusal, refusalResponse } from "../api/RequestBounds.ts"
import { Admission } from "../degraded/Admission.ts"
import { Authenticator } from "./Authenticator.ts"
import { CurrentPrincipal, type Principal } from "./Principal.ts"
import { accessOf } from "./RouteAccess.ts"

/** A principal for the public routes, which read none: never admin, no system that may send. */
const anonymous: Principal = { id: "anonymous", system: "LOGIMESH", admin: false }

/** 401: the same body whatever failed (the log line says what); the challenge names the scheme (an API key or a JWT, both bearer). */
export const unauthorizedResponse = () =>
  HttpServerResponse.setHeader(
    problemResponse(401, "unauthenticated", { detail: "valid credentials are required" }),
    "WWW-Authenticate",
    'Bearer realm="logimesh"'
  )

export const forbiddenResponse = () => problemResponse(403, "forbidden", { detail: "this route needs an operator (admin) principal" })

export const AuthMiddleware = HttpRouter.middleware<{ provides: CurrentPrincipal }>()(
  Effect.gen(function* () {
    const authenticator = yield* Authenticator
    const admission = yield* Admission
    return (httpEffect) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        // Access is decided on the path the router will match: a path the two would read apart (`;`, dot segments)
        // is refused, as is one that does not decode (the router would take it for no route, 404).
        const pathname = canonicalPath(request.url)
        if (isRefusal(pathname)) return refusalResponse(pathname)
        const malformed = checkPath(pathname)
        if (malformed !== undefined) return refusalResponse(malformed)
        const access = accessOf(request.method, pathname)
        if (access === "public") return yield* Effect.provideService(httpEffect, CurrentPrincipal, anonymous)
        if (request.method === "POST" && access === "principal") {
          const refusal = yield* admission.check
          if (refusal !== undefined) {
            return HttpServerResponse.setHeader(
              problemResponse(503, refusal.title, { detail: refusal.detail, retryAfterS: refusal.retryAfterS }),
              "Retry-After",
              String(refusal.retryAfterS)
            )
          }
        }
        const principal = yield* authenticator.authenticate(request.headers).pipe(
          Effect.tapError((error) =>
            error._tag === "Unauthenticated"
              ? Effect.logInfo("request refused: unauthenticated").pipe(
                  Effect.annotateLogs({ reason: error.reason, detail: error.detail, method: request.method, path: pathname })
                )
              : Effect.void
          ),
          Effect.result
        )
        if (principal._tag === "Failure") {
          return principal.failure._tag === "Unauthenticated" ? unauthorizedResponse() : yield* unavailable(principal.failure)
        }
        if (access === "admin" && !principal.success.admin) {
          yield* Effect.logInfo("request refused: not an admin").pipe(
            Effect.annotateLogs({ principal: principal.success.id, method: request.method, path: pathname })
          )
          return forbiddenResponse()
        }
        return yield* Effect.provideService(httpEffect, CurrentPrincipal, principal.success)
      })
  }),
  { global: true }
)
