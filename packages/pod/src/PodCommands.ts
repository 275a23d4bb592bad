/**
 * Commands of the pod module (entity `pod`, key = shipment id): the
 * carrier's proof of delivery of one shipment, or a failed delivery attempt
 * (through the API, `POST /v1/shipments/{shipment}/pod`). Every command
 * carries `by` (who asked; ownership is checked before the decider). Names
 * and fields follow docs/order-to-delivery.md, "Modules > pod".
 */
import { Schema } from "effect"
import { boundedText, IsoWithOffset, OrderId, ShipmentId, SourceSystem, TextLimits } from "@logimesh/model"

/** What happened at the door. */
export const PodOutcome = Schema.Literals(["delivered", "failed"])
export type PodOutcome = typeof PodOutcome.Type

/**
 * A delivery (`receivedBy`, `signatureRef`) or a failed attempt (`reason`);
 * `at` is an ISO-8601 instant with an offset.
 */
export class CapturePod extends Schema.TaggedClass<CapturePod>("logimesh/pod/CapturePod")("CapturePod", {
  by: SourceSystem,
  shipment: ShipmentId,
  order: OrderId,
  outcome: PodOutcome,
  receivedBy: Schema.optionalKey(boundedText(TextLimits.name)),
  signatureRef: Schema.optionalKey(boundedText(TextLimits.reference)),
  reason: Schema.optionalKey(boundedText(TextLimits.reason)),
  at: IsoWithOffset
}) {}

export const PodCommand = Schema.Union([CapturePod])
export type PodCommand = typeof PodCommand.Type
