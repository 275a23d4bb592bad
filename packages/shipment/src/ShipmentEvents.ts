/**
 * Events of the shipment module: the facts of one shipment's life (request,
 * cartons, tender, carrier assignment, revision, load, milestones,
 * cancellation, delivery), as the audit trail stores them and the region
 * flows turn them into commands and system messages
 * (docs/order-to-delivery.md, "Flows").
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
import { CartonContent, ShipmentMilestone } from "./ShipmentCommands.ts"

/** A packed carton as dispatch plans with it: SSCC, actual weight and dimensions. */
export class CartonSummary extends Schema.Class<CartonSummary>("logimesh/shipment/CartonSummary")({
  sscc: Sscc,
  weight: Quantity,
  dimensions: Dimensions
}) {}

/** The carrier label a carton needs after a revision. */
export class CartonLabel extends Schema.Class<CartonLabel>("logimesh/shipment/CartonLabel")({
  sscc: Sscc,
  carrier: Scac
}) {}

export class ShipmentRequested extends Schema.TaggedClass<ShipmentRequested>("logimesh/shipment/ShipmentRequested")("ShipmentRequested", {
  shipment: ShipmentId,
  order: OrderId,
  site: SiteId,
  shipTo: Address,
  serviceLevel: ServiceLevel,
  deliveryWindow: Schema.optionalKey(TimeWindow),
  weightEstimate: Quantity,
  hazmat: Schema.Boolean
}) {}

export class CartonPacked extends Schema.TaggedClass<CartonPacked>("logimesh/shipment/CartonPacked")("CartonPacked", {
  shipment: ShipmentId,
  order: OrderId,
  site: SiteId,
  sscc: Sscc,
  weight: Quantity,
  dimensions: Dimensions,
  contents: Schema.Array(CartonContent)
}) {}

export class ShipmentReadyToShip extends Schema.TaggedClass<ShipmentReadyToShip>("logimesh/shipment/ShipmentReadyToShip")("ShipmentReadyToShip", {
  shipment: ShipmentId,
  order: OrderId,
  site: SiteId,
  cartons: Schema.Array(CartonSummary),
  /** Sum of the cartons' weights (exact decimal). */
  totalWeight: Quantity
}) {}

export class CarrierTendered extends Schema.TaggedClass<CarrierTendered>("logimesh/shipment/CarrierTendered")("CarrierTendered", {
  shipment: ShipmentId,
  order: OrderId,
  site: SiteId,
  shipTo: Address,
  carrier: Scac,
  route: Schema.String,
  freight: Money
}) {}

export class TenderAccepted extends Schema.TaggedClass<TenderAccepted>("logimesh/shipment/TenderAccepted")("TenderAccepted", {
  shipment: ShipmentId,
  order: OrderId,
  carrier: Scac,
  route: Schema.String,
  freight: Money
}) {}

export class TenderRejected extends Schema.TaggedClass<TenderRejected>("logimesh/shipment/TenderRejected")("TenderRejected", {
  shipment: ShipmentId,
  order: OrderId,
  carrier: Scac,
  reason: Schema.String
}) {}

export class ShipmentRevised extends Schema.TaggedClass<ShipmentRevised>("logimesh/shipment/ShipmentRevised")("ShipmentRevised", {
  shipment: ShipmentId,
  order: OrderId,
  site: SiteId,
  carrier: Scac,
  route: Schema.String,
  freight: Money,
  deliveryCommitment: IsoWithOffset,
  stagingLane: Schema.String,
  loadingPriority: Schema.Int,
  /** One label per packed carton, for the (possibly new) carrier. */
  labels: Schema.Array(CartonLabel)
}) {}

export class ShipmentLoaded extends Schema.TaggedClass<ShipmentLoaded>("logimesh/shipment/ShipmentLoaded")("ShipmentLoaded", {
  shipment: ShipmentId,
  order: OrderId,
  site: SiteId,
  dockDoor: DockDoorId,
  ssccs: Schema.Array(Sscc)
}) {}

export class MilestoneRecorded extends Schema.TaggedClass<MilestoneRecorded>("logimesh/shipment/MilestoneRecorded")("MilestoneRecorded", {
  shipment: ShipmentId,
  order: OrderId,
  site: SiteId,
  carrier: Scac,
  milestone: ShipmentMilestone,
  at: IsoWithOffset,
  detail: Schema.optionalKey(Schema.String)
}) {}

export class ShipmentCancelled extends Schema.TaggedClass<ShipmentCancelled>("logimesh/shipment/ShipmentCancelled")("ShipmentCancelled", {
  shipment: ShipmentId,
  order: OrderId,
  site: SiteId
}) {}

export class ShipmentDelivered extends Schema.TaggedClass<ShipmentDelivered>("logimesh/shipment/ShipmentDelivered")("ShipmentDelivered", {
  shipment: ShipmentId,
  order: OrderId
}) {}

export class ShipmentDeliveryFailed extends Schema.TaggedClass<ShipmentDeliveryFailed>("logimesh/shipment/ShipmentDeliveryFailed")("ShipmentDeliveryFailed", {
  shipment: ShipmentId,
  order: OrderId
}) {}

export const ShipmentEvent = Schema.Union([
  ShipmentRequested,
  CartonPacked,
  ShipmentReadyToShip,
  CarrierTendered,
  TenderAccepted,
  TenderRejected,
  ShipmentRevised,
  ShipmentLoaded,
  MilestoneRecorded,
  ShipmentCancelled,
  ShipmentDelivered,
  ShipmentDeliveryFailed
])
export type ShipmentEvent = typeof ShipmentEvent.Type
