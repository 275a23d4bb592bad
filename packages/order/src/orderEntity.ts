/**
 * The order module as an engine entity: name "order", key = order id, the
 * pure order decider and the Schema codecs of its commands, events, state
 * and rejections. Rejections are recorded in the audit trail, not notified.
 */
import { type EntityDefinition, taggedEntity } from "@logimesh/engine"
import { OrderCommand } from "./OrderCommands.ts"
import { decide, evolve, initialState } from "./OrderDecider.ts"
import { OrderEvent } from "./OrderEvents.ts"
import { OrderRejection } from "./OrderRejections.ts"
import { OrderState } from "./OrderState.ts"

export const orderEntity: EntityDefinition<OrderCommand, OrderEvent, OrderState, OrderRejection> = taggedEntity({
  name: "order",
  decider: { initialState, decide, evolve },
  keyOf: (command) => command.order,
  command: OrderCommand,
  event: OrderEvent,
  state: OrderState,
  rejection: OrderRejection
})
