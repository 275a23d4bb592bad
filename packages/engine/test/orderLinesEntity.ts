/**
 * The test decider as an engine entity: key = order id, codecs from the
 * decider's schemas, rejections notified through the outbox.
 */
import { Schema } from "effect"
import { type EntityDefinition, taggedEntity } from "@logimesh/engine"
import { AppendLine, decide, evolve, initialState, LineAppended, LineRefused, OrderLinesState } from "./OrderLinesDecider.ts"

export const orderLinesEntity: EntityDefinition<AppendLine, LineAppended, OrderLinesState, LineRefused> = taggedEntity({
  name: "test-order-lines",
  decider: { initialState, decide, evolve },
  keyOf: (command) => command.orderId,
  command: AppendLine,
  event: LineAppended,
  state: OrderLinesState,
  rejection: LineRefused,
  notifyRejections: true
})

export const encodeCommand = (command: AppendLine): Uint8Array => new TextEncoder().encode(JSON.stringify(Schema.encodeSync(AppendLine)(command)))
