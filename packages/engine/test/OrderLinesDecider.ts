/**
 * The test decider of the engine's acceptance tests: an order collects
 * numbered lines per source system. Simple enough that the expected final
 * state of any delivery schedule is computable: per source, the accepted
 * line numbers in source order.
 *
 *   AppendLine(note "refuse")        -> rejected LineRefused (recorded, notified)
 *   AppendLine(line already present) -> nothing happened (a replayed duplicate)
 *   AppendLine                       -> LineAppended; the order becomes "open"
 *   AppendLine(note "poison")        -> throws: stands for a decider bug (drives the poison-message test)
 */
import { Result, Schema } from "effect"

export class AppendLine extends Schema.TaggedClass<AppendLine>()("AppendLine", {
  orderId: Schema.String,
  source: Schema.String,
  line: Schema.Number,
  note: Schema.String
}) {}

export class LineAppended extends Schema.TaggedClass<LineAppended>()("LineAppended", {
  source: Schema.String,
  line: Schema.Number,
  note: Schema.String
}) {}

export class LineRefused extends Schema.TaggedClass<LineRefused>()("LineRefused", {
  source: Schema.String,
  line: Schema.Number,
  why: Schema.String
}) {}

export const OrderLinesState = Schema.Struct({
  status: Schema.Literals(["new", "open"]),
  lines: Schema.Record(Schema.String, Schema.Array(Schema.Number))
})
export type OrderLinesState = typeof OrderLinesState.Type

export const initialState: OrderLinesState = { status: "new", lines: {} }

export const decide = (command: AppendLine, state: OrderLinesState): Result.Result<ReadonlyArray<LineAppended>, LineRefused> => {
  if (command.note === "poison") throw new Error(`decider bug: cannot handle line ${command.line}`)
  if (command.note === "refuse") return Result.fail(new LineRefused({ source: command.source, line: command.line, why: "refused by note" }))
  if ((state.lines[command.source] ?? []).includes(command.line)) return Result.succeed([])
  return Result.succeed([new LineAppended({ source: command.source, line: command.line, note: command.note })])
}

export const evolve = (state: OrderLinesState, event: LineAppended): OrderLinesState => ({
  status: "open",
  lines: { ...state.lines, [event.source]: [...(state.lines[event.source] ?? []), event.line] }
})
