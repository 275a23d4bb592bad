/**
 * What the order's flows tell the outside systems (docs/order-to-delivery.md,
 * "Flows"): one Schema per message type and version. Most carry the event's
 * fields as they are; a few are shaped for their receiver.
 *   wes        order-release (the event + the pick task of each line), order-change,
 *              order-cancelled (+ `putAway`: the picked lines to put away), return-expected
 *   dispatch   shipment-request, shipment-cancelled
 *   erp        order-cancelled, fulfilment-progress (stage `picked`), credit-trigger
 */
import { Schema } from "effect"
import { Address, PickTaskId, Quantity, ServiceLevel, ShipmentId, SiteId, systemMessageType, TimeWindow, OrderId } from "@logimesh/model"
import { LineNumber } from "./OrderCommands.ts"
import { LineItemQuantity, OrderCancelled, OrderChanged, OrderPicked, OrderReleased, ReturnAuthorized, ReturnReceived } from "./OrderEvents.ts"

export const OrderReleaseToWes = systemMessageType("wes", "order-release", 1, {
  ...OrderReleased.fields,
  tasks: Schema.Array(Schema.Struct({ lineNumber: LineNumber, task: PickTaskId }))
})

export const OrderChangeToWes = systemMessageType("wes", "order-change", 1, OrderChanged.fields)

export const OrderCancelledToWes = systemMessageType("wes", "order-cancelled", 1, {
  ...OrderCancelled.fields,
  putAway: Schema.Array(LineItemQuantity)
})

export const ReturnExpectedToWes = systemMessageType("wes", "return-expected", 1, ReturnAuthorized.fields)

export const ShipmentRequestToDispatch = systemMessageType("dispatch", "shipment-request", 1, {
  shipment: ShipmentId,
  order: OrderId,
  site: SiteId,
  shipTo: Address,
  serviceLevel: ServiceLevel,
  deliveryWindow: Schema.optionalKey(TimeWindow),
  /** The lines' weights summed, in KG. */
  weightEstimate: Quantity,
  hazmat: Schema.Boolean
})

export const ShipmentCancelledToDispatch = systemMessageType("dispatch", "shipment-cancelled", 1, {
  shipment: ShipmentId,
  order: OrderId,
  reason: Schema.String
})

export const OrderCancelledToErp = systemMessageType("erp", "order-cancelled", 1, OrderCancelled.fields)

export const OrderPickedToErp = systemMessageType("erp", "fulfilment-progress", 1, {
  ...OrderPicked.fields,
  stage: Schema.Literal("picked")
})

export const CreditTriggerToErp = systemMessageType("erp", "credit-trigger", 1, ReturnReceived.fields)

/** Every message type the order's flows send. */
export const orderSystemMessages = [
  OrderReleaseToWes,
  OrderChangeToWes,
  OrderCancelledToWes,
  ReturnExpectedToWes,
  ShipmentRequestToDispatch,
  ShipmentCancelledToDispatch,
  OrderCancelledToErp,
  OrderPickedToErp,
  CreditTriggerToErp
] as const
