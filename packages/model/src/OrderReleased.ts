/**
 * `OrderReleased` — the ERP released a sales order to its ship-from site for
 * fulfilment. Sent by: the ERP connector. CloudEvents type
 * `com.logimesh.order.released`.
 *
 * Version history:
 *   v1  order, shipFrom, lines, releasedAt
 *   v2  + serviceLevel (dispatch plans by it). v1 data is upcast with
 *       `STANDARD`, the service level the ERP applied before it sent one.
 */
import { Schema } from "effect"
import { ItemId, OrderId } from "./CanonicalIds.ts"
import { defineEvent, upcaster } from "./EventDefinition.ts"
import { SiteId } from "./MeshRefs.ts"
import { Quantity } from "./Quantity.ts"
import { CalendarDate } from "./SalesOrder.ts"
import { ServiceLevel } from "./ServiceLevel.ts"
import { SourceTimestamp } from "./SourceTimestamp.ts"

export class ReleasedLine extends Schema.Class<ReleasedLine>("logimesh/model/ReleasedLine")({
  lineNumber: Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0))),
  item: ItemId,
  quantity: Quantity,
  requestedShipDate: CalendarDate
}) {}

/** The current (v2) event. */
export class OrderReleased extends Schema.TaggedClass<OrderReleased>()("OrderReleased", {
  order: OrderId,
  shipFrom: SiteId,
  serviceLevel: ServiceLevel,
  lines: Schema.Array(ReleasedLine).pipe(Schema.check(Schema.isMinLength(1))),
  releasedAt: SourceTimestamp
}) {}

/** v1 as old producers wrote it: no `serviceLevel`, no `_tag`. */
export const OrderReleasedV1 = Schema.Struct({
  order: OrderId,
  shipFrom: SiteId,
  lines: Schema.Array(ReleasedLine).pipe(Schema.check(Schema.isMinLength(1))),
  releasedAt: SourceTimestamp
})

/** Service level applied to orders released before v2 carried one. */
export const DEFAULT_V1_SERVICE_LEVEL: ServiceLevel = "STANDARD"

export const OrderReleasedEvent = defineEvent({
  type: "com.logimesh.order.released",
  version: 2,
  schema: OrderReleased,
  upcasters: [
    upcaster(1, OrderReleasedV1, (v1) => ({
      _tag: "OrderReleased",
      ...Schema.encodeSync(OrderReleasedV1)(v1),
      serviceLevel: DEFAULT_V1_SERVICE_LEVEL
    }))
  ]
})
