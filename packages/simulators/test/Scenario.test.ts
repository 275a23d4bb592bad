/**
 * Scenario planning is a pure function of its input: the same seed gives the
 * same orders, each exception goes to exactly round(rate * orders) orders,
 * exclusive exceptions never meet on one order, and every planned detail
 * (short pick, change, substitution, return) is consistent with its lines.
 */
import { describe, expect, it } from "vitest"
import { DEFAULT_EXCEPTION_RATES, EXCEPTION_KINDS, QUIET_EXCEPTIONS } from "../src/Knobs.ts"
import { DEFAULT_CARRIERS, DEFAULT_ITEMS } from "../src/ReferenceData.ts"
import { expectedPickEa, planScenario } from "../src/Scenario.ts"

const NOW = Date.UTC(2025, 2, 14, 9, 30, 0)
const SITES = ["dc-rotterdam", "dc-antwerp"]
const plan = (orders: number, seed: number, rates = DEFAULT_EXCEPTION_RATES) =>
  planScenario({ orders, seed, sites: SITES, rates, caseUnitShare: 0.1, nowMs: NOW })

describe("planScenario", () => {
  it("is deterministic by seed", () => {
    expect(plan(200, 7)).toEqual(plan(200, 7))
    expect(JSON.stringify(plan(200, 7))).toBe(JSON.stringify(plan(200, 7)))
  })

  it("differs for another seed", () => {
    const a = plan(200, 7)
    const b = plan(200, 8)
    expect(a.orders.map((o) => o.site).join()).not.toBe(b.orders.map((o) => o.site).join())
    expect(a.orders.map((o) => o.exceptions.join("+")).join()).not.toBe(b.orders.map((o) => o.exceptions.join("+")).join())
  })

  it("keeps earlier orders unchanged when more orders are planned", () => {
    const small = plan(50, 3, QUIET_EXCEPTIONS)
    const large = plan(80, 3, QUIET_EXCEPTIONS)
    expect(large.orders.slice(0, 50)).toEqual(small.orders)
  })

  it("gives each exception to exactly round(rate * orders) orders", () => {
    const p = plan(1_000, 11)
    for (const kind of EXCEPTION_KINDS) {
      const expected = Math.round(DEFAULT_EXCEPTION_RATES[kind] * 1_000)
      expect(p.exceptionCounts[kind], kind).toBe(expected)
      expect(p.orders.filter((o) => o.exceptions.includes(kind)).length, kind).toBe(expected)
    }
  })

  it("has a realistic overall share of exceptional orders", () => {
    const p = plan(1_000, 5)
    const share = p.orders.filter((o) => o.exceptions.length > 0).length / 1_000
    expect(share).toBeGreaterThan(0.2)
    expect(share).toBeLessThan(0.35)
    expect(p.orders.filter((o) => o.expectedFinal === "cancelled").length).toBe(40)
    expect(p.orders.filter((o) => o.expectedFinal === "returned").length).toBe(30)
  })

  it("plans no exception when every rate is zero", () => {
    const p = plan(300, 9, QUIET_EXCEPTIONS)
    expect(p.orders.every((o) => o.exceptions.length === 0 && o.expectedFinal === "delivered")).toBe(true)
  })

  it("never combines exclusive exceptions", () => {
    const p = plan(2_000, 13, { ...DEFAULT_EXCEPTION_RATES, cancel_before_pick: 0.2, cancel_after_pick: 0.2, return: 0.2, short_pick: 0.3 })
    for (const o of p.orders) {
      const has = (k: (typeof EXCEPTION_KINDS)[number]) => o.exceptions.includes(k)
      expect([has("cancel_before_pick"), has("cancel_after_pick"), has("return")].filter(Boolean).length).toBeLessThanOrEqual(1)
      if (has("cancel_before_pick")) {
        expect(has("short_pick") || has("substitution") || has("inventory_mismatch") || has("change_after_release")).toBe(false)
      }
      if (has("cancel_before_pick") || has("cancel_after_pick")) {
        expect(has("tender_rejection") || has("failed_delivery")).toBe(false)
      }
      if (has("change_after_release")) expect(has("short_pick") || has("substitution")).toBe(false)
    }
  })

  it("builds consistent orders: ids, lines, quantities, weights, windows", () => {
    const items = new Set(DEFAULT_ITEMS.map((i) => i.item))
    for (const o of plan(500, 21).orders) {
      expect(o.order).toMatch(/^SO-21-\d{6}$/)
      expect(o.shipment).toBe(`S-${o.order}`)
      expect(SITES).toContain(o.site)
      expect(["NL", "BE", "DE"]).toContain(o.shipTo.country)
      expect(o.lines.length).toBeGreaterThanOrEqual(1)
      expect(new Set(o.lines.map((l) => l.item)).size).toBe(o.lines.length)
      o.lines.forEach((l, i) => {
        expect(l.lineNumber).toBe(i + 1)
        expect(items.has(l.item)).toBe(true)
        expect(l.quantityEa).toBeGreaterThanOrEqual(1)
        const master = DEFAULT_ITEMS.find((m) => m.item === l.item)!
        expect(l.quantityEa).toBe(l.ordered.unit === "CS" ? l.ordered.amount * master.caseFactor : l.ordered.amount)
        expect(l.weightKg).toMatch(/^\d+\.\d{3}$/)
        expect(l.requestedShipDate).toBe("2025-03-14")
        expect(l.hazmat).toBe(master.hazmat)
      })
      if (o.deliveryWindow !== undefined) expect(Date.parse(o.deliveryWindow.from)).toBeLessThan(Date.parse(o.deliveryWindow.to))
      expect(new Set(o.carriers).size).toBe(DEFAULT_CARRIERS.length)
      expect(o.cartons).toBeGreaterThanOrEqual(1)
      expect(o.cartons).toBeLessThanOrEqual(4)
    }
  })

  it("makes every planned exception actionable", () => {
    for (const o of plan(2_000, 31).orders) {
      if (o.shortPick !== undefined) {
        const line = o.lines.find((l) => l.lineNumber === o.shortPick!.lineNumber)!
        expect(o.shortPick.pickedEa).toBeGreaterThanOrEqual(1)
        expect(o.shortPick.pickedEa).toBeLessThan(line.quantityEa)
        expect(expectedPickEa(o, line.lineNumber)).toBe(o.shortPick.pickedEa)
      }
      expect(o.shortPick !== undefined).toBe(o.exceptions.includes("short_pick"))
      if (o.change !== undefined) {
        const line = o.lines.find((l) => l.lineNumber === o.change!.lineNumber)!
        expect(o.change.quantityEa).toBeGreaterThanOrEqual(1)
        expect(o.change.quantityEa).toBeLessThan(line.quantityEa)
      }
      expect(o.change !== undefined).toBe(o.exceptions.includes("change_after_release"))
      if (o.substitution !== undefined) {
        const line = o.lines.find((l) => l.lineNumber === o.substitution!.lineNumber)!
        expect(o.substitution.substituteItem).not.toBe(line.item)
      }
      expect(o.returnLine !== undefined).toBe(o.exceptions.includes("return"))
      if (o.returnLine !== undefined) expect(o.returnLine.rma).toBe(`RMA-${o.order}`)
      expect(o.mismatchItem !== undefined).toBe(o.exceptions.includes("inventory_mismatch"))
      expect(o.expectedFinal).toBe(o.exceptions.some((k) => k.startsWith("cancel_")) ? "cancelled" : o.exceptions.includes("return") ? "returned" : "delivered")
    }
  })
})
