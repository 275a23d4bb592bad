/**
 * Events of the pod module: a proof of delivery captured (with its
 * reference `POD-<shipment>-<n>`, n = the delivery attempt) or a failed
 * delivery attempt (numbered), as the audit trail stores them and the region
 * flows turn them into commands (order, shipment) and system messages (ERP,
 * dispatch, customer) (docs/order-to-delivery.md, "Flows").
 */
import { Schema } from "effect"
import { IsoWithOffset, OrderId, ShipmentId } from "@logimesh/model"

/** Delivery attempts are numbered from 1. */
export const AttemptNumber = Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)))

export class PodCaptured extends Schema.TaggedClass<PodCaptured>("logimesh/pod/PodCaptured")("PodCaptured", {
  shipment: ShipmentId,
  order: OrderId,
  /** `POD-<shipment>-<n>`, n = the attempt that delivered. */
  pod: Schema.String,
  receivedBy: Schema.String,
  signatureRef: Schema.optionalKey(Schema.String),
  at: IsoWithOffset
}) {}

export class DeliveryAttemptFailed extends Schema.TaggedClass<DeliveryAttemptFailed>("logimesh/pod/DeliveryAttemptFailed")("DeliveryAttemptFailed", {
  shipment: ShipmentId,
  order: OrderId,
  attempt: AttemptNumber,
  reason: Schema.String,
  at: IsoWithOffset
}) {}

export const PodEvent = Schema.Union([PodCaptured, DeliveryAttemptFailed])
export type PodEvent = typeof PodEvent.Type
