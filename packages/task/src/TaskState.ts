/**
 * State of one pick task, as the decider folds it from the events and the
 * engine stores it (JSON snapshot through this schema). Queries read status,
 * order, line, site, item, requested and picked quantities. The task's
 * fields are absent while it does not exist (`status: "none"`).
 */
import { Schema } from "effect"
import { ItemId, LocationCode, OrderId, PickTaskId, Quantity, SiteId } from "@logimesh/model"
import { LineNumber } from "./TaskCommands.ts"

/** `none` (not created) -> `open` -> `picked`; `open` | `picked` -> `cancelled`. */
export const TaskStatus = Schema.Literals(["none", "open", "picked", "cancelled"])
export type TaskStatus = typeof TaskStatus.Type

export class TaskState extends Schema.TaggedClass<TaskState>("logimesh/task/TaskState")("TaskState", {
  status: TaskStatus,
  task: Schema.optionalKey(PickTaskId),
  order: Schema.optionalKey(OrderId),
  lineNumber: Schema.optionalKey(LineNumber),
  site: Schema.optionalKey(SiteId),
  /** The requested item. */
  item: Schema.optionalKey(ItemId),
  requested: Schema.optionalKey(Quantity),
  picked: Schema.optionalKey(Quantity),
  /** The picked item: the requested one, or its substitute. */
  pickedItem: Schema.optionalKey(ItemId),
  location: Schema.optionalKey(LocationCode),
  short: Schema.Boolean,
  substitute: Schema.Boolean
}) {}
