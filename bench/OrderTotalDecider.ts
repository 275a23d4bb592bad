/**
 * The benchmark's entity: an order keeps a running total, and every
 * `AddAmount` adds its amount. Unlike the engine tests' order lines, the
 * effect is NOT idempotent: a command applied twice leaves an extra event
 * and a different total, so a duplicate the engine lets through shows in
 * the outputs and in the final state. Amounts are integers (exact totals).
 *
 *   AddAmount (amount > 0) -> AmountAdded { line, amount, total after it }
 *   AddAmount (amount <= 0) -> rejected AmountRefused (the benchmark sends none)
 */
import { Result, Schema } from "effect"

export class AddAmount extends Schema.TaggedClass<AddAmount>()("AddAmount", {
  orderId: Schema.String,
  /** The sender's sequence number of this command for the order (also its `Logimesh-Source-Seq`). */
  line: Schema.Number,
  amount: Schema.Number
}) {}

export class AmountAdded extends Schema.TaggedClass<AmountAdded>()("AmountAdded", {
  line: Schema.Number,
  amount: Schema.Number,
  total: Schema.Number
}) {}

export class AmountRefused extends Schema.TaggedClass<AmountRefused>()("AmountRefused", {
  line: Schema.Number,
  why: Schema.String
}) {}

export const OrderTotalState = Schema.Struct({
  total: Schema.Number,
  /** Commands applied. */
  lines: Schema.Number
})
export type OrderTotalState = typeof OrderTotalState.Type

export const initialState: OrderTotalState = { total: 0, lines: 0 }

export const decide = (command: AddAmount, state: OrderTotalState): Result.Result<ReadonlyArray<AmountAdded>, AmountRefused> =>
  command.amount <= 0
    ? Result.fail(new AmountRefused({ line: command.line, why: "amount must be positive" }))
    : Result.succeed([new AmountAdded({ line: command.line, amount: command.amount, total: state.total + command.amount })])

export const evolve = (state: OrderTotalState, event: AmountAdded): OrderTotalState => ({
  total: state.total + event.amount,
  lines: state.lines + 1
})
