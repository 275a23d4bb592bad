/**
 * What each proof-of-delivery event causes:
 *   PodCaptured           -> order delivered, shipment delivered; ERP pod-attached (POD reference),
 *                            customer notification delivered
 *   DeliveryAttemptFailed -> order delivery_failed, shipment delivery failed; ERP delivery-failed,
 *                            dispatch delivery-failed (plans the redelivery)
 */
import { Schema } from "effect"
import { Subjects } from "@logimesh/bus"
import type { EffectMessage } from "@logimesh/engine"
import { OrderCommand, RecordShipmentProgress } from "@logimesh/order"
import { PodEvent, type PodState } from "@logimesh/pod"
import { RecordDelivery, ShipmentCommand } from "@logimesh/shipment"
import type { Flow } from "../modules/RegionModule.ts"
import { LOGIMESH, toModule, toSystem } from "./flowMessages.ts"

const encodeEvent = Schema.encodeSync(PodEvent)

export const podFlow: Flow<PodEvent, PodState> = ({ region }) => (_key, event) => {
  const out: Array<EffectMessage> = []
  const data = encodeEvent(event) as Record<string, unknown>
  switch (event._tag) {
    case "PodCaptured":
      out.push(toModule(region, "order", OrderCommand, new RecordShipmentProgress({ by: LOGIMESH, order: event.order, shipment: event.shipment, stage: "delivered" })))
      out.push(toModule(region, "shipment", ShipmentCommand, new RecordDelivery({ by: LOGIMESH, shipment: event.shipment, outcome: "delivered" })))
      out.push(toSystem(Subjects.centralSystem("erp", "pod-attached"), "pod-attached", data))
      out.push(toSystem(Subjects.centralSystem("customer", "notification"), "notification", { kind: "delivered", order: event.order, shipment: event.shipment, pod: event.pod }))
      break
    case "DeliveryAttemptFailed":
      out.push(toModule(region, "order", OrderCommand, new RecordShipmentProgress({ by: LOGIMESH, order: event.order, shipment: event.shipment, stage: "delivery_failed", detail: event.reason })))
      out.push(toModule(region, "shipment", ShipmentCommand, new RecordDelivery({ by: LOGIMESH, shipment: event.shipment, outcome: "failed" })))
      out.push(toSystem(Subjects.centralSystem("erp", "delivery-failed"), "delivery-failed", data))
      out.push(toSystem(Subjects.centralSystem("dispatch", "delivery-failed"), "delivery-failed", data))
      break
  }
  return out
}
