/**
 * Who is calling: the authenticated principal of an HTTP request (an API key
 * or a JWT) or of a command message (the NATS subject it was published on).
 * `system` is the sender every command is attributed to (ownership, audit);
 * `site` confines the principal to one site's objects (required for a WES);
 * `admin` opens the operator routes. `id` scopes Idempotency-Keys: two
 * principals never share a key.
 */
import { Context } from "effect"
import type { SiteId, SourceSystem } from "@logimesh/model"

export interface Principal {
  readonly id: string
  readonly system: SourceSystem
  /** Required for a WES; absent = region-wide (ERP, dispatch, carriers, the portal, operators). */
  readonly site?: SiteId
  readonly admin: boolean
}

/** The principal of the request being served (provided by `AuthMiddleware` to every authenticated route). */
export class CurrentPrincipal extends Context.Service<CurrentPrincipal, Principal>()("logimesh/region/CurrentPrincipal") {}

/**
 * The principal id of a system (and site) when nobody chose another: `erp`, `wes@dc-antwerp`. A WES's API key
 * and its site's command messages share it, so an Idempotency-Key means the same request over either transport.
 */
export const defaultPrincipalId = (system: SourceSystem, site?: string): string =>
  site === undefined ? system.toLowerCase() : `${system.toLowerCase()}@${site}`

/** Site-scoped principals see and change only their site's objects. */
export const mayTouchSite = (principal: Principal, site: string): boolean => principal.site === undefined || principal.site === site

/** `LOGIMESH` is the region itself (its flows' commands are not owner-checked): no caller may send commands as it. */
export const maySendCommands = (principal: Principal): boolean => principal.system !== "LOGIMESH"
