/**
 * One pick task of a WES (system of record: WES): pick a quantity of an item
 * from a location for an order line; confirmed, shorted, or packed into a
 * handling unit.
 */
import { Schema } from "effect"
import { ItemId, LocationCode, OrderId, PickTaskId } from "./CanonicalIds.ts"
import { SiteId } from "./MeshRefs.ts"
import { Quantity } from "./Quantity.ts"
import { Sscc } from "./Sscc.ts"

export const PickTaskStatus = Schema.Literals(["open", "in_progress", "picked", "short_picked", "packed", "cancelled"])
export type PickTaskStatus = typeof PickTaskStatus.Type

export class PickTask extends Schema.Class<PickTask>("logimesh/model/PickTask")({
  id: PickTaskId,
  order: OrderId,
  lineNumber: Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0))),
  site: SiteId,
  item: ItemId,
  fromLocation: LocationCode,
  requested: Quantity,
  picked: Schema.optionalKey(Quantity),
  status: PickTaskStatus,
  /** The carton the pick was packed into, once packed. */
  packedInto: Schema.optionalKey(Sscc)
}) {}
