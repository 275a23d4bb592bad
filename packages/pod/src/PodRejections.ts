/**
 * Rejections of the pod module, as data (recorded in the audit trail; the
 * API answers 409 for `InvalidState`, naming the state).
 */
import { Schema } from "effect"

/** The command conflicts with what was captured already (another POD, a failure after delivery, another order). */
export class InvalidState extends Schema.TaggedClass<InvalidState>("logimesh/pod/InvalidState")("InvalidState", {
  command: Schema.String,
  state: Schema.String,
  detail: Schema.String
}) {}

export const PodRejection = Schema.Union([InvalidState])
export type PodRejection = typeof PodRejection.Type
