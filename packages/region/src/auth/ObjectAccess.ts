/**
 * Object-level authorization: which site each route's object belongs to, as
 * a table, and the check. A principal confined to a site (a WES) that asks
 * about, or commands, an object of another site — or one whose site cannot be
 * told — gets exactly the answer of an object that does not exist (404), so
 * it learns nothing about other sites. Region-wide principals (ERP, dispatch,
 * carriers, the portal, operators) pass.
 *
 * How a route's site is found:
 *   order          the ship-from site of the order named by a path parameter (its snapshot)
 *   shipment       the order of the shipment (`S-<order>`), then as `order`
 *   task           the order of the pick task (`<order>-L<line>`), then as `order`
 *   siteParam      a path parameter that is the site (inventory keys `<site>/<item>`)
 *   listFiltered   a list, narrowed to the principal's site by the route itself
 *   none           no object of any site (the message schemas)
 * A command is checked after it is decoded: `commandSite` = the site its body names (the ownership site:
 * an order's ship-from, a count's site), `order` = the ship-from of the order it belongs to, if that order
 * exists. Every site found must be the principal's, and at least one must be found.
 */
import { Effect } from "effect"
import type { DbError } from "@logimesh/db"
import { orderOfPickTask, orderOfShipment } from "@logimesh/model"
import type { DecodedCommand } from "@logimesh/modulespec"
import { EntityQueries } from "../api/EntityQueries.ts"
import { commandTable } from "../api/commandTable.ts"
import { mayTouchSite, type Principal } from "./Principal.ts"

export type QuerySiteRule =
  | { readonly kind: "order" | "shipment" | "task" | "siteParam"; readonly param: string }
  | { readonly kind: "listFiltered" }
  | { readonly kind: "none" }

/** Every `principal` GET route of `RouteAccess.ts` and how its object's site is found. */
export const querySiteRules: Readonly<Record<string, QuerySiteRule>> = {
  "/v1/orders/:order": { kind: "order", param: "order" },
  "/v1/orders/:order/timeline": { kind: "order", param: "order" },
  "/v1/shipments/:shipment": { kind: "shipment", param: "shipment" },
  "/v1/tasks/:task": { kind: "task", param: "task" },
  "/v1/inventory/:site/:item": { kind: "siteParam", param: "site" },
  "/v1/sites": { kind: "listFiltered" },
  "/v1/system-messages.json": { kind: "none" }
}

export type CommandSiteSource = "commandSite" | "order"

/** Every command route and where its sites come from (see the file header). */
export const commandSiteRules: Readonly<Record<string, ReadonlyArray<CommandSiteSource>>> = {
  "/v1/orders": ["commandSite", "order"],
  "/v1/orders/:order/release": ["order"],
  "/v1/orders/:order/change": ["order"],
  "/v1/orders/:order/cancel": ["order"],
  "/v1/returns/:rma/authorize": ["order"],
  "/v1/returns/:rma/receive": ["order"],
  "/v1/tasks/:task/confirm-pick": ["order"],
  "/v1/shipments/:shipment/cartons": ["order"],
  "/v1/shipments/:shipment/complete-packing": ["order"],
  "/v1/shipments/:shipment/tender": ["order"],
  "/v1/shipments/:shipment/tender-response": ["order"],
  "/v1/shipments/:shipment/revise": ["order"],
  "/v1/shipments/:shipment/confirm-load": ["order"],
  "/v1/shipments/:shipment/milestones": ["order"],
  "/v1/shipments/:shipment/pod": ["order"],
  "/v1/inventory/:site/:item/count": ["commandSite"]
}

/** Routes of the command table without a rule (a defect: checked by the module spec test and at boot). */
export const commandRoutesWithoutRule = (): ReadonlyArray<string> => commandTable.map((r) => r.path).filter((path) => commandSiteRules[path] === undefined)

/** The ship-from site of an order, undefined when it does not exist (or names none). */
export const siteOfOrder = (order: string): Effect.Effect<string | undefined, DbError, EntityQueries> =>
  EntityQueries.use((queries) => queries.orderSite(order))

const orderOfParam = (rule: QuerySiteRule & { readonly param: string }, value: string): string | undefined => {
  switch (rule.kind) {
    case "order":
      return value
    case "shipment":
      return orderOfShipment(value)
    case "task":
      return orderOfPickTask(value)
    case "siteParam":
      return undefined
  }
}

/** Whether the principal may read the object a query names (`false` -> answer as not found). */
export const mayQuery = (
  principal: Principal,
  path: string,
  params: Readonly<Record<string, string | undefined>>
): Effect.Effect<boolean, DbError, EntityQueries> =>
  Effect.gen(function* () {
    if (principal.site === undefined) return true
    const rule = querySiteRules[path]
    if (rule === undefined) return false
    if (rule.kind === "none" || rule.kind === "listFiltered") return true
    const value = params[rule.param] ?? ""
    if (rule.kind === "siteParam") return mayTouchSite(principal, value)
    const order = orderOfParam(rule, value)
    const site = order === undefined ? undefined : yield* siteOfOrder(order)
    return site !== undefined && mayTouchSite(principal, site)
  })

/** Whether the principal may send this decoded command (`false` -> 404, nothing applied, nothing recorded). */
export const mayCommand = (principal: Principal, path: string, command: DecodedCommand): Effect.Effect<boolean, DbError, EntityQueries> =>
  Effect.gen(function* () {
    if (principal.site === undefined) return true
    const sources = commandSiteRules[path]
    if (sources === undefined) return false
    const sites: Array<string> = []
    if (sources.includes("commandSite") && command.ownership.site !== undefined) sites.push(command.ownership.site)
    if (sources.includes("order") && command.order !== undefined) {
      const site = yield* siteOfOrder(command.order)
      if (site !== undefined) sites.push(site)
    }
    return sites.length > 0 && sites.every((site) => mayTouchSite(principal, site))
  })
