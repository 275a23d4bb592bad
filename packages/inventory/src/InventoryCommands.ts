/**
 * Commands of the inventory module (entity `inventory`, key =
 * `<site>/<item>`): the book of one item at one site. The site's WES counts
 * stock (through the API); the region flows reserve stock on release,
 * release reservations and restock on cancellation, issue stock on picks and
 * restock on return receipts. Every command carries `by` (who asked;
 * ownership is checked before the decider). Names and fields follow
 * docs/order-to-delivery.md, "Modules > inventory".
 */
import { Schema } from "effect"
import { boundedText, ItemId, OrderId, Quantity, SiteId, SourceSystem, TextLimits } from "@logimesh/model"

/** Order line numbers are positive integers. */
export const LineNumber = Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)))

/** A physical count: the counted quantity becomes the book (the count wins). */
export class CountStock extends Schema.TaggedClass<CountStock>("logimesh/inventory/CountStock")("CountStock", {
  by: SourceSystem,
  site: SiteId,
  item: ItemId,
  onHand: Quantity
}) {}

/** Reserve an order line's quantity, as far as available to promise allows. */
export class ReserveStock extends Schema.TaggedClass<ReserveStock>("logimesh/inventory/ReserveStock")("ReserveStock", {
  by: SourceSystem,
  site: SiteId,
  item: ItemId,
  order: OrderId,
  lineNumber: LineNumber,
  quantity: Quantity
}) {}

/** Give an order line's reservation back (order cancelled). */
export class ReleaseReservation extends Schema.TaggedClass<ReleaseReservation>("logimesh/inventory/ReleaseReservation")("ReleaseReservation", {
  by: SourceSystem,
  site: SiteId,
  item: ItemId,
  order: OrderId,
  lineNumber: LineNumber
}) {}

/** Stock left the book for an order line (a confirmed pick): consumes the line's reservation. */
export class IssueStock extends Schema.TaggedClass<IssueStock>("logimesh/inventory/IssueStock")("IssueStock", {
  by: SourceSystem,
  site: SiteId,
  item: ItemId,
  order: OrderId,
  lineNumber: LineNumber,
  quantity: Quantity
}) {}

/** Stock came back onto the book (put away after a cancel after pick, a return receipt); `reference` names why, once. */
export class RestockItems extends Schema.TaggedClass<RestockItems>("logimesh/inventory/RestockItems")("RestockItems", {
  by: SourceSystem,
  site: SiteId,
  item: ItemId,
  reference: boundedText(TextLimits.reference),
  quantity: Quantity
}) {}

export const InventoryCommand = Schema.Union([CountStock, ReserveStock, ReleaseReservation, IssueStock, RestockItems])
export type InventoryCommand = typeof InventoryCommand.Type
