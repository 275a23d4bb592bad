/**
 * State of one shipment entity, as the decider folds it from the events and
 * the engine stores it (JSON snapshot through this schema). Queries read it:
 * status, order, site, ship-to, cartons, the open tender, the carrier in
 * force with route and freight, rejected tenders, the latest revision, the
 * load, milestones and the delivery outcome. Header fields are absent while
 * the shipment does not exist (`status: "none"`).
 */
import { Schema } from "effect"
import {
  Address,
  Dimensions,
  DockDoorId,
  IsoWithOffset,
  Money,
  OrderId,
  Quantity,
  Scac,
  ServiceLevel,
  ShipmentId,
  SiteId,
  Sscc,
  TimeWindow
} from "@logimesh/model"
import { CartonContent, DeliveryOutcome, ShipmentMilestone } from "./ShipmentCommands.ts"

/**
 * `none` (not requested yet) -> `requested` -> `packing` (a carton packed) ->
 * `ready_to_ship` (packing complete) -> `tendered` -> `carrier_assigned`
 * (tender accepted) -> `loaded` -> `departed` -> `in_transit` | `delayed` ->
 * `arrived` -> `delivered` | `delivery_failed`; `cancelled`. A rejected tender
 * returns to the packing status (`requested` / `packing` / `ready_to_ship`)
 * with no carrier. Tendering may start before packing completes: packing
 * then goes on while `tendered` / `carrier_assigned`.
 */
export const ShipmentStatus = Schema.Literals([
  "none",
  "requested",
  "packing",
  "ready_to_ship",
  "tendered",
  "carrier_assigned",
  "loaded",
  "departed",
  "in_transit",
  "delayed",
  "arrived",
  "delivered",
  "delivery_failed",
  "cancelled"
])
export type ShipmentStatus = typeof ShipmentStatus.Type

/** A packed carton with its contents. */
export class PackedCarton extends Schema.Class<PackedCarton>("logimesh/shipment/PackedCarton")({
  sscc: Sscc,
  weight: Quantity,
  dimensions: Dimensions,
  contents: Schema.Array(CartonContent)
}) {}

/** An offer to a carrier: open until it answers, or the agreed plan once accepted. */
export class Tender extends Schema.Class<Tender>("logimesh/shipment/Tender")({
  carrier: Scac,
  route: Schema.String,
  freight: Money
}) {}

/** A tender the carrier turned down. */
export class RejectedTender extends Schema.Class<RejectedTender>("logimesh/shipment/RejectedTender")({
  carrier: Scac,
  reason: Schema.String
}) {}

/** What the latest revision added to the plan (its carrier, route and freight are the state's). */
export class Revision extends Schema.Class<Revision>("logimesh/shipment/Revision")({
  deliveryCommitment: IsoWithOffset,
  stagingLane: Schema.String,
  loadingPriority: Schema.Int
}) {}

/** Where and what was loaded. */
export class Load extends Schema.Class<Load>("logimesh/shipment/Load")({
  dockDoor: DockDoorId,
  ssccs: Schema.Array(Sscc)
}) {}

export class RecordedMilestone extends Schema.Class<RecordedMilestone>("logimesh/shipment/RecordedMilestone")({
  milestone: ShipmentMilestone,
  at: IsoWithOffset,
  detail: Schema.optionalKey(Schema.String)
}) {}

export class ShipmentState extends Schema.TaggedClass<ShipmentState>("logimesh/shipment/ShipmentState")("ShipmentState", {
  status: ShipmentStatus,
  shipment: Schema.optionalKey(ShipmentId),
  order: Schema.optionalKey(OrderId),
  site: Schema.optionalKey(SiteId),
  shipTo: Schema.optionalKey(Address),
  serviceLevel: Schema.optionalKey(ServiceLevel),
  deliveryWindow: Schema.optionalKey(TimeWindow),
  weightEstimate: Schema.optionalKey(Quantity),
  hazmat: Schema.Boolean,
  cartons: Schema.Array(PackedCarton),
  packingComplete: Schema.Boolean,
  /** Sum of the carton weights, once packing is complete. */
  totalWeight: Schema.optionalKey(Quantity),
  /** The open tender, awaiting the carrier's answer. */
  tendered: Schema.optionalKey(Tender),
  /** The carrier in force (accepted tender, as revised since), its route and freight. Absent = no carrier. */
  carrier: Schema.optionalKey(Scac),
  route: Schema.optionalKey(Schema.String),
  freight: Schema.optionalKey(Money),
  rejectedTenders: Schema.Array(RejectedTender),
  revision: Schema.optionalKey(Revision),
  load: Schema.optionalKey(Load),
  milestones: Schema.Array(RecordedMilestone),
  /** The latest delivery outcome reported by the POD module. */
  delivery: Schema.optionalKey(DeliveryOutcome),
  failedDeliveries: Schema.Int
}) {}
