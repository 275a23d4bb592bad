/**
 * State of one order entity, as the decider folds it from the events and the
 * engine stores it (JSON snapshot through this schema). Queries read it:
 * status, ship-from site, shipment, service level, ship-to, lines with
 * ordered / picked quantities and short / substitute flags, returns.
 * Header fields are absent while the order does not exist (`status: "none"`).
 */
import { Schema } from "effect"
import {
  Address,
  CalendarDate,
  ItemId,
  OrderId,
  PickTaskId,
  Quantity,
  ReturnAuthorizationId,
  ServiceLevel,
  ShipmentId,
  SiteId,
  TimeWindow
} from "@logimesh/model"
import { LineNumber } from "./OrderCommands.ts"
import { LineItemQuantity } from "./OrderEvents.ts"

/**
 * `none` (not created yet) -> `created` -> `released` -> `picking` (a line
 * picked) -> `picked` (every line) -> `packed` -> `loaded` -> `shipped` ->
 * `delivered` | `delivery_failed`; `cancelled`; after delivery
 * `return_authorized` (an RMA open) -> `returned` (every RMA received).
 */
export const OrderStatus = Schema.Literals([
  "none",
  "created",
  "released",
  "picking",
  "picked",
  "packed",
  "loaded",
  "shipped",
  "delivered",
  "delivery_failed",
  "cancelled",
  "return_authorized",
  "returned"
])
export type OrderStatus = typeof OrderStatus.Type

/** One line: what was ordered and, once picked, what was picked (item, quantity, task, short / substitute). */
export class OrderLineState extends Schema.Class<OrderLineState>("logimesh/order/OrderLineState")({
  lineNumber: LineNumber,
  /** The ordered item. */
  item: ItemId,
  ordered: Quantity,
  requestedShipDate: CalendarDate,
  hazmat: Schema.Boolean,
  weight: Quantity,
  task: Schema.optionalKey(PickTaskId),
  /** The picked item: the ordered one, or its substitute. */
  pickedItem: Schema.optionalKey(ItemId),
  picked: Schema.optionalKey(Quantity),
  short: Schema.Boolean,
  substitute: Schema.Boolean
}) {}

/** One return authorization of the order and, once received, what was received. */
export class OrderReturn extends Schema.Class<OrderReturn>("logimesh/order/OrderReturn")({
  rma: ReturnAuthorizationId,
  status: Schema.Literals(["authorized", "received"]),
  lines: Schema.Array(LineItemQuantity),
  received: Schema.optionalKey(Schema.Array(LineItemQuantity))
}) {}

export class OrderState extends Schema.TaggedClass<OrderState>("logimesh/order/OrderState")("OrderState", {
  status: OrderStatus,
  order: Schema.optionalKey(OrderId),
  shipFrom: Schema.optionalKey(SiteId),
  serviceLevel: Schema.optionalKey(ServiceLevel),
  shipTo: Schema.optionalKey(Address),
  deliveryWindow: Schema.optionalKey(TimeWindow),
  /** Set on release (`S-<order>`). */
  shipment: Schema.optionalKey(ShipmentId),
  lines: Schema.Array(OrderLineState),
  returns: Schema.Array(OrderReturn),
  /** Why it was cancelled, once cancelled. */
  cancelReason: Schema.optionalKey(Schema.String),
  /** Detail of the last shipment progress that carried one (e.g. the failed delivery's reason). */
  progressDetail: Schema.optionalKey(Schema.String)
}) {}
