/**
 * The benchmark's running-total decider as an engine entity: key = order id,
 * codecs from the decider's schemas, rejections recorded, not notified.
 */
import { Schema } from "effect"
import { type EntityDefinition, taggedEntity } from "@logimesh/engine"
import { AddAmount, AmountAdded, AmountRefused, decide, evolve, initialState, OrderTotalState } from "./OrderTotalDecider.ts"

export const orderTotalEntity: EntityDefinition<AddAmount, AmountAdded, OrderTotalState, AmountRefused> = taggedEntity({
  name: "bench-order-total",
  decider: { initialState, decide, evolve },
  keyOf: (command) => command.orderId,
  command: AddAmount,
  event: AmountAdded,
  state: OrderTotalState,
  rejection: AmountRefused
})

const encodeAddAmount = Schema.encodeSync(AddAmount)
const textEncoder = new TextEncoder()

export const encodeCommand = (command: AddAmount): Uint8Array => textEncoder.encode(JSON.stringify(encodeAddAmount(command)))
