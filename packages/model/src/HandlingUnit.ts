/**
 * A carton or pallet identified by its SSCC (GS1 AI 00), with contents,
 * gross weight, dimensions and hazmat. Nested pallets name their parent.
 */
import { Schema } from "effect"
import { ItemId, OrderId } from "./CanonicalIds.ts"
import { Hazmat } from "./Hazmat.ts"
import { SiteId } from "./MeshRefs.ts"
import { Quantity } from "./Quantity.ts"
import { Sscc } from "./Sscc.ts"

export const HandlingUnitKind = Schema.Literals(["carton", "pallet", "tote"])
export type HandlingUnitKind = typeof HandlingUnitKind.Type

export class HandlingUnitContent extends Schema.Class<HandlingUnitContent>("logimesh/model/HandlingUnitContent")({
  order: OrderId,
  lineNumber: Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0))),
  item: ItemId,
  quantity: Quantity
}) {}

export class Dimensions extends Schema.Class<Dimensions>("logimesh/model/Dimensions")({
  length: Quantity,
  width: Quantity,
  height: Quantity
}) {}

export class HandlingUnit extends Schema.Class<HandlingUnit>("logimesh/model/HandlingUnit")({
  sscc: Sscc,
  kind: HandlingUnitKind,
  site: SiteId,
  parent: Schema.optionalKey(Sscc),
  contents: Schema.Array(HandlingUnitContent),
  grossWeight: Quantity,
  dimensions: Schema.optionalKey(Dimensions),
  hazmat: Schema.Array(Hazmat)
}) {}
