/**
 * Unit-of-measure conversions are exact: there and back gives exactly what
 * went in (property tests with decimals floats cannot hold), packaging
 * conversions are per item and whole, and an unknown unit or undefined
 * conversion is a typed error with a readable reason.
 */
import { BigDecimal, Result, Schema } from "effect"
import fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { Quantity, UnitCode } from "@logimesh/model"
import { convert, type GovernanceData, type UomError } from "../src/index.ts"
import { loadRepoGovernance } from "./governanceFixture.ts"

let governance: GovernanceData
beforeAll(async () => {
  governance = await loadRepoGovernance()
})

const unit = Schema.decodeSync(UnitCode)
const qty = (amount: string, code: string) => new Quantity({ amount: BigDecimal.fromStringUnsafe(amount), unit: unit(code) })
const formatted = (q: Quantity) => `${BigDecimal.format(BigDecimal.normalize(q.amount))} ${q.unit}`
const ok = (result: Result.Result<Quantity, UomError>): Quantity => {
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return result.success
}
const failure = (result: Result.Result<Quantity, UomError>): UomError => {
  if (Result.isSuccess(result)) throw new Error(`expected a refusal, got ${formatted(result.success)}`)
  return result.failure
}

/** Decimals with up to 6 fraction digits, written as strings. */
const decimal = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 6 })).map(([v, s]) => BigDecimal.make(v, s))

describe("UoM conversions", () => {
  it("converts a unit to a finer one and back exactly (mass, length) (property)", () => {
    const pairs: ReadonlyArray<readonly [string, string]> = [
      ["LB", "KG"],
      ["LB", "G"],
      ["KG", "G"],
      ["IN", "CM"],
      ["M", "CM"],
      ["IN", "M"]
    ]
    fc.assert(
      fc.property(decimal, fc.constantFrom(...pairs), (amount, [from, to]) => {
        const there = ok(convert(governance.uom, new Quantity({ amount, unit: unit(from) }), unit(to)))
        const back = ok(convert(governance.uom, there, unit(from)))
        expect(BigDecimal.equals(back.amount, amount)).toBe(true)
        expect(back.unit).toBe(from)
      }),
      { numRuns: 500 }
    )
  })

  it("converts pallets and cases to eaches and back exactly, per item (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.constantFrom("SKU-42", "SKU-77", "SKU-1263"), fc.constantFrom("CS", "PL"), (n, item, pack) => {
        const packs = new Quantity({ amount: BigDecimal.fromBigInt(n), unit: unit(pack) })
        const eaches = ok(convert(governance.uom, packs, unit("EA"), { item }))
        expect(BigDecimal.isInteger(eaches.amount)).toBe(true)
        expect(BigDecimal.equals(ok(convert(governance.uom, eaches, unit(pack), { item })).amount, packs.amount)).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it("has no floating-point drift", () => {
    expect(formatted(ok(convert(governance.uom, qty("0.1", "LB"), unit("KG"))))).toBe("0.045359237 KG")
    expect(formatted(ok(convert(governance.uom, qty("0.045359237", "KG"), unit("LB"))))).toBe("0.1 LB")
    expect(formatted(ok(convert(governance.uom, qty("1", "PL"), unit("CS"), { item: "SKU-42" })))).toBe("48 CS")
    expect(formatted(ok(convert(governance.uom, qty("1.1", "LB"), unit("KG"))))).toBe("0.498951607 KG")
    expect(1.1 * 0.45359237).not.toBe(0.498951607) // what a float implementation would have stored
  })

  it("refuses an inexact result unless rounding is asked for explicitly", () => {
    const error = failure(convert(governance.uom, qty("10", "KG"), unit("LB")))
    expect(error.reason._tag).toBe("InexactConversion")
    expect(formatted(ok(convert(governance.uom, qty("10", "KG"), unit("LB"), { roundToDecimals: 3 })))).toBe("22.046 LB")
    expect(failure(convert(governance.uom, qty("7", "EA"), unit("CS"), { item: "SKU-42" })).message).toBe(
      "cannot convert EA to CS for item SKU-42: 7 EA is not a whole number of CS (12 EA per CS)"
    )
  })

  it("an unknown unit and an undefined conversion are typed errors with a readable reason", () => {
    const unknown = failure(convert(governance.uom, qty("3", "BX"), unit("EA"), { item: "SKU-42" }))
    expect([unknown.reason._tag, unknown.message]).toEqual(["UnknownUnit", 'cannot convert BX to EA for item SKU-42: unknown unit "BX"'])
    const dimension = failure(convert(governance.uom, qty("3", "KG"), unit("CM")))
    expect([dimension.reason._tag, dimension.message]).toEqual(["UndefinedConversion", "cannot convert KG to CM: KG measures mass, CM measures length"])
    const noItem = failure(convert(governance.uom, qty("3", "CS"), unit("EA"), { item: "SKU-999" }))
    expect(noItem.message).toBe("cannot convert CS to EA for item SKU-999: no CS factor declared for item SKU-999")
    expect(noItem.isRetryable).toBe(false)
  })
})
