/**
 * Rejections of the shipment module, as data (recorded in the audit trail;
 * the API answers 409 for `InvalidState`, naming the state).
 */
import { Schema } from "effect"
import { Scac, ShipmentId, Sscc } from "@logimesh/model"

/** The command is not allowed in the shipment's current status (or conflicts with what was already applied). */
export class InvalidState extends Schema.TaggedClass<InvalidState>("logimesh/shipment/InvalidState")("InvalidState", {
  command: Schema.String,
  state: Schema.String,
  detail: Schema.String
}) {}

/** A quantity's unit differs from the shipment's (a carton weight vs the weight estimate, mixed dimension units). */
export class UnitMismatch extends Schema.TaggedClass<UnitMismatch>("logimesh/shipment/UnitMismatch")("UnitMismatch", {
  expected: Schema.String,
  got: Schema.String
}) {}

/** Packing cannot complete without at least one carton. */
export class NoCartons extends Schema.TaggedClass<NoCartons>("logimesh/shipment/NoCartons")("NoCartons", {
  shipment: ShipmentId
}) {}

/** A tender response from a carrier that holds no open tender of this shipment. */
export class NotTendered extends Schema.TaggedClass<NotTendered>("logimesh/shipment/NotTendered")("NotTendered", {
  carrier: Scac,
  /** The carrier with the open tender, if any. */
  tendered: Schema.optionalKey(Scac)
}) {}

/** A load confirmation that leaves packed cartons on the dock. */
export class CartonsMissing extends Schema.TaggedClass<CartonsMissing>("logimesh/shipment/CartonsMissing")("CartonsMissing", {
  missing: Schema.Array(Sscc)
}) {}

export const ShipmentRejection = Schema.Union([InvalidState, UnitMismatch, NoCartons, NotTendered, CartonsMissing])
export type ShipmentRejection = typeof ShipmentRejection.Type
