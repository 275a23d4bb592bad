/**
 * The canonical sales order (system of record: ERP). One order ships from one
 * site; each line names the item, the ordered quantity with its unit, the
 * requested ship date, hazmat flags and the stock allocated to it so far.
 */
import { Schema } from "effect"
import { Address } from "./Address.ts"
import { ItemId, LocationCode, OrderId } from "./CanonicalIds.ts"
import { Hazmat } from "./Hazmat.ts"
import { SiteId } from "./MeshRefs.ts"
import { Quantity } from "./Quantity.ts"
import { ServiceLevel } from "./ServiceLevel.ts"
import { TimeWindow } from "./TimeWindow.ts"

export const OrderStatus = Schema.Literals(["created", "released", "allocated", "picking", "packed", "shipped", "delivered", "cancelled"])
export type OrderStatus = typeof OrderStatus.Type

/** ISO calendar date ("2025-06-03"), used for requested ship dates (a day, not an instant). */
export const CalendarDate = Schema.String.pipe(
  Schema.check(Schema.makeFilter((s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    expected: "a calendar date YYYY-MM-DD"
  }))
)

export class Allocation extends Schema.Class<Allocation>("logimesh/model/Allocation")({
  site: SiteId,
  location: LocationCode,
  quantity: Quantity,
  lot: Schema.optionalKey(Schema.NonEmptyString)
}) {}

export class SalesOrderLine extends Schema.Class<SalesOrderLine>("logimesh/model/SalesOrderLine")({
  lineNumber: Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0))),
  item: ItemId,
  quantity: Quantity,
  requestedShipDate: CalendarDate,
  hazmat: Schema.optionalKey(Hazmat),
  allocations: Schema.Array(Allocation)
}) {}

export class SalesOrder extends Schema.Class<SalesOrder>("logimesh/model/SalesOrder")({
  id: OrderId,
  status: OrderStatus,
  serviceLevel: ServiceLevel,
  shipFrom: SiteId,
  shipTo: Address,
  deliveryWindow: Schema.optionalKey(TimeWindow),
  lines: Schema.Array(SalesOrderLine).pipe(
    Schema.check(Schema.isMinLength(1)),
    Schema.check(Schema.makeFilter((lines: ReadonlyArray<{ readonly lineNumber: number }>) =>
      new Set(lines.map((l) => l.lineNumber)).size === lines.length, { expected: "unique line numbers" }))
  )
}) {}
