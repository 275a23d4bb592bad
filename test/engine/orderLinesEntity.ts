/**
 * The test decider as an engine entity: key = order id, codecs from the
 * decider's schemas, rejections notified through the outbox.
 */
import { Schema } from "effect"
import type { EntityDefinition } from "@logimesh/engine"
import { AppendLine, decide, evolve, initialState, LineAppended, LineRefused, OrderLinesState } from "./OrderLinesDecider.ts"

export const orderLinesEntity: EntityDefinition<AppendLine, LineAppended, OrderLinesState, LineRefused> = {
  name: "test-order-lines",
  decider: { initialState, decide, evolve },
  keyOf: (command) => command.orderId,
  command: AppendLine,
  event: LineAppended,
  state: OrderLinesState,
  rejection: LineRefused,
  eventType: (event) => event._tag,
  rejectionType: (rejection) => rejection._tag,
  notifyRejections: true
}

export const encodeCommand = (command: AppendLine): Uint8Array =>
  new TextEncoder().encode(JSON.stringify(Schema.encodeSync(AppendLine)(command)))
