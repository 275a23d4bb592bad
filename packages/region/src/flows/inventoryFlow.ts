/**
 * What each stock-book event causes:
 *   InventoryMismatch -> ERP inventory-mismatch (the site's count wins; the ERP adjusts its book)
 */
import type { EffectMessage } from "@logimesh/engine"
import { type InventoryEvent, InventoryMismatchToErp, type InventoryState } from "@logimesh/inventory"
import type { Flow } from "../modules/RegionModule.ts"
import { toCentral } from "./flowMessages.ts"

export const inventoryFlow: Flow<InventoryEvent, InventoryState> = () => (_key, event) => {
  const out: Array<EffectMessage> = []
  if (event._tag === "InventoryMismatch") {
    out.push(toCentral(InventoryMismatchToErp, event))
  }
  return out
}
