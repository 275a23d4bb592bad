/**
 * SSCCs printed by the simulated WES: 18 digits, a valid GS1 mod-10 check
 * digit (the model's own Sscc schema accepts them), unique within a run.
 */
import { gs1CheckDigit, Sscc } from "@logimesh/model"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { cartonSscc, isValidSscc, makeSscc } from "../src/SsccFactory.ts"

describe("SSCC", () => {
  it("matches the GS1 worked example", () => {
    // GS1 General Specifications: SSCC 1 0614141 123456789 check digit 7
    expect(makeSscc(1, "0614141", 123_456_789)).toBe("106141411234567897")
    expect(gs1CheckDigit("10614141123456789")).toBe(7)
  })

  it("builds valid, unique SSCCs that the model decodes", () => {
    const seen = new Set<string>()
    for (let order = 0; order < 2_000; order += 7) {
      for (let carton = 0; carton < 4; carton++) {
        const sscc = cartonSscc("8712345", 42, order, carton)
        expect(sscc).toMatch(/^\d{18}$/)
        expect(isValidSscc(sscc)).toBe(true)
        expect(Schema.decodeUnknownSync(Sscc)(sscc)).toBe(sscc)
        expect(seen.has(sscc)).toBe(false)
        seen.add(sscc)
      }
    }
  })

  it("rejects a wrong check digit", () => {
    const sscc = cartonSscc("5412345", 7, 12, 1)
    const wrong = `${sscc.slice(0, 17)}${(Number(sscc[17]) + 1) % 10}`
    expect(isValidSscc(wrong)).toBe(false)
  })

  it("refuses serials that do not fit", () => {
    expect(() => cartonSscc("8712345", 1, 100_000, 0)).toThrow()
    expect(() => cartonSscc("8712345", 1, 0, 10)).toThrow()
    expect(() => makeSscc(0, "871234", 1)).toThrow()
  })
})
