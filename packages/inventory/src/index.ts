/**
 * @logimesh/inventory — the inventory module (entity `inventory`, key =
 * `<site>/<item>`): the book of one item at one site (on hand, reservations
 * by order line, available to promise). The site's WES counts stock through
 * the API; the region flows reserve on release, issue on picks, release and
 * restock on cancellation and restock on return receipts. Pure decider plus
 * Schema codecs (docs/order-to-delivery.md).
 */
export { CountStock, InventoryCommand, IssueStock, LineNumber, ReleaseReservation, ReserveStock, RestockItems } from "./InventoryCommands.ts"
export { decide, evolve, initialState, type InventoryDecision, inventoryKey } from "./InventoryDecider.ts"
export {
  InventoryEvent,
  InventoryMismatch,
  ReservationReleased,
  StockCounted,
  StockIssued,
  StockReserved,
  StockRestocked
} from "./InventoryEvents.ts"
export { inventoryEntity } from "./inventoryEntity.ts"
export { inventoryModule } from "./inventoryModule.ts"
export { InvalidState, InventoryRejection, UnitMismatch } from "./InventoryRejections.ts"
export {
  availableToPromise,
  InventoryState,
  InventoryStatus,
  LineMovement,
  Reservation,
  reservedTotal,
  Restock
} from "./InventoryState.ts"
export {
  InventoryMismatchToErp,
  inventorySystemMessages
} from "./InventorySystemMessages.ts"
