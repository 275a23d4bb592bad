/**
 * @logimesh/order — the per-order actor (engine entity `order`, key = order
 * id). The ERP and the customer PORTAL create, release, change and cancel
 * orders and authorize / receive returns through the `/v1` API; logimesh's
 * region flows report picks (`RecordPick`, from `TaskPicked`) and shipment
 * progress (`RecordShipmentProgress`, from shipment and POD events).
 * Contract: docs/order-to-delivery.md, "Modules > order".
 */
export {
  AuthorizeReturn,
  CancelOrder,
  ChangeOrder,
  CreateOrder,
  LineNumber,
  LineQuantity,
  OrderCommand,
  OrderLine,
  ReceiveReturn,
  RecordPick,
  RecordShipmentProgress,
  ReleaseOrder,
  ShipmentStage
} from "./OrderCommands.ts"
export { decide, evolve, initialState, type OrderDecision, shipmentOf } from "./OrderDecider.ts"
export { orderEntity } from "./orderEntity.ts"
export { orderModule } from "./orderModule.ts"
export {
  LineChange,
  LineItemQuantity,
  OrderCancelled,
  OrderChanged,
  OrderCreated,
  OrderEvent,
  OrderLinePicked,
  OrderPicked,
  OrderProgressed,
  OrderReleased,
  PickedLine,
  ReturnAuthorized,
  ReturnReceived
} from "./OrderEvents.ts"
export { InvalidState, OrderRejection, UnitMismatch, UnknownLine } from "./OrderRejections.ts"
export { OrderLineState, OrderReturn, OrderState, OrderStatus } from "./OrderState.ts"
export {
  CreditTriggerToErp,
  OrderCancelledToErp,
  OrderCancelledToWes,
  OrderChangeToWes,
  OrderPickedToErp,
  OrderReleaseToWes,
  orderSystemMessages,
  ReturnExpectedToWes,
  ShipmentCancelledToDispatch,
  ShipmentRequestToDispatch
} from "./OrderSystemMessages.ts"
