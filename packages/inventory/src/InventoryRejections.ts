/**
 * Rejections of the inventory module, as data (recorded in the audit trail;
 * the API answers 409 for `InvalidState`, naming the state).
 */
import { Schema } from "effect"

/** The command conflicts with what the book already holds (e.g. a line issued with another quantity). */
export class InvalidState extends Schema.TaggedClass<InvalidState>("logimesh/inventory/InvalidState")("InvalidState", {
  command: Schema.String,
  state: Schema.String,
  detail: Schema.String
}) {}

/** A quantity's unit differs from the book's unit (conversion happens at the edge, not here). */
export class UnitMismatch extends Schema.TaggedClass<UnitMismatch>("logimesh/inventory/UnitMismatch")("UnitMismatch", {
  expected: Schema.String,
  got: Schema.String
}) {}

export const InventoryRejection = Schema.Union([InvalidState, UnitMismatch])
export type InventoryRejection = typeof InventoryRejection.Type
