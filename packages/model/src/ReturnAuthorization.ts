/**
 * A return merchandise authorization (issued by the ERP or the customer
 * PORTAL; the returning site's WES records the receipt).
 */
import { Schema } from "effect"
import { ItemId, OrderId, ReturnAuthorizationId } from "./CanonicalIds.ts"
import { SiteId } from "./MeshRefs.ts"
import { Quantity } from "./Quantity.ts"

export const ReturnStatus = Schema.Literals(["authorized", "received", "closed", "rejected"])
export type ReturnStatus = typeof ReturnStatus.Type

export class ReturnLine extends Schema.Class<ReturnLine>("logimesh/model/ReturnLine")({
  item: ItemId,
  quantity: Quantity,
  reason: Schema.Literals(["damaged", "wrong_item", "not_needed", "defective", "other"])
}) {}

export class ReturnAuthorization extends Schema.Class<ReturnAuthorization>("logimesh/model/ReturnAuthorization")({
  id: ReturnAuthorizationId,
  originalOrder: OrderId,
  returnTo: SiteId,
  status: ReturnStatus,
  lines: Schema.Array(ReturnLine).pipe(Schema.check(Schema.isMinLength(1)))
}) {}
