/**
 * Given / when / then for the test decider, including "then nothing
 * happened" for a replayed duplicate and a rejection as data.
 */
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { AppendLine, decide, evolve, initialState, LineAppended, LineRefused, type OrderLinesState } from "./OrderLinesDecider.ts"

const given = (events: ReadonlyArray<LineAppended>): OrderLinesState => events.reduce(evolve, initialState)
const line = (source: string, n: number, note = "") => new AppendLine({ orderId: "o-1", source, line: n, note })

describe("OrderLines decider", () => {
  it("given nothing, when a line is appended, then LineAppended", () => {
    expect(decide(line("erp", 1), given([]))).toEqual(Result.succeed([new LineAppended({ source: "erp", line: 1, note: "" })]))
  })

  it("given lines, when another source appends, then its own list grows and the order is open", () => {
    const state = given([new LineAppended({ source: "erp", line: 1, note: "" })])
    const decision = decide(line("wes", 1), state)
    expect(Result.isSuccess(decision)).toBe(true)
    const next = Result.isSuccess(decision) ? decision.success.reduce(evolve, state) : state
    expect(next).toEqual({ status: "open", lines: { erp: [1], wes: [1] } })
  })

  it("given the line was applied, when it is replayed, then nothing happened", () => {
    const state = given([new LineAppended({ source: "erp", line: 1, note: "" }), new LineAppended({ source: "erp", line: 2, note: "" })])
    expect(decide(line("erp", 2), state)).toEqual(Result.succeed([]))
  })

  it("given anything, when the line is refused, then a rejection (data, not a throw)", () => {
    expect(decide(line("erp", 3, "refuse"), given([]))).toEqual(Result.fail(new LineRefused({ source: "erp", line: 3, why: "refused by note" })))
  })

  it("a poison line throws (stands for a decider bug)", () => {
    expect(() => decide(line("erp", 4, "poison"), given([]))).toThrow(/decider bug/)
  })
})
