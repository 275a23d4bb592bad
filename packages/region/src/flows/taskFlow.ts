/**
 * What each pick-task event causes:
 *   TaskPicked -> the order records the pick (short / substitute included),
 *                 the site's stock book issues the picked quantity (of the picked item);
 *                 a substitution also releases the ordered item's reservation.
 */
import type { EffectMessage } from "@logimesh/engine"
import { InventoryCommand, IssueStock, ReleaseReservation } from "@logimesh/inventory"
import { OrderCommand, RecordPick } from "@logimesh/order"
import type { TaskEvent, TaskState } from "@logimesh/task"
import type { Flow } from "../modules/RegionModule.ts"
import { LOGIMESH, toModule } from "./flowMessages.ts"

export const taskFlow: Flow<TaskEvent, TaskState> = ({ region }) => (_key, event, state) => {
  const out: Array<EffectMessage> = []
  if (event._tag === "TaskPicked") {
    out.push(toModule(region, "order", OrderCommand, new RecordPick({
      by: LOGIMESH,
      order: event.order,
      lineNumber: event.lineNumber,
      task: event.task,
      item: event.item,
      picked: event.picked,
      short: event.short,
      substitute: event.substitute
    })))
    out.push(toModule(region, "inventory", InventoryCommand, new IssueStock({
      by: LOGIMESH,
      site: event.site,
      item: event.item,
      order: event.order,
      lineNumber: event.lineNumber,
      quantity: event.picked
    })))
    if (event.substitute && state.item !== undefined) {
      out.push(toModule(region, "inventory", InventoryCommand, new ReleaseReservation({
        by: LOGIMESH,
        site: event.site,
        item: state.item,
        order: event.order,
        lineNumber: event.lineNumber
      })))
    }
  }
  return out
}
