/**
 * Events of the inventory module: the movements of one item's book at one
 * site (counts, reservations, releases, issues, restocks) and the mismatch
 * a count reveals, as the audit trail stores them and the region flows turn
 * them into system messages (docs/order-to-delivery.md, "Flows").
 */
import { Schema } from "effect"
import { ItemId, OrderId, Quantity, SiteId } from "@logimesh/model"
import { LineNumber } from "./InventoryCommands.ts"

/** A count replaced the book: `previous` is the book before it (zero when there was none). */
export class StockCounted extends Schema.TaggedClass<StockCounted>("logimesh/inventory/StockCounted")("StockCounted", {
  site: SiteId,
  item: ItemId,
  onHand: Quantity,
  previous: Quantity
}) {}

/** A count differed from the counted-and-booked quantity (emitted with its `StockCounted`; the count wins). */
export class InventoryMismatch extends Schema.TaggedClass<InventoryMismatch>("logimesh/inventory/InventoryMismatch")("InventoryMismatch", {
  site: SiteId,
  item: ItemId,
  book: Quantity,
  counted: Quantity
}) {}

/** `quantity` was reserved for the line; `shortfall` of what was asked could not be (not available to promise). */
export class StockReserved extends Schema.TaggedClass<StockReserved>("logimesh/inventory/StockReserved")("StockReserved", {
  site: SiteId,
  item: ItemId,
  order: OrderId,
  lineNumber: LineNumber,
  quantity: Quantity,
  shortfall: Quantity
}) {}

export class ReservationReleased extends Schema.TaggedClass<ReservationReleased>("logimesh/inventory/ReservationReleased")("ReservationReleased", {
  site: SiteId,
  item: ItemId,
  order: OrderId,
  lineNumber: LineNumber,
  quantity: Quantity
}) {}

export class StockIssued extends Schema.TaggedClass<StockIssued>("logimesh/inventory/StockIssued")("StockIssued", {
  site: SiteId,
  item: ItemId,
  order: OrderId,
  lineNumber: LineNumber,
  quantity: Quantity
}) {}

export class StockRestocked extends Schema.TaggedClass<StockRestocked>("logimesh/inventory/StockRestocked")("StockRestocked", {
  site: SiteId,
  item: ItemId,
  reference: Schema.String,
  quantity: Quantity
}) {}

export const InventoryEvent = Schema.Union([StockCounted, InventoryMismatch, StockReserved, ReservationReleased, StockIssued, StockRestocked])
export type InventoryEvent = typeof InventoryEvent.Type
