/**
 * What each proof-of-delivery event causes:
 *   PodCaptured           -> order delivered, shipment delivered; ERP pod-attached (POD reference),
 *                            customer notification delivered
 *   DeliveryAttemptFailed -> order delivery_failed, shipment delivery failed; ERP delivery-failed,
 *                            dispatch delivery-failed (plans the redelivery)
 */
import type { EffectMessage } from "@logimesh/engine"
import { OrderCommand, RecordShipmentProgress } from "@logimesh/order"
import { DeliveredToCustomer, DeliveryFailedToDispatch, DeliveryFailedToErp, PodAttachedToErp, type PodEvent, type PodState } from "@logimesh/pod"
import { RecordDelivery, ShipmentCommand } from "@logimesh/shipment"
import type { Flow } from "../modules/RegionModule.ts"
import { LOGIMESH, toCentral, toModule } from "./flowMessages.ts"

export const podFlow: Flow<PodEvent, PodState> =
  ({ region }) =>
  (_key, event) => {
    const out: Array<EffectMessage> = []
    switch (event._tag) {
      case "PodCaptured":
        out.push(
          toModule(
            region,
            "order",
            OrderCommand,
            new RecordShipmentProgress({ by: LOGIMESH, order: event.order, shipment: event.shipment, stage: "delivered" })
          )
        )
        out.push(toModule(region, "shipment", ShipmentCommand, new RecordDelivery({ by: LOGIMESH, shipment: event.shipment, outcome: "delivered" })))
        out.push(toCentral(PodAttachedToErp, event))
        out.push(toCentral(DeliveredToCustomer, { kind: "delivered", order: event.order, shipment: event.shipment, pod: event.pod }))
        break
      case "DeliveryAttemptFailed":
        out.push(
          toModule(
            region,
            "order",
            OrderCommand,
            new RecordShipmentProgress({ by: LOGIMESH, order: event.order, shipment: event.shipment, stage: "delivery_failed", detail: event.reason })
          )
        )
        out.push(toModule(region, "shipment", ShipmentCommand, new RecordDelivery({ by: LOGIMESH, shipment: event.shipment, outcome: "failed" })))
        out.push(toCentral(DeliveryFailedToErp, event))
        out.push(toCentral(DeliveryFailedToDispatch, event))
        break
    }
    return out
  }
