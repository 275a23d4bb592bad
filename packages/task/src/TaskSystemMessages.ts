/**
 * What the pick task's flows tell the outside systems: a task cancelled
 * after its pick asks the site's WES to put the picked stock away
 * (`put-away`).
 */
import { ItemId, OrderId, PickTaskId, Quantity, systemMessageType } from "@logimesh/model"
import { LineNumber } from "./TaskCommands.ts"

export const PutAwayToWes = systemMessageType("wes", "put-away", 1, {
  order: OrderId,
  task: PickTaskId,
  lineNumber: LineNumber,
  item: ItemId,
  quantity: Quantity
})

/** Every message type the pick task's flows send. */
export const taskSystemMessages = [PutAwayToWes] as const
