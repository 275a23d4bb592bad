/**
 * Who may call each HTTP route of the region, as data: `public` (no
 * credentials: liveness, readiness, the OpenAPI document), `principal` (any
 * authenticated caller; what it may see or change is then decided per object,
 * `ObjectAccess.ts`) or `admin` (operators: parked messages, site reload and
 * lag, reconciliation, backlog and metrics, governance audit). `AuthMiddleware`
 * enforces it for every request; a path in no row needs `admin` (so a spelling
 * the router may still resolve, a trailing slash or an escaped letter, never
 * opens an operator route to a non-admin).
 * The security tests iterate this table.
 */
import { routeMatcher } from "../api/CommandPipeline.ts"
import { commandTable } from "../api/commandTable.ts"

export type Access = "public" | "principal" | "admin"

export interface RouteAccess {
  readonly method: "GET" | "POST"
  readonly path: string
  readonly access: Access
}

const strictness: Record<Access, number> = { public: 0, principal: 1, admin: 2 }

export const routeAccessTable: ReadonlyArray<RouteAccess> = [
  { method: "GET", path: "/healthz", access: "public" },
  { method: "GET", path: "/readyz", access: "public" },
  // The API's contract carries nothing about any object; kept open so a client can learn how to authenticate.
  { method: "GET", path: "/v1/openapi.json", access: "public" },
  { method: "GET", path: "/v1/system-messages.json", access: "principal" },
  { method: "GET", path: "/v1/orders/:order", access: "principal" },
  { method: "GET", path: "/v1/orders/:order/timeline", access: "principal" },
  { method: "GET", path: "/v1/shipments/:shipment", access: "principal" },
  { method: "GET", path: "/v1/tasks/:task", access: "principal" },
  { method: "GET", path: "/v1/inventory/:site/:item", access: "principal" },
  { method: "GET", path: "/v1/sites", access: "principal" },
  ...commandTable.map((route): RouteAccess => ({ method: "POST", path: route.path, access: "principal" })),
  { method: "POST", path: "/v1/sites/reload", access: "admin" },
  { method: "GET", path: "/v1/sites/lag", access: "admin" },
  { method: "GET", path: "/v1/parked", access: "admin" },
  { method: "GET", path: "/v1/parked/:id", access: "admin" },
  { method: "POST", path: "/v1/parked/:id/replay", access: "admin" },
  { method: "GET", path: "/v1/governance/ownership-rejections", access: "admin" },
  { method: "GET", path: "/v1/backlog", access: "admin" },
  { method: "GET", path: "/metrics", access: "admin" },
  { method: "GET", path: "/v1/reconciliation", access: "admin" },
  { method: "POST", path: "/v1/reconciliation/repair", access: "admin" }
]

const matchers = routeAccessTable.map((row) => ({ row, match: routeMatcher({ path: row.path }) }))

/**
 * The access a request needs: the strictest row its method and path match (any method for a path that matches
 * only under another method, so a HEAD or an unknown verb never opens an admin path); `admin` for no row.
 */
export const accessOf = (method: string, pathname: string): Access => {
  const rows = matchers.filter(({ match }) => match(pathname) !== undefined).map(({ row }) => row)
  const sameMethod = rows.filter((row) => row.method === method.toUpperCase())
  const candidates = sameMethod.length > 0 && method.toUpperCase() !== "HEAD" ? sameMethod : rows
  if (candidates.length === 0) return "admin"
  return candidates.reduce<Access>((strictest, row) => (strictness[row.access] > strictness[strictest] ? row.access : strictest), "public")
}
