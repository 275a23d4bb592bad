/**
 * Events of the order module: the facts of one sales order's life, as the
 * audit trail stores them and the region flows turn them into commands and
 * system messages (docs/order-to-delivery.md, "Flows").
 */
import { Schema } from "effect"
import { Address, ItemId, OrderId, PickTaskId, Quantity, ReturnAuthorizationId, ServiceLevel, ShipmentId, SiteId, TimeWindow } from "@logimesh/model"
import { LineNumber, OrderLine, ShipmentStage } from "./OrderCommands.ts"

/** One changed line: its quantity before and after. */
export class LineChange extends Schema.Class<LineChange>("logimesh/order/LineChange")({
  lineNumber: LineNumber,
  previous: Quantity,
  quantity: Quantity
}) {}

/** A line, the item concerned (the picked item, a substitute if any) and a quantity: picked lines of a cancel, returned lines. */
export class LineItemQuantity extends Schema.Class<LineItemQuantity>("logimesh/order/LineItemQuantity")({
  lineNumber: LineNumber,
  item: ItemId,
  quantity: Quantity
}) {}

/** One line of a fully picked order: the picked item (a substitute if any), ordered and picked quantities. */
export class PickedLine extends Schema.Class<PickedLine>("logimesh/order/PickedLine")({
  lineNumber: LineNumber,
  item: ItemId,
  ordered: Quantity,
  picked: Quantity,
  short: Schema.Boolean,
  substitute: Schema.Boolean
}) {}

export class OrderCreated extends Schema.TaggedClass<OrderCreated>("logimesh/order/OrderCreated")("OrderCreated", {
  order: OrderId,
  shipFrom: SiteId,
  serviceLevel: ServiceLevel,
  shipTo: Address,
  deliveryWindow: Schema.optionalKey(TimeWindow),
  lines: Schema.Array(OrderLine)
}) {}

export class OrderReleased extends Schema.TaggedClass<OrderReleased>("logimesh/order/OrderReleased")("OrderReleased", {
  order: OrderId,
  shipFrom: SiteId,
  serviceLevel: ServiceLevel,
  shipTo: Address,
  deliveryWindow: Schema.optionalKey(TimeWindow),
  lines: Schema.Array(OrderLine),
  /** `S-<order>`. */
  shipment: ShipmentId
}) {}

/** `lines` are all the lines after the change; `status` is the order's status when it changed. */
export class OrderChanged extends Schema.TaggedClass<OrderChanged>("logimesh/order/OrderChanged")("OrderChanged", {
  order: OrderId,
  shipFrom: SiteId,
  status: Schema.Literals(["created", "released"]),
  lines: Schema.Array(OrderLine),
  changed: Schema.Array(LineChange)
}) {}

/** `afterPick` when a pick was recorded; `picked` = the lines with picked stock to put away. */
export class OrderCancelled extends Schema.TaggedClass<OrderCancelled>("logimesh/order/OrderCancelled")("OrderCancelled", {
  order: OrderId,
  shipFrom: SiteId,
  shipment: ShipmentId,
  afterPick: Schema.Boolean,
  lines: Schema.Array(OrderLine),
  picked: Schema.Array(LineItemQuantity),
  reason: Schema.String
}) {}

export class OrderLinePicked extends Schema.TaggedClass<OrderLinePicked>("logimesh/order/OrderLinePicked")("OrderLinePicked", {
  order: OrderId,
  lineNumber: LineNumber,
  task: PickTaskId,
  item: ItemId,
  picked: Quantity,
  short: Schema.Boolean,
  substitute: Schema.Boolean
}) {}

/** Every line has a pick (emitted with the `OrderLinePicked` of the last line). */
export class OrderPicked extends Schema.TaggedClass<OrderPicked>("logimesh/order/OrderPicked")("OrderPicked", {
  order: OrderId,
  shipFrom: SiteId,
  shipment: ShipmentId,
  lines: Schema.Array(PickedLine)
}) {}

export class OrderProgressed extends Schema.TaggedClass<OrderProgressed>("logimesh/order/OrderProgressed")("OrderProgressed", {
  order: OrderId,
  shipment: ShipmentId,
  stage: ShipmentStage,
  detail: Schema.optionalKey(Schema.String)
}) {}

export class ReturnAuthorized extends Schema.TaggedClass<ReturnAuthorized>("logimesh/order/ReturnAuthorized")("ReturnAuthorized", {
  order: OrderId,
  shipFrom: SiteId,
  rma: ReturnAuthorizationId,
  lines: Schema.Array(LineItemQuantity)
}) {}

export class ReturnReceived extends Schema.TaggedClass<ReturnReceived>("logimesh/order/ReturnReceived")("ReturnReceived", {
  order: OrderId,
  shipFrom: SiteId,
  rma: ReturnAuthorizationId,
  lines: Schema.Array(LineItemQuantity)
}) {}

export const OrderEvent = Schema.Union([
  OrderCreated,
  OrderReleased,
  OrderChanged,
  OrderCancelled,
  OrderLinePicked,
  OrderPicked,
  OrderProgressed,
  ReturnAuthorized,
  ReturnReceived
])
export type OrderEvent = typeof OrderEvent.Type
