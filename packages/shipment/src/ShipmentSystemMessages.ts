/**
 * What the shipment's flows tell the outside systems: one Schema per message
 * type and version.
 *   dispatch   ready-to-ship, tender-accepted, tender-rejected, load-confirmed
 *   erp        fulfilment-progress (stage `ready_to_ship`), freight-updated, shipment-confirmed
 *   carrier    tender
 *   wes        labels-revised
 *   customer   notification (kind `shipped` or `delayed`)
 */
import { Schema } from "effect"
import { IsoWithOffset, Money, OrderId, Scac, ShipmentId, systemMessageType } from "@logimesh/model"
import { CarrierTendered, CartonLabel, MilestoneRecorded, ShipmentLoaded, ShipmentReadyToShip, TenderAccepted, TenderRejected } from "./ShipmentEvents.ts"

export const ReadyToShipToDispatch = systemMessageType("dispatch", "ready-to-ship", 1, ShipmentReadyToShip.fields)

export const ReadyToShipToErp = systemMessageType("erp", "fulfilment-progress", 1, {
  ...ShipmentReadyToShip.fields,
  stage: Schema.Literal("ready_to_ship")
})

export const TenderToCarrier = systemMessageType("carrier", "tender", 1, CarrierTendered.fields)

export const TenderAcceptedToDispatch = systemMessageType("dispatch", "tender-accepted", 1, TenderAccepted.fields)

export const TenderRejectedToDispatch = systemMessageType("dispatch", "tender-rejected", 1, TenderRejected.fields)

export const LabelsRevisedToWes = systemMessageType("wes", "labels-revised", 1, {
  shipment: ShipmentId,
  order: OrderId,
  carrier: Scac,
  route: Schema.String,
  stagingLane: Schema.String,
  loadingPriority: Schema.Int,
  labels: Schema.Array(CartonLabel)
})

export const FreightUpdatedToErp = systemMessageType("erp", "freight-updated", 1, {
  shipment: ShipmentId,
  order: OrderId,
  carrier: Scac,
  freight: Money,
  deliveryCommitment: IsoWithOffset
})

export const LoadConfirmedToDispatch = systemMessageType("dispatch", "load-confirmed", 1, ShipmentLoaded.fields)

/** The departure: the shipment is confirmed and can be invoiced. */
export const ShipmentConfirmedToErp = systemMessageType("erp", "shipment-confirmed", 1, {
  ...MilestoneRecorded.fields,
  invoiceTrigger: Schema.Literal(true)
})

export const ShippedToCustomer = systemMessageType("customer", "notification", 1, {
  kind: Schema.Literal("shipped"),
  order: OrderId,
  shipment: ShipmentId,
  carrier: Scac
})

export const DelayedToCustomer = systemMessageType("customer", "notification", 1, {
  kind: Schema.Literal("delayed"),
  order: OrderId,
  shipment: ShipmentId,
  detail: Schema.optionalKey(Schema.String)
})

/** Every message type the shipment's flows send. */
export const shipmentSystemMessages = [
  ReadyToShipToDispatch,
  ReadyToShipToErp,
  TenderToCarrier,
  TenderAcceptedToDispatch,
  TenderRejectedToDispatch,
  LabelsRevisedToWes,
  FreightUpdatedToErp,
  LoadConfirmedToDispatch,
  ShipmentConfirmedToErp,
  ShippedToCustomer,
  DelayedToCustomer
] as const
