/**
 * Commands of the order module (entity `order`, key = order id): what the
 * ERP / customer portal ask of one sales order (create, release, change,
 * cancel, returns) and what logimesh's own flows report to it (picks,
 * shipment progress). Every command carries `by` (who asked; ownership is
 * checked before the decider). Field names follow docs/order-to-delivery.md.
 */
import { Schema } from "effect"
import {
  Address,
  boundedText,
  CalendarDate,
  ItemId,
  ItemLimits,
  OrderId,
  PickTaskId,
  pickTaskIdOf,
  Quantity,
  ReturnAuthorizationId,
  ServiceLevel,
  ShipmentId,
  shipmentIdOf,
  SiteId,
  SourceSystem,
  TextLimits,
  TimeWindow
} from "@logimesh/model"

/** Line numbers are positive integers, unique within an order. */
export const LineNumber = Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)))

const uniqueLineNumbers = Schema.makeFilter(
  (lines: ReadonlyArray<{ readonly lineNumber: number }>) => new Set(lines.map((l) => l.lineNumber)).size === lines.length,
  { expected: "unique line numbers" }
)

/**
 * Longest order id whose derived ids still fit the 64-character id rule:
 * shipment `S-<order>` and pick task `<order>-L<lineNumber>`.
 */
const MAX_ID_LENGTH = 64

/** One ordered line: item, quantity (its unit is the line's unit), requested ship date, hazmat flag, KG weight estimate. */
export class OrderLine extends Schema.Class<OrderLine>("logimesh/order/OrderLine")({
  lineNumber: LineNumber,
  item: ItemId,
  quantity: Quantity,
  requestedShipDate: CalendarDate,
  hazmat: Schema.Boolean,
  /** Estimated weight of the whole line (KG). */
  weight: Quantity
}) {}

/** A line number with a quantity: a change of an ordered quantity, or a returned quantity. */
export class LineQuantity extends Schema.Class<LineQuantity>("logimesh/order/LineQuantity")({
  lineNumber: LineNumber,
  quantity: Quantity
}) {}

const OrderLines = Schema.Array(OrderLine).pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(ItemLimits.orderLines)), Schema.check(uniqueLineNumbers))
const LineQuantities = Schema.Array(LineQuantity).pipe(
  Schema.check(Schema.isMinLength(1), Schema.isMaxLength(ItemLimits.orderLines)),
  Schema.check(uniqueLineNumbers)
)

export class CreateOrder extends Schema.TaggedClass<CreateOrder>("logimesh/order/CreateOrder")(
  "CreateOrder",
  Schema.Struct({
    by: SourceSystem,
    order: OrderId,
    shipFrom: SiteId,
    serviceLevel: ServiceLevel,
    shipTo: Address,
    deliveryWindow: Schema.optionalKey(TimeWindow),
    lines: OrderLines
  }).pipe(
    Schema.check(
      Schema.makeFilter(
        (c: { readonly order: string; readonly lines: ReadonlyArray<{ readonly lineNumber: number }> }) =>
          shipmentIdOf(c.order).length <= MAX_ID_LENGTH && c.lines.every((l) => pickTaskIdOf(c.order, l.lineNumber).length <= MAX_ID_LENGTH),
        { expected: `an order id short enough for its shipment (S-<order>) and pick task (<order>-L<line>) ids (<= ${MAX_ID_LENGTH} chars)` }
      )
    )
  )
) {}

/** Release to the warehouse: creates the pick tasks, reservations and the shipment request (through the flows). */
export class ReleaseOrder extends Schema.TaggedClass<ReleaseOrder>("logimesh/order/ReleaseOrder")("ReleaseOrder", {
  by: SourceSystem,
  order: OrderId
}) {}

/** New quantities for some lines; allowed until the first pick. */
export class ChangeOrder extends Schema.TaggedClass<ChangeOrder>("logimesh/order/ChangeOrder")("ChangeOrder", {
  by: SourceSystem,
  order: OrderId,
  lines: LineQuantities
}) {}

export class CancelOrder extends Schema.TaggedClass<CancelOrder>("logimesh/order/CancelOrder")("CancelOrder", {
  by: SourceSystem,
  order: OrderId,
  reason: boundedText(TextLimits.reason)
}) {}

/** A confirmed pick of one line (sent by the flow on `TaskPicked`); `item` is the picked item (a substitute when `substitute`). */
export class RecordPick extends Schema.TaggedClass<RecordPick>("logimesh/order/RecordPick")("RecordPick", {
  by: SourceSystem,
  order: OrderId,
  lineNumber: LineNumber,
  task: PickTaskId,
  item: ItemId,
  picked: Quantity,
  short: Schema.Boolean,
  substitute: Schema.Boolean
}) {}

/** The shipment stages the order follows (sent by the flows from shipment and POD events). */
export const ShipmentStage = Schema.Literals(["packed", "loaded", "shipped", "delivered", "delivery_failed"])
export type ShipmentStage = typeof ShipmentStage.Type

export class RecordShipmentProgress extends Schema.TaggedClass<RecordShipmentProgress>("logimesh/order/RecordShipmentProgress")("RecordShipmentProgress", {
  by: SourceSystem,
  order: OrderId,
  shipment: ShipmentId,
  stage: ShipmentStage,
  detail: Schema.optionalKey(boundedText(TextLimits.reason))
}) {}

export class AuthorizeReturn extends Schema.TaggedClass<AuthorizeReturn>("logimesh/order/AuthorizeReturn")("AuthorizeReturn", {
  by: SourceSystem,
  order: OrderId,
  rma: ReturnAuthorizationId,
  lines: LineQuantities
}) {}

export class ReceiveReturn extends Schema.TaggedClass<ReceiveReturn>("logimesh/order/ReceiveReturn")("ReceiveReturn", {
  by: SourceSystem,
  order: OrderId,
  rma: ReturnAuthorizationId,
  lines: LineQuantities
}) {}

export const OrderCommand = Schema.Union([
  CreateOrder,
  ReleaseOrder,
  ChangeOrder,
  CancelOrder,
  RecordPick,
  RecordShipmentProgress,
  AuthorizeReturn,
  ReceiveReturn
])
export type OrderCommand = typeof OrderCommand.Type
