/**
 * State of one pod entity (the deliveries of one shipment), as the decider
 * folds it from the events and the engine stores it (JSON snapshot through
 * this schema): the failed attempts so far and, once delivered, the
 * captured POD (reference, receiver, signature, time).
 */
import { Schema } from "effect"
import { IsoWithOffset, OrderId, ShipmentId } from "@logimesh/model"
import { AttemptNumber } from "./PodEvents.ts"

/** `none` (no attempt yet) -> `delivery_failed` (attempts failed so far) -> `delivered` (POD captured; final). */
export const PodStatus = Schema.Literals(["none", "delivery_failed", "delivered"])
export type PodStatus = typeof PodStatus.Type

export class FailedAttempt extends Schema.Class<FailedAttempt>("logimesh/pod/FailedAttempt")({
  attempt: AttemptNumber,
  reason: Schema.String,
  at: IsoWithOffset
}) {}

export class PodState extends Schema.TaggedClass<PodState>("logimesh/pod/PodState")("PodState", {
  status: PodStatus,
  shipment: Schema.optionalKey(ShipmentId),
  order: Schema.optionalKey(OrderId),
  /** The captured POD reference `POD-<shipment>-<n>`. */
  pod: Schema.optionalKey(Schema.String),
  receivedBy: Schema.optionalKey(Schema.String),
  signatureRef: Schema.optionalKey(Schema.String),
  /** When the POD was captured. */
  at: Schema.optionalKey(IsoWithOffset),
  attempts: Schema.Array(FailedAttempt)
}) {}
