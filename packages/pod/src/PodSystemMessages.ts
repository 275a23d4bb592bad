/**
 * What the POD's flows tell the outside systems: one Schema per message
 * type and version.
 *   erp        pod-attached, delivery-failed
 *   dispatch   delivery-failed
 *   customer   notification (kind `delivered`)
 */
import { Schema } from "effect"
import { OrderId, ShipmentId, systemMessageType } from "@logimesh/model"
import { DeliveryAttemptFailed, PodCaptured } from "./PodEvents.ts"

export const PodAttachedToErp = systemMessageType("erp", "pod-attached", 1, PodCaptured.fields)

export const DeliveryFailedToErp = systemMessageType("erp", "delivery-failed", 1, DeliveryAttemptFailed.fields)

export const DeliveryFailedToDispatch = systemMessageType("dispatch", "delivery-failed", 1, DeliveryAttemptFailed.fields)

export const DeliveredToCustomer = systemMessageType("customer", "notification", 1, {
  kind: Schema.Literal("delivered"),
  order: OrderId,
  shipment: ShipmentId,
  pod: Schema.String
})

/** Every message type the POD's flows send. */
export const podSystemMessages = [PodAttachedToErp, DeliveryFailedToErp, DeliveryFailedToDispatch, DeliveredToCustomer] as const
