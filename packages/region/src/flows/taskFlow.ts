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
import type { EffectMessage } from "@logimesh/engine"
import { InventoryCommand, IssueStock, ReleaseReservation, RestockItems } from "@logimesh/inventory"
import { OrderCommand, RecordPick } from "@logimesh/order"
import { PutAwayToWes, type TaskEvent, type TaskState } from "@logimesh/task"
import type { Flow } from "../modules/RegionModule.ts"
import { LOGIMESH, toModule, toWes } from "./flowMessages.ts"

export const taskFlow: Flow<TaskEvent, TaskState> =
  ({ region }) =>
  (_key, event, state) => {
    const out: Array<EffectMessage> = []
    if (event._tag === "TaskPicked") {
      out.push(
        toModule(
          region,
          "order",
          OrderCommand,
          new RecordPick({
            by: LOGIMESH,
            order: event.order,
            lineNumber: event.lineNumber,
            task: event.task,
            item: event.item,
            picked: event.picked,
            short: event.short,
            substitute: event.substitute
          })
        )
      )
      out.push(
        toModule(
          region,
          "inventory",
          InventoryCommand,
          new IssueStock({
            by: LOGIMESH,
            site: event.site,
            item: event.item,
            order: event.order,
            lineNumber: event.lineNumber,
            quantity: event.picked
          })
        )
      )
      if (event.substitute && state.item !== undefined) {
        out.push(
          toModule(
            region,
            "inventory",
            InventoryCommand,
            new ReleaseReservation({
              by: LOGIMESH,
              site: event.site,
              item: state.item,
              order: event.order,
              lineNumber: event.lineNumber
            })
          )
        )
      }
    }
    if (event._tag === "TaskCancelled" && event.picked !== undefined) {
      out.push(
        toModule(
          region,
          "inventory",
          InventoryCommand,
          new RestockItems({
            by: LOGIMESH,
            site: event.site,
            item: event.item,
            reference: `cancel:${event.order}/${event.lineNumber}`,
            quantity: event.picked
          })
        )
      )
      out.push(
        toWes(event.site, PutAwayToWes, {
          order: event.order,
          task: event.task,
          lineNumber: event.lineNumber,
          item: event.item,
          quantity: event.picked
        })
      )
    }
    return out
  }
