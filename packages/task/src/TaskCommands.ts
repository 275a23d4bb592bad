/**
 * Commands of the task module (entity `task`, key = pick task id
 * `<order>-L<lineNumber>`): the region flow creates one pick task per order
 * line on release and cancels them when the order is cancelled; the site's
 * WES confirms the pick through the `/v1` API. Field names follow
 * docs/order-to-delivery.md, "Modules > task".
 */
import { Schema } from "effect"
import { boundedText, ItemId, LocationCode, OrderId, PickTaskId, Quantity, SiteId, SourceSystem, TextLimits } from "@logimesh/model"

/** Order line numbers are positive integers. */
export const LineNumber = Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)))

/** Pick `quantity` of `item` at `site` for one order line. */
export class CreateTask extends Schema.TaggedClass<CreateTask>("logimesh/task/CreateTask")("CreateTask", {
  by: SourceSystem,
  task: PickTaskId,
  order: OrderId,
  lineNumber: LineNumber,
  site: SiteId,
  item: ItemId,
  quantity: Quantity
}) {}

/** The WES picked `picked` from `location`; `substituteItem` when another item was picked instead. */
export class ConfirmPick extends Schema.TaggedClass<ConfirmPick>("logimesh/task/ConfirmPick")("ConfirmPick", {
  by: SourceSystem,
  task: PickTaskId,
  picked: Quantity,
  location: LocationCode,
  substituteItem: Schema.optionalKey(ItemId)
}) {}

export class CancelTask extends Schema.TaggedClass<CancelTask>("logimesh/task/CancelTask")("CancelTask", {
  by: SourceSystem,
  task: PickTaskId,
  reason: boundedText(TextLimits.reason)
}) {}

/** The order line's quantity changed before picking (sent by the region flow on `OrderChanged`). */
export class ChangeTask extends Schema.TaggedClass<ChangeTask>("logimesh/task/ChangeTask")("ChangeTask", {
  by: SourceSystem,
  task: PickTaskId,
  quantity: Quantity
}) {}

export const TaskCommand = Schema.Union([CreateTask, ConfirmPick, CancelTask, ChangeTask])
export type TaskCommand = typeof TaskCommand.Type
