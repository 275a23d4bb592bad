/**
 * @logimesh/shipment — the shipment module (entity `shipment`, key = shipment
 * id `S-<order>`): one outbound shipment from request to delivery. The order
 * flow requests and cancels it; the site's WES packs cartons, completes
 * packing and confirms the load; dispatch tenders and revises; carriers
 * answer tenders and report milestones; the POD flow records the delivery
 * outcome. Pure decider plus Schema codecs (docs/order-to-delivery.md).
 */
export {
  CancelShipment,
  CartonContent,
  CompletePacking,
  ConfirmLoad,
  DeliveryOutcome,
  LineNumber,
  PackCarton,
  RecordDelivery,
  RecordMilestone,
  RequestShipment,
  RespondToTender,
  ReviseShipment,
  ShipmentCommand,
  ShipmentMilestone,
  TenderCarrier
} from "./ShipmentCommands.ts"
export { decide, evolve, initialState, NO_REASON_GIVEN, type ShipmentDecision } from "./ShipmentDecider.ts"
export {
  CarrierTendered,
  CartonLabel,
  CartonPacked,
  CartonSummary,
  MilestoneRecorded,
  ShipmentCancelled,
  ShipmentDelivered,
  ShipmentDeliveryFailed,
  ShipmentEvent,
  ShipmentLoaded,
  ShipmentReadyToShip,
  ShipmentRequested,
  ShipmentRevised,
  TenderAccepted,
  TenderRejected
} from "./ShipmentEvents.ts"
export { shipmentEntity } from "./shipmentEntity.ts"
export { shipmentModule } from "./shipmentModule.ts"
export { CartonsMissing, InvalidState, NoCartons, NotTendered, ShipmentRejection, UnitMismatch } from "./ShipmentRejections.ts"
export {
  Load,
  PackedCarton,
  RecordedMilestone,
  RejectedTender,
  Revision,
  ShipmentState,
  ShipmentStatus,
  Tender
} from "./ShipmentState.ts"
export {
  DelayedToCustomer,
  FreightUpdatedToErp,
  LabelsRevisedToWes,
  LoadConfirmedToDispatch,
  ReadyToShipToDispatch,
  ReadyToShipToErp,
  ShipmentConfirmedToErp,
  shipmentSystemMessages,
  ShippedToCustomer,
  TenderAcceptedToDispatch,
  TenderRejectedToDispatch,
  TenderToCarrier
} from "./ShipmentSystemMessages.ts"
