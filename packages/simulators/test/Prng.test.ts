/**
 * The simulators' randomness is reproducible: same seed and label, same
 * numbers; ranges are respected; the distribution is roughly uniform.
 */
import { describe, expect, it } from "vitest"
import { centsToAmount, gramsToKg, kgToGrams } from "../src/Decimals.ts"
import { hash32, Prng, unitFromLabel } from "../src/Prng.ts"
import { percentile } from "../src/runScenario.ts"

describe("Prng", () => {
  it("repeats for the same seed and label", () => {
    const a = Prng.from(42, "order:1")
    const b = Prng.from(42, "order:1")
    const xs = Array.from({ length: 50 }, () => a.next())
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xs)
    expect(Prng.from(42, "order:2").next()).not.toBe(xs[0])
    expect(unitFromLabel("k")).toBe(unitFromLabel("k"))
    expect(hash32("abc")).toBe(0x1a47e90b)
  })

  it("stays in range and is roughly uniform", () => {
    const prng = new Prng(7)
    const buckets = [0, 0, 0, 0, 0]
    for (let i = 0; i < 10_000; i++) {
      const n = prng.int(1, 5)
      expect(n).toBeGreaterThanOrEqual(1)
      expect(n).toBeLessThanOrEqual(5)
      buckets[n - 1]!++
    }
    for (const count of buckets) expect(Math.abs(count - 2_000)).toBeLessThan(200)
    const hits = Array.from({ length: 10_000 }, () => prng.chance(0.1)).filter(Boolean).length
    expect(Math.abs(hits - 1_000)).toBeLessThan(120)
  })

  it("shuffles without losing items", () => {
    const items = Array.from({ length: 30 }, (_, i) => i)
    const shuffled = new Prng(3).shuffle(items)
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items)
    expect(shuffled).not.toEqual(items)
  })
})

describe("exact decimals and percentiles", () => {
  it("formats weights and money without floats", () => {
    expect(gramsToKg(1350)).toBe("1.350")
    expect(gramsToKg(5)).toBe("0.005")
    expect(kgToGrams("1.35")).toBe(1350)
    expect(kgToGrams("2")).toBe(2000)
    expect(centsToAmount(12340)).toBe("123.40")
    expect(() => kgToGrams("1.2345")).toThrow()
  })

  it("computes nearest-rank percentiles", () => {
    expect(percentile([], 50)).toBeNull()
    const values = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(values, 50)).toBe(50)
    expect(percentile(values, 99)).toBe(99)
    expect(percentile([5], 99)).toBe(5)
  })
})
