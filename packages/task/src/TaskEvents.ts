/**
 * Events of the task module: a pick task was created, picked (possibly short
 * or with a substitute item) or cancelled. The region flow turns `TaskPicked`
 * into the order's `RecordPick` and the inventory's `IssueStock`.
 */
import { Schema } from "effect"
import { ItemId, LocationCode, OrderId, PickTaskId, Quantity, SiteId } from "@logimesh/model"
import { LineNumber } from "./TaskCommands.ts"

export class TaskCreated extends Schema.TaggedClass<TaskCreated>("logimesh/task/TaskCreated")("TaskCreated", {
  task: PickTaskId,
  order: OrderId,
  lineNumber: LineNumber,
  site: SiteId,
  item: ItemId,
  quantity: Quantity
}) {}

/** `item` is the picked item (the substitute if any); `short` = picked < requested. */
export class TaskPicked extends Schema.TaggedClass<TaskPicked>("logimesh/task/TaskPicked")("TaskPicked", {
  task: PickTaskId,
  order: OrderId,
  lineNumber: LineNumber,
  site: SiteId,
  item: ItemId,
  requested: Quantity,
  picked: Quantity,
  short: Schema.Boolean,
  substitute: Schema.Boolean,
  location: LocationCode
}) {}

/** `picked` (and then `item` = the picked item) when the task was cancelled after its pick. */
export class TaskCancelled extends Schema.TaggedClass<TaskCancelled>("logimesh/task/TaskCancelled")("TaskCancelled", {
  task: PickTaskId,
  order: OrderId,
  lineNumber: LineNumber,
  site: SiteId,
  item: ItemId,
  picked: Schema.optionalKey(Quantity)
}) {}

/** The requested quantity changed while the task was open. */
export class TaskChanged extends Schema.TaggedClass<TaskChanged>("logimesh/task/TaskChanged")("TaskChanged", {
  task: PickTaskId,
  order: OrderId,
  lineNumber: LineNumber,
  previous: Quantity,
  quantity: Quantity
}) {}

export const TaskEvent = Schema.Union([TaskCreated, TaskPicked, TaskCancelled, TaskChanged])
export type TaskEvent = typeof TaskEvent.Type
