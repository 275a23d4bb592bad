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
import { Schema } from "effect"
import { Subjects } from "@logimesh/bus"
import type { EffectMessage } from "@logimesh/engine"
import { OrderCommand, RecordShipmentProgress } from "@logimesh/order"
import { ShipmentEvent, type ShipmentState } from "@logimesh/shipment"
import type { Flow } from "../modules/RegionModule.ts"
import { LOGIMESH, toModule, toSystem } from "./flowMessages.ts"

const encodeEvent = Schema.encodeSync(ShipmentEvent)

export const shipmentFlow: Flow<ShipmentEvent, ShipmentState> = ({ region }) => (_key, event) => {
  const data = () => encodeEvent(event) as Record<string, unknown>
  const progress = (order: RecordShipmentProgress) => toModule(region, "order", OrderCommand, order)
  const out: Array<EffectMessage> = []
  switch (event._tag) {
    case "ShipmentReadyToShip":
      out.push(progress(new RecordShipmentProgress({ by: LOGIMESH, order: event.order, shipment: event.shipment, stage: "packed" })))
      out.push(toSystem(Subjects.centralSystem("dispatch", "ready-to-ship"), "ready-to-ship", data()))
      out.push(toSystem(Subjects.centralSystem("erp", "fulfilment-progress"), "fulfilment-progress", { ...data(), stage: "ready_to_ship" }))
      break
    case "CarrierTendered":
      out.push(toSystem(Subjects.carrier(event.carrier, "tender"), "tender", data()))
      break
    case "TenderAccepted":
      out.push(toSystem(Subjects.centralSystem("dispatch", "tender-accepted"), "tender-accepted", data()))
      break
    case "TenderRejected":
      out.push(toSystem(Subjects.centralSystem("dispatch", "tender-rejected"), "tender-rejected", data()))
      break
    case "ShipmentRevised": {
      const revised = data()
      out.push(toSystem(Subjects.siteWes(event.site, "labels-revised"), "labels-revised", {
        shipment: event.shipment,
        order: event.order,
        carrier: event.carrier,
        route: event.route,
        stagingLane: event.stagingLane,
        loadingPriority: event.loadingPriority,
        labels: revised["labels"]
      }))
      out.push(toSystem(Subjects.centralSystem("erp", "freight-updated"), "freight-updated", {
        shipment: event.shipment,
        order: event.order,
        carrier: event.carrier,
        freight: revised["freight"],
        deliveryCommitment: event.deliveryCommitment
      }))
      break
    }
    case "ShipmentLoaded":
      out.push(progress(new RecordShipmentProgress({ by: LOGIMESH, order: event.order, shipment: event.shipment, stage: "loaded" })))
      out.push(toSystem(Subjects.centralSystem("dispatch", "load-confirmed"), "load-confirmed", data()))
      break
    case "MilestoneRecorded":
      if (event.milestone === "departed") {
        out.push(progress(new RecordShipmentProgress({ by: LOGIMESH, order: event.order, shipment: event.shipment, stage: "shipped" })))
        out.push(toSystem(Subjects.centralSystem("erp", "shipment-confirmed"), "shipment-confirmed", { ...data(), invoiceTrigger: true }))
        out.push(toSystem(Subjects.centralSystem("customer", "notification"), "notification", { kind: "shipped", order: event.order, shipment: event.shipment, carrier: event.carrier }))
      }
      if (event.milestone === "delayed") {
        out.push(toSystem(Subjects.centralSystem("customer", "notification"), "notification", { kind: "delayed", order: event.order, shipment: event.shipment, detail: event.detail }))
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
