/**
 * Rejections of the task module, as data (recorded in the audit trail; the
 * API answers 409 for `InvalidState`, naming the state).
 */
import { Schema } from "effect"
import { PickTaskId, Quantity } from "@logimesh/model"

/** The command is not allowed in the task's current status (or conflicts with what was already applied). */
export class InvalidState extends Schema.TaggedClass<InvalidState>("logimesh/task/InvalidState")("InvalidState", {
  command: Schema.String,
  state: Schema.String,
  detail: Schema.String
}) {}

/** No task with this id was created. */
export class UnknownTask extends Schema.TaggedClass<UnknownTask>("logimesh/task/UnknownTask")("UnknownTask", {
  task: PickTaskId
}) {}

/** More was picked than the task asked for. */
export class OverPick extends Schema.TaggedClass<OverPick>("logimesh/task/OverPick")("OverPick", {
  requested: Quantity,
  picked: Quantity
}) {}

/** The picked quantity's unit differs from the task's (the order line's) unit. */
export class UnitMismatch extends Schema.TaggedClass<UnitMismatch>("logimesh/task/UnitMismatch")("UnitMismatch", {
  expected: Schema.String,
  got: Schema.String
}) {}

export const TaskRejection = Schema.Union([InvalidState, UnknownTask, OverPick, UnitMismatch])
export type TaskRejection = typeof TaskRejection.Type
