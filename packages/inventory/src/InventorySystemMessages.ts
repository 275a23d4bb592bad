/**
 * What the stock book's flows tell the outside systems: the ERP hears of a
 * count that disagrees with the book (`inventory-mismatch`).
 */
import { systemMessageType } from "@logimesh/model"
import { InventoryMismatch } from "./InventoryEvents.ts"

export const InventoryMismatchToErp = systemMessageType("erp", "inventory-mismatch", 1, InventoryMismatch.fields)

/** Every message type the stock book's flows send. */
export const inventorySystemMessages = [InventoryMismatchToErp] as const
