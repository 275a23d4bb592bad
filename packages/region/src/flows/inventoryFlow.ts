/**
 * What each stock-book event causes:
 *   InventoryMismatch -> ERP inventory-mismatch (the site's count wins; the ERP adjusts its book)
 */
import { Schema } from "effect"
import { Subjects } from "@logimesh/bus"
import type { EffectMessage } from "@logimesh/engine"
import { InventoryEvent, type InventoryState } from "@logimesh/inventory"
import type { Flow } from "../modules/RegionModule.ts"
import { toSystem } from "./flowMessages.ts"

const encodeEvent = Schema.encodeSync(InventoryEvent)

export const inventoryFlow: Flow<InventoryEvent, InventoryState> = () => (_key, event) => {
  const out: Array<EffectMessage> = []
  if (event._tag === "InventoryMismatch") {
    out.push(toSystem(Subjects.centralSystem("erp", "inventory-mismatch"), "inventory-mismatch", encodeEvent(event) as Record<string, unknown>))
  }
  return out
}
