/**
 * Stock of one item at one site (and optionally one location/lot): on hand,
 * allocated, available. The system of record for availability is the ERP or
 * the site's WES, chosen per site (`inventoryOwner` in the site file).
 */
import { Schema } from "effect"
import { ItemId, LocationCode } from "./CanonicalIds.ts"
import { SiteId } from "./MeshRefs.ts"
import { NonNegativeDecimal, UnitCode } from "./Quantity.ts"
import { UtcInstant } from "./UtcInstant.ts"

export class InventoryPosition extends Schema.Class<InventoryPosition>("logimesh/model/InventoryPosition")({
  site: SiteId,
  item: ItemId,
  location: Schema.optionalKey(LocationCode),
  lot: Schema.optionalKey(Schema.NonEmptyString),
  unit: UnitCode,
  onHand: NonNegativeDecimal,
  allocated: NonNegativeDecimal,
  available: NonNegativeDecimal,
  asOf: UtcInstant
}) {}
