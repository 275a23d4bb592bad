/**
 * Commands of the shipment module (entity `shipment`, key = shipment id
 * `S-<order>`): the shipment request (from the order flow), packing (WES),
 * tendering, carrier responses and revisions (dispatch, carriers), load
 * confirmation (WES), milestones (carriers), cancellation and the delivery
 * outcome (flows). Every command carries `by` (who asked; ownership is
 * checked before the decider). Names and fields follow
 * docs/order-to-delivery.md, "Modules > shipment".
 */
import { Schema } from "effect"
import {
  Address,
  boundedText,
  Dimensions,
  DockDoorId,
  IsoWithOffset,
  ItemId,
  ItemLimits,
  Money,
  OrderId,
  Quantity,
  Scac,
  ServiceLevel,
  ShipmentId,
  SiteId,
  SourceSystem,
  Sscc,
  TextLimits,
  TimeWindow
} from "@logimesh/model"

/** Order line numbers are positive integers. */
export const LineNumber = Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)))

/** One order line's quantity packed in a carton. */
export class CartonContent extends Schema.Class<CartonContent>("logimesh/shipment/CartonContent")({
  lineNumber: LineNumber,
  item: ItemId,
  quantity: Quantity
}) {}

/** The carrier's milestones of a shipment on its way (delivery itself comes from the POD). */
export const ShipmentMilestone = Schema.Literals(["departed", "in_transit", "delayed", "arrived"])
export type ShipmentMilestone = typeof ShipmentMilestone.Type

/** Outcome of a delivery, as the POD module reports it. */
export const DeliveryOutcome = Schema.Literals(["delivered", "failed"])
export type DeliveryOutcome = typeof DeliveryOutcome.Type

/** Sent by the order flow on `OrderReleased`: one shipment per order. */
export class RequestShipment extends Schema.TaggedClass<RequestShipment>("logimesh/shipment/RequestShipment")("RequestShipment", {
  by: SourceSystem,
  shipment: ShipmentId,
  order: OrderId,
  site: SiteId,
  shipTo: Address,
  serviceLevel: ServiceLevel,
  deliveryWindow: Schema.optionalKey(TimeWindow),
  /** Estimated gross weight of the whole order (KG). */
  weightEstimate: Quantity,
  hazmat: Schema.Boolean
}) {}

/** One packed carton (WES). Its weight is in the shipment's weight unit. */
export class PackCarton extends Schema.TaggedClass<PackCarton>("logimesh/shipment/PackCarton")("PackCarton", {
  by: SourceSystem,
  shipment: ShipmentId,
  sscc: Sscc,
  weight: Quantity,
  dimensions: Dimensions,
  contents: Schema.Array(CartonContent).pipe(Schema.check(Schema.isMaxLength(ItemLimits.cartons)))
}) {}

/** Packing is done (WES): the shipment is ready to ship with the cartons packed so far. */
export class CompletePacking extends Schema.TaggedClass<CompletePacking>("logimesh/shipment/CompletePacking")("CompletePacking", {
  by: SourceSystem,
  shipment: ShipmentId
}) {}

/** Offer the shipment to a carrier (dispatch). */
export class TenderCarrier extends Schema.TaggedClass<TenderCarrier>("logimesh/shipment/TenderCarrier")("TenderCarrier", {
  by: SourceSystem,
  shipment: ShipmentId,
  carrier: Scac,
  route: boundedText(TextLimits.reference),
  freight: Money
}) {}

/** The tendered carrier accepts or rejects the tender. */
export class RespondToTender extends Schema.TaggedClass<RespondToTender>("logimesh/shipment/RespondToTender")("RespondToTender", {
  by: SourceSystem,
  shipment: ShipmentId,
  carrier: Scac,
  accepted: Schema.Boolean,
  reason: Schema.optionalKey(boundedText(TextLimits.reason))
}) {}

/** Dispatch re-plans an assigned shipment: carrier, route, freight, delivery commitment, staging and loading order. */
export class ReviseShipment extends Schema.TaggedClass<ReviseShipment>("logimesh/shipment/ReviseShipment")("ReviseShipment", {
  by: SourceSystem,
  shipment: ShipmentId,
  carrier: Scac,
  route: boundedText(TextLimits.reference),
  freight: Money,
  /** ISO-8601 instant with an offset. */
  deliveryCommitment: IsoWithOffset,
  stagingLane: boundedText(TextLimits.reference),
  loadingPriority: Schema.Int
}) {}

/** The cartons went onto the truck at a dock door (WES). */
export class ConfirmLoad extends Schema.TaggedClass<ConfirmLoad>("logimesh/shipment/ConfirmLoad")("ConfirmLoad", {
  by: SourceSystem,
  shipment: ShipmentId,
  dockDoor: DockDoorId,
  ssccs: Schema.Array(Sscc).pipe(Schema.check(Schema.isMaxLength(ItemLimits.cartons)))
}) {}

/** A carrier milestone; `at` is an ISO-8601 instant with an offset. */
export class RecordMilestone extends Schema.TaggedClass<RecordMilestone>("logimesh/shipment/RecordMilestone")("RecordMilestone", {
  by: SourceSystem,
  shipment: ShipmentId,
  milestone: ShipmentMilestone,
  at: IsoWithOffset,
  detail: Schema.optionalKey(boundedText(TextLimits.reason))
}) {}

/** Sent by the order flow on `OrderCancelled`. */
export class CancelShipment extends Schema.TaggedClass<CancelShipment>("logimesh/shipment/CancelShipment")("CancelShipment", {
  by: SourceSystem,
  shipment: ShipmentId,
  reason: boundedText(TextLimits.reason)
}) {}

/** Sent by the POD flow: the delivery succeeded or an attempt failed. */
export class RecordDelivery extends Schema.TaggedClass<RecordDelivery>("logimesh/shipment/RecordDelivery")("RecordDelivery", {
  by: SourceSystem,
  shipment: ShipmentId,
  outcome: DeliveryOutcome
}) {}

export const ShipmentCommand = Schema.Union([
  RequestShipment,
  PackCarton,
  CompletePacking,
  TenderCarrier,
  RespondToTender,
  ReviseShipment,
  ConfirmLoad,
  RecordMilestone,
  CancelShipment,
  RecordDelivery
])
export type ShipmentCommand = typeof ShipmentCommand.Type
