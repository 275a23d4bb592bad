/**
 * What each shipment event causes:
 *   ShipmentReadyToShip -> order packed; dispatch ready-to-ship (actual weights and dimensions),
 *                          ERP fulfilment-progress (ready to ship)
 *   CarrierTendered     -> carrier(scac) tender
 *   TenderAccepted      -> dispatch tender-accepted
 *   TenderRejected      -> dispatch tender-rejected (dispatch re-tenders)
 *   ShipmentRevised     -> WES(site) labels-revised (labels, staging lane, loading priority);
 *                          ERP freight-updated (freight, delivery commitment)
 *   ShipmentLoaded      -> order loaded; dispatch load-confirmed
 *   MilestoneRecorded   -> departed: order shipped, ERP shipment-confirmed (invoicing trigger),
 *                          customer notification; other milestones: customer notification (delayed),
 *                          carrier and dispatch see them through the API
 */
import type { EffectMessage } from "@logimesh/engine"
import { OrderCommand, RecordShipmentProgress } from "@logimesh/order"
import {
  DelayedToCustomer,
  FreightUpdatedToErp,
  LabelsRevisedToWes,
  LoadConfirmedToDispatch,
  ReadyToShipToDispatch,
  ReadyToShipToErp,
  ShipmentConfirmedToErp,
  type ShipmentEvent,
  type ShipmentState,
  ShippedToCustomer,
  TenderAcceptedToDispatch,
  TenderRejectedToDispatch,
  TenderToCarrier
} from "@logimesh/shipment"
import type { Flow } from "../modules/RegionModule.ts"
import { LOGIMESH, toCarrier, toCentral, toModule, toWes } from "./flowMessages.ts"
import { definedFields } from "@logimesh/model"

export const shipmentFlow: Flow<ShipmentEvent, ShipmentState> =
  ({ region }) =>
  (_key, event) => {
    const progress = (order: RecordShipmentProgress) => toModule(region, "order", OrderCommand, order)
    const out: Array<EffectMessage> = []
    switch (event._tag) {
      case "ShipmentReadyToShip":
        out.push(progress(new RecordShipmentProgress({ by: LOGIMESH, order: event.order, shipment: event.shipment, stage: "packed" })))
        out.push(toCentral(ReadyToShipToDispatch, event))
        out.push(toCentral(ReadyToShipToErp, { ...event, stage: "ready_to_ship" }))
        break
      case "CarrierTendered":
        out.push(toCarrier(event.carrier, TenderToCarrier, event))
        break
      case "TenderAccepted":
        out.push(toCentral(TenderAcceptedToDispatch, event))
        break
      case "TenderRejected":
        out.push(toCentral(TenderRejectedToDispatch, event))
        break
      case "ShipmentRevised": {
        out.push(
          toWes(event.site, LabelsRevisedToWes, {
            shipment: event.shipment,
            order: event.order,
            carrier: event.carrier,
            route: event.route,
            stagingLane: event.stagingLane,
            loadingPriority: event.loadingPriority,
            labels: event.labels
          })
        )
        out.push(
          toCentral(FreightUpdatedToErp, {
            shipment: event.shipment,
            order: event.order,
            carrier: event.carrier,
            freight: event.freight,
            deliveryCommitment: event.deliveryCommitment
          })
        )
        break
      }
      case "ShipmentLoaded":
        out.push(progress(new RecordShipmentProgress({ by: LOGIMESH, order: event.order, shipment: event.shipment, stage: "loaded" })))
        out.push(toCentral(LoadConfirmedToDispatch, event))
        break
      case "MilestoneRecorded":
        if (event.milestone === "departed") {
          out.push(progress(new RecordShipmentProgress({ by: LOGIMESH, order: event.order, shipment: event.shipment, stage: "shipped" })))
          out.push(toCentral(ShipmentConfirmedToErp, { ...event, invoiceTrigger: true }))
          out.push(toCentral(ShippedToCustomer, { kind: "shipped", order: event.order, shipment: event.shipment, carrier: event.carrier }))
        }
        if (event.milestone === "delayed") {
          out.push(toCentral(DelayedToCustomer, { kind: "delayed", order: event.order, shipment: event.shipment, ...definedFields({ detail: event.detail }) }))
        }
        break
      case "ShipmentRequested":
      case "CartonPacked":
      case "ShipmentCancelled":
      case "ShipmentDelivered":
      case "ShipmentDeliveryFailed":
        break
    }
    return out
  }
