/**
 * Reading the stock book from GET /v1/inventory/{site}/{item}: on hand when
 * the book has one, else available to promise; nothing when neither is there.
 */
import { describe, expect, it } from "vitest"
import { bookOf } from "../src/InventoryCounts.ts"

describe("bookOf", () => {
  it("reads on hand first", () => {
    expect(
      bookOf({
        site: "dc-rotterdam",
        item: "SKU-42",
        onHand: { amount: "99958", unit: "EA" },
        reserved: { amount: "12", unit: "EA" },
        availableToPromise: { amount: "99946", unit: "EA" }
      })
    ).toBe(99958)
  })

  it("falls back to available to promise, and to nothing", () => {
    expect(bookOf({ onHand: null, availableToPromise: { amount: "40", unit: "EA" } })).toBe(40)
    expect(bookOf({ onHand: null, availableToPromise: null })).toBeUndefined()
    expect(bookOf("not json")).toBeUndefined()
  })
})
