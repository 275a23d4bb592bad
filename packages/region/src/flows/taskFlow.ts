/**
 * What each pick-task event causes:
 *   TaskPicked -> the order records the pick (short / substitute included),
 *                 the site's stock book issues the picked quantity (of the picked item);
 *                 a substitution also releases the ordered item's reservation.
 *   TaskCancelled after its pick -> the picked stock is restocked and the site's WES told to put it
 *                 away (a cancel can overtake the pick's RecordPick, so the order's own OrderCancelled may
 *                 not list it; both use the reference `cancel:<order>/<line>`, and the stock book applies
 *                 a reference once).
 */
import { Schema } from "effect"
import type { EffectMessage } from "@logimesh/engine"
import { Quantity } from "@logimesh/model"
import { InventoryCommand, IssueStock, ReleaseReservation, RestockItems } from "@logimesh/inventory"
import { OrderCommand, RecordPick } from "@logimesh/order"
import type { TaskEvent, TaskState } from "@logimesh/task"
import type { Flow } from "../modules/RegionModule.ts"
import { Subjects } from "@logimesh/bus"
import { LOGIMESH, toModule, toSystem } from "./flowMessages.ts"

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
  if (event._tag === "TaskCancelled" && event.picked !== undefined) {
    out.push(toModule(region, "inventory", InventoryCommand, new RestockItems({
      by: LOGIMESH,
      site: event.site,
      item: event.item,
      reference: `cancel:${event.order}/${event.lineNumber}`,
      quantity: event.picked
    })))
    out.push(toSystem(Subjects.siteWes(event.site, "put-away"), "put-away", {
      order: event.order,
      task: event.task,
      lineNumber: event.lineNumber,
      item: event.item,
      quantity: Schema.encodeSync(Quantity)(event.picked)
    }))
  }
  return out
}
