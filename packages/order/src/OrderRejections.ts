/**
 * Rejections of the order module: a valid command the order refuses, as data
 * (recorded in the audit trail; the API answers 409 for `InvalidState`,
 * naming the state).
 */
import { Schema } from "effect"
import { LineNumber } from "./OrderCommands.ts"

/** The command is not allowed in the order's current status (or conflicts with what was already applied). */
export class InvalidState extends Schema.TaggedClass<InvalidState>("logimesh/order/InvalidState")("InvalidState", {
  command: Schema.String,
  state: Schema.String,
  detail: Schema.String
}) {}

/** The command names a line number the order does not have. */
export class UnknownLine extends Schema.TaggedClass<UnknownLine>("logimesh/order/UnknownLine")("UnknownLine", {
  lineNumber: LineNumber
}) {}

/** A quantity's unit differs from the line's unit (conversion happens at the edge, not here). */
export class UnitMismatch extends Schema.TaggedClass<UnitMismatch>("logimesh/order/UnitMismatch")("UnitMismatch", {
  expected: Schema.String,
  got: Schema.String
}) {}

export const OrderRejection = Schema.Union([InvalidState, UnknownLine, UnitMismatch])
export type OrderRejection = typeof OrderRejection.Type
