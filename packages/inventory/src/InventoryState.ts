/**
 * State of one inventory entity (one item at one site), as the decider folds
 * it from the events and the engine stores it (JSON snapshot through this
 * schema): on hand, the open reservations by order line, and the lines and
 * references already applied (so repeats are recognised). Queries read
 * `availableToPromise(state)` = on hand - sum(reservations).
 */
import { BigDecimal, Schema } from "effect"
import { ItemId, OrderId, Quantity, SiteId } from "@logimesh/model"
import { LineNumber } from "./InventoryCommands.ts"

/** An open reservation of one order line: what was reserved and what could not be. */
export class Reservation extends Schema.Class<Reservation>("logimesh/inventory/Reservation")({
  order: OrderId,
  lineNumber: LineNumber,
  quantity: Quantity,
  shortfall: Quantity
}) {}

/** An order line and a quantity: a released reservation, an issue. */
export class LineMovement extends Schema.Class<LineMovement>("logimesh/inventory/LineMovement")({
  order: OrderId,
  lineNumber: LineNumber,
  quantity: Quantity
}) {}

/** A restock, by its reference. */
export class Restock extends Schema.Class<Restock>("logimesh/inventory/Restock")({
  reference: Schema.String,
  quantity: Quantity
}) {}

/**
 * `empty` (nothing known) -> `uncounted` (movements only, no count yet) ->
 * `counted` (a count established the book; later counts are compared with it).
 */
export const InventoryStatus = Schema.Literals(["empty", "uncounted", "counted"])
export type InventoryStatus = typeof InventoryStatus.Type

export class InventoryState extends Schema.TaggedClass<InventoryState>("logimesh/inventory/InventoryState")("InventoryState", {
  status: InventoryStatus,
  site: Schema.optionalKey(SiteId),
  item: Schema.optionalKey(ItemId),
  /** The book: present (in the book's unit) from the first event on. */
  onHand: Schema.optionalKey(Quantity),
  reservations: Schema.Array(Reservation),
  released: Schema.Array(LineMovement),
  issued: Schema.Array(LineMovement),
  restocks: Schema.Array(Restock)
}) {}

const zero = BigDecimal.fromBigInt(0n)

/** Sum of the open reservations (zero when none). */
export const reservedTotal = (state: InventoryState): BigDecimal.BigDecimal =>
  BigDecimal.normalize(state.reservations.reduce((sum, r) => BigDecimal.sum(sum, r.quantity.amount), zero))

/**
 * Available to promise = on hand - sum(reservations), never below zero (a
 * count can drop on hand below what is reserved). Undefined while the book
 * is empty (no unit known yet).
 */
export const availableToPromise = (state: InventoryState): Quantity | undefined => {
  if (state.onHand === undefined) return undefined
  const available = BigDecimal.subtract(state.onHand.amount, reservedTotal(state))
  return new Quantity({ amount: BigDecimal.normalize(BigDecimal.max(available, zero)), unit: state.onHand.unit })
}
