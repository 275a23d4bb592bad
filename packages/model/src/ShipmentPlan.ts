/**
 * A shipment as the dispatch/TMS plans it (system of record: DISPATCH):
 * stops in route sequence (pickups at sites, deliveries to addresses), each
 * with an appointment window; legs between stops with carrier and mode; the
 * freight charge in an ISO 4217 currency; the orders and handling units it
 * carries. `revision` increases with each re-plan.
 */
import { Schema } from "effect"
import { Address } from "./Address.ts"
import { DockDoorId, OrderId, Scac, ShipmentId } from "./CanonicalIds.ts"
import { SiteId } from "./MeshRefs.ts"
import { Money } from "./Money.ts"
import { Quantity } from "./Quantity.ts"
import { Sscc } from "./Sscc.ts"
import { TimeWindow } from "./TimeWindow.ts"

export const ShipmentStatus = Schema.Literals(["planned", "tendered", "carrier_assigned", "loading", "departed", "in_transit", "delayed", "arrived", "delivered", "cancelled"])
export type ShipmentStatus = typeof ShipmentStatus.Type

export const TransportMode = Schema.Literals(["FTL", "LTL", "PARCEL", "INTERMODAL", "OCEAN", "AIR"])
export type TransportMode = typeof TransportMode.Type

const sequenceNo = Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)))

export class Stop extends Schema.Class<Stop>("logimesh/model/Stop")({
  sequence: sequenceNo,
  kind: Schema.Literals(["pickup", "delivery"]),
  /** Pickups happen at a site of the mesh; deliveries at an address. */
  site: Schema.optionalKey(SiteId),
  address: Schema.optionalKey(Address),
  dock: Schema.optionalKey(DockDoorId),
  appointment: Schema.optionalKey(TimeWindow),
  orders: Schema.Array(OrderId)
}) {}

export class Leg extends Schema.Class<Leg>("logimesh/model/Leg")({
  fromStop: sequenceNo,
  toStop: sequenceNo,
  carrier: Scac,
  mode: TransportMode,
  /** Carrier progressive number (PRO) once the carrier assigned one. */
  proNumber: Schema.optionalKey(Schema.NonEmptyString)
}) {}

export class Freight extends Schema.Class<Freight>("logimesh/model/Freight")({
  charge: Money,
  grossWeight: Quantity,
  handlingUnits: Schema.Array(Sscc)
}) {}

const stopsInRouteSequence = Schema.makeFilter(
  (plan: { readonly stops: ReadonlyArray<{ readonly sequence: number }>; readonly legs: ReadonlyArray<{ readonly fromStop: number; readonly toStop: number }> }) => {
    const sequences = plan.stops.map((s) => s.sequence)
    const ordered = sequences.every((s, i) => s === i + 1)
    const legsOk = plan.legs.every((l) => l.fromStop < l.toStop && l.toStop <= sequences.length)
    return ordered && legsOk
  },
  { expected: "stops numbered 1..n in route order, and legs running forward between existing stops" }
)

export class ShipmentPlan extends Schema.Class<ShipmentPlan>("logimesh/model/ShipmentPlan")(
  Schema.Struct({
    id: ShipmentId,
    revision: Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1))),
    status: ShipmentStatus,
    stops: Schema.Array(Stop).pipe(Schema.check(Schema.isMinLength(2))),
    legs: Schema.Array(Leg).pipe(Schema.check(Schema.isMinLength(1))),
    freight: Freight,
    /** Bill of lading number, once issued. */
    bolNumber: Schema.optionalKey(Schema.NonEmptyString)
  }).pipe(Schema.check(stopsInRouteSequence))
) {}
