/**
 * Given / when / then for the inventory decider: counts (with and without a
 * mismatch), reservations up to available to promise with the shortfall,
 * releases, issues, restocks, every rejection and replay, exact decimal
 * arithmetic, and the JSON round trip of state and events through the Schema
 * codecs. Commands are decoded from their wire JSON; decisions are compared
 * in their encoded form, so decimals are compared exactly as strings.
 */
import { BigDecimal, Result, Schema } from "effect"
import { Quantity } from "@logimesh/model"
import { describe, expect, it } from "vitest"
import { deciderHarness } from "@logimesh/engine/testing"
import {
  availableToPromise,
  decide,
  evolve,
  initialState,
  InventoryCommand,
  inventoryEntity,
  InventoryEvent,
  inventoryKey,
  InventoryState,
  reservedTotal
} from "../src/index.ts"

const decodeCommand = Schema.decodeUnknownSync(InventoryCommand)
const encodeEvent = Schema.encodeSync(InventoryEvent)
const decodeEvent = Schema.decodeUnknownSync(InventoryEvent)
const encodeState = Schema.encodeSync(InventoryState)
const decodeState = Schema.decodeUnknownSync(InventoryState)

type Json = Record<string, unknown>

const SITE = "dc-rotterdam"
const ITEM = "SKU-42"
const ea = (amount: string) => ({ amount, unit: "EA" })
const at = { site: SITE, item: ITEM }

const count = (amount: string, unit = "EA"): Json => ({ _tag: "CountStock", by: "WES", ...at, onHand: { amount, unit } })
const reserve = (order: string, lineNumber: number, amount: string, unit = "EA"): Json => ({
  _tag: "ReserveStock",
  by: "LOGIMESH",
  ...at,
  order,
  lineNumber,
  quantity: { amount, unit }
})
const release = (order: string, lineNumber: number): Json => ({ _tag: "ReleaseReservation", by: "LOGIMESH", ...at, order, lineNumber })
const issue = (order: string, lineNumber: number, amount: string, unit = "EA"): Json => ({
  _tag: "IssueStock",
  by: "LOGIMESH",
  ...at,
  order,
  lineNumber,
  quantity: { amount, unit }
})
const restock = (reference: string, amount: string, unit = "EA"): Json => ({
  _tag: "RestockItems",
  by: "LOGIMESH",
  ...at,
  reference,
  quantity: { amount, unit }
})

/** Decisions in wire form, and states reached by commands given as wire JSON (`@logimesh/engine/testing`). */
const { decided, given, run } = deciderHarness(inventoryEntity)

const encodeQuantity = Schema.encodeSync(Quantity)
/** Available to promise / on hand in wire form ({ amount: "12.5", unit: "EA" }). */
const atp = (state: InventoryState) => {
  const q = availableToPromise(state)
  return q === undefined ? undefined : encodeQuantity(q)
}
const onHand = (state: InventoryState) => (state.onHand === undefined ? undefined : encodeQuantity(state.onHand))

describe("CountStock", () => {
  it("the first count sets the book: StockCounted from zero, no mismatch", () => {
    expect(decided(count("100.5"), initialState)).toEqual({
      events: [{ _tag: "StockCounted", ...at, onHand: ea("100.5"), previous: ea("0") }]
    })
    const state = given(count("100.5"))
    expect(state.status).toBe("counted")
    expect(onHand(state)).toEqual(ea("100.5"))
    expect(atp(state)).toEqual(ea("100.5"))
  })

  it("a count that differs from a counted book: StockCounted and InventoryMismatch; the count wins", () => {
    const state = given(count("100"), reserve("O-1", 1, "30"), issue("O-1", 1, "30"))
    expect(decided(count("68.25"), state)).toEqual({
      events: [
        { _tag: "StockCounted", ...at, onHand: ea("68.25"), previous: ea("70") },
        { _tag: "InventoryMismatch", ...at, book: ea("70"), counted: ea("68.25") }
      ]
    })
    expect(onHand(run([count("68.25")], state).state)).toEqual(ea("68.25"))
  })

  it("a count equal to the counted book is a replay: nothing happened", () => {
    expect(decided(count("100.00"), given(count("100")))).toEqual({ events: [] })
  })

  it("a first count after movements only is not a mismatch", () => {
    const state = given(restock("RMA-1", "5"))
    expect(state.status).toBe("uncounted")
    expect(decided(count("7"), state)).toEqual({ events: [{ _tag: "StockCounted", ...at, onHand: ea("7"), previous: ea("5") }] })
  })

  it("a count in another unit than the book's is UnitMismatch", () => {
    expect(decided(count("2", "CS"), given(count("100")))).toEqual({ rejection: { _tag: "UnitMismatch", expected: "EA", got: "CS" } })
  })
})

describe("ReserveStock", () => {
  it("reserves the whole quantity when available: no shortfall", () => {
    expect(decided(reserve("O-1", 1, "40"), given(count("100")))).toEqual({
      events: [{ _tag: "StockReserved", ...at, order: "O-1", lineNumber: 1, quantity: ea("40"), shortfall: ea("0") }]
    })
    const state = given(count("100"), reserve("O-1", 1, "40"))
    expect(atp(state)).toEqual(ea("60"))
    expect(state.reservations.map((r) => [r.order, r.lineNumber])).toEqual([["O-1", 1]])
  })

  it("reserves up to available to promise and reports the shortfall, exactly", () => {
    const state = given(count("10.3"), reserve("O-1", 1, "7.1"))
    expect(decided(reserve("O-2", 1, "5.05"), state)).toEqual({
      events: [{ _tag: "StockReserved", ...at, order: "O-2", lineNumber: 1, quantity: ea("3.2"), shortfall: ea("1.85") }]
    })
    const after = run([reserve("O-2", 1, "5.05")], state).state
    expect(atp(after)).toEqual(ea("0"))
    expect(decided(reserve("O-3", 2, "4"), after)).toEqual({
      events: [{ _tag: "StockReserved", ...at, order: "O-3", lineNumber: 2, quantity: ea("0"), shortfall: ea("4") }]
    })
  })

  it("with nothing on the book, everything is shortfall", () => {
    expect(decided(reserve("O-1", 1, "3"), initialState)).toEqual({
      events: [{ _tag: "StockReserved", ...at, order: "O-1", lineNumber: 1, quantity: ea("0"), shortfall: ea("3") }]
    })
  })

  it("the same line again is a replay (also once issued or released); another quantity is InvalidState", () => {
    const reserved = given(count("100"), reserve("O-1", 1, "40"))
    expect(decided(reserve("O-1", 1, "40.0"), reserved)).toEqual({ events: [] })
    expect(decided(reserve("O-1", 1, "41"), reserved)).toEqual({
      rejection: { _tag: "InvalidState", command: "ReserveStock", state: "counted", detail: expect.stringContaining("O-1 line 1") }
    })
    const short = given(count("10"), reserve("O-1", 1, "15"))
    expect(decided(reserve("O-1", 1, "15"), short)).toEqual({ events: [] })
    expect(decided(reserve("O-1", 1, "40"), run([issue("O-1", 1, "40")], reserved).state)).toEqual({ events: [] })
    expect(decided(reserve("O-1", 1, "40"), run([release("O-1", 1)], reserved).state)).toEqual({ events: [] })
  })

  it("a quantity in another unit is UnitMismatch", () => {
    expect(decided(reserve("O-1", 1, "1", "PL"), given(count("100")))).toEqual({ rejection: { _tag: "UnitMismatch", expected: "EA", got: "PL" } })
  })
})

describe("ReleaseReservation", () => {
  it("releases the line's reservation: ReservationReleased with its quantity; available again", () => {
    const state = given(count("100"), reserve("O-1", 1, "40"), reserve("O-2", 3, "25"))
    expect(decided(release("O-1", 1), state)).toEqual({
      events: [{ _tag: "ReservationReleased", ...at, order: "O-1", lineNumber: 1, quantity: ea("40") }]
    })
    const after = run([release("O-1", 1)], state).state
    expect(atp(after)).toEqual(ea("75"))
    expect(after.reservations.map((r) => r.order)).toEqual(["O-2"])
  })

  it("no reservation (none, already released, issued, or nothing reserved) is nothing", () => {
    const state = given(count("100"), reserve("O-1", 1, "40"))
    expect(decided(release("O-9", 1), state)).toEqual({ events: [] })
    expect(decided(release("O-1", 1), run([release("O-1", 1)], state).state)).toEqual({ events: [] })
    expect(decided(release("O-1", 1), run([issue("O-1", 1, "40")], state).state)).toEqual({ events: [] })
    expect(decided(release("O-1", 1), given(reserve("O-1", 1, "5")))).toEqual({ events: [] })
  })
})

describe("IssueStock", () => {
  it("consumes the line's reservation and lowers on hand", () => {
    const state = given(count("100"), reserve("O-1", 1, "40"))
    expect(decided(issue("O-1", 1, "40"), state)).toEqual({
      events: [{ _tag: "StockIssued", ...at, order: "O-1", lineNumber: 1, quantity: ea("40") }]
    })
    const after = run([issue("O-1", 1, "40")], state).state
    expect(onHand(after)).toEqual(ea("60"))
    expect(after.reservations).toEqual([])
    expect(atp(after)).toEqual(ea("60"))
  })

  it("a short pick consumes the whole reservation: the rest becomes available", () => {
    const after = given(count("100"), reserve("O-1", 1, "40"), issue("O-1", 1, "33.5"))
    expect(onHand(after)).toEqual(ea("66.5"))
    expect(atp(after)).toEqual(ea("66.5"))
  })

  it("without a reservation (a substitute item) it lowers on hand only; never below zero", () => {
    const after = given(count("10"), reserve("O-2", 1, "4"), issue("O-1", 1, "2.75"))
    expect(onHand(after)).toEqual(ea("7.25"))
    expect(atp(after)).toEqual(ea("3.25"))
    expect(onHand(given(count("1"), issue("O-1", 1, "3")))).toEqual(ea("0"))
  })

  it("the same line again is a replay; another quantity is InvalidState", () => {
    const issued = given(count("100"), reserve("O-1", 1, "40"), issue("O-1", 1, "40"))
    expect(decided(issue("O-1", 1, "40"), issued)).toEqual({ events: [] })
    expect(decided(issue("O-1", 1, "39"), issued)).toEqual({
      rejection: { _tag: "InvalidState", command: "IssueStock", state: "counted", detail: expect.stringContaining("already issued 40 EA") }
    })
  })

  it("a quantity in another unit is UnitMismatch", () => {
    expect(decided(issue("O-1", 1, "1", "CS"), given(count("100")))).toEqual({ rejection: { _tag: "UnitMismatch", expected: "EA", got: "CS" } })
  })
})

describe("RestockItems", () => {
  it("raises on hand: StockRestocked", () => {
    const state = given(count("10"), reserve("O-1", 1, "10"))
    expect(decided(restock("O-1/cancel", "2.5"), state)).toEqual({ events: [{ _tag: "StockRestocked", ...at, reference: "O-1/cancel", quantity: ea("2.5") }] })
    const after = run([restock("O-1/cancel", "2.5")], state).state
    expect(onHand(after)).toEqual(ea("12.5"))
    expect(atp(after)).toEqual(ea("2.5"))
  })

  it("the same reference again is a replay; another quantity is InvalidState", () => {
    const state = given(restock("RMA-7", "3"))
    expect(decided(restock("RMA-7", "3.000"), state)).toEqual({ events: [] })
    expect(decided(restock("RMA-7", "4"), state)).toEqual({
      rejection: { _tag: "InvalidState", command: "RestockItems", state: "uncounted", detail: expect.any(String) }
    })
  })

  it("a quantity in another unit is UnitMismatch", () => {
    expect(decided(restock("RMA-8", "1", "KG"), given(count("1")))).toEqual({ rejection: { _tag: "UnitMismatch", expected: "EA", got: "KG" } })
  })
})

describe("available to promise", () => {
  it("is on hand minus the open reservations, never below zero; undefined for an empty book", () => {
    expect(availableToPromise(initialState)).toBeUndefined()
    const state = given(count("50"), reserve("O-1", 1, "20.25"), reserve("O-2", 1, "10.5"))
    expect(atp(state)).toEqual(ea("19.25"))
    expect(BigDecimal.format(reservedTotal(state))).toBe("30.75")
    const recounted = run([count("25")], state).state
    expect(atp(recounted)).toEqual(ea("0"))
  })
})

const story: ReadonlyArray<Json> = [
  count("100"),
  reserve("O-1", 1, "40"),
  reserve("O-2", 1, "70.5"),
  issue("O-1", 1, "38"),
  release("O-2", 1),
  restock("O-1/putaway", "1.25"),
  count("60"),
  reserve("O-3", 2, "12")
]

describe("a day of one item's book", () => {
  it("reserve, shortfall, issue, release, restock, count with mismatch, reserve again", () => {
    const { state, events } = run(story)
    expect(events.map((e) => encodeEvent(e))).toEqual([
      { _tag: "StockCounted", ...at, onHand: ea("100"), previous: ea("0") },
      { _tag: "StockReserved", ...at, order: "O-1", lineNumber: 1, quantity: ea("40"), shortfall: ea("0") },
      { _tag: "StockReserved", ...at, order: "O-2", lineNumber: 1, quantity: ea("60"), shortfall: ea("10.5") },
      { _tag: "StockIssued", ...at, order: "O-1", lineNumber: 1, quantity: ea("38") },
      { _tag: "ReservationReleased", ...at, order: "O-2", lineNumber: 1, quantity: ea("60") },
      { _tag: "StockRestocked", ...at, reference: "O-1/putaway", quantity: ea("1.25") },
      { _tag: "StockCounted", ...at, onHand: ea("60"), previous: ea("63.25") },
      { _tag: "InventoryMismatch", ...at, book: ea("63.25"), counted: ea("60") },
      { _tag: "StockReserved", ...at, order: "O-3", lineNumber: 2, quantity: ea("12"), shortfall: ea("0") }
    ])
    expect(onHand(state)).toEqual(ea("60"))
    expect(atp(state)).toEqual(ea("48"))
  })
})

describe("JSON round trip (state is persisted as JSON snapshots)", () => {
  const throughJson = (encoded: unknown): unknown => JSON.parse(JSON.stringify(encoded))
  const { state, events } = run(story)

  it("every event survives encode -> JSON -> decode unchanged", () => {
    expect(new Set(events.map((e) => e._tag)).size).toBe(6)
    for (const event of events) {
      const wire = throughJson(encodeEvent(event))
      const decoded = decodeEvent(wire)
      expect(decoded).toBeInstanceOf(event.constructor)
      expect(encodeEvent(decoded)).toEqual(wire)
    }
  })

  it("the state at every step survives encode -> JSON -> decode and decides the same afterwards", () => {
    let current = initialState
    for (const event of [undefined, ...events]) {
      if (event !== undefined) current = evolve(current, event)
      const wire = throughJson(encodeState(current))
      const restored = decodeState(wire)
      expect(restored).toBeInstanceOf(InventoryState)
      expect(encodeState(restored)).toEqual(wire)
    }
    const restored = decodeState(throughJson(encodeState(state)))
    expect(atp(restored)).toEqual(ea("48"))
    expect(decided(reserve("O-4", 1, "50"), restored)).toEqual(decided(reserve("O-4", 1, "50"), state))
    expect(decided(issue("O-1", 1, "38"), restored)).toEqual({ events: [] })
  })
})

describe("inventoryEntity", () => {
  it("is the engine entity 'inventory' keyed by <site>/<item>", () => {
    expect(inventoryKey(SITE, ITEM)).toBe("dc-rotterdam/SKU-42")
    expect(inventoryEntity.name).toBe("inventory")
    expect(inventoryEntity.keyOf(decodeCommand(reserve("O-1", 1, "1")))).toBe("dc-rotterdam/SKU-42")
    expect(inventoryEntity.eventType(run([count("1")]).events[0]!)).toBe("StockCounted")
    const rejected = decide(decodeCommand(count("1", "CS")), given(count("1")))
    expect(Result.isFailure(rejected) ? inventoryEntity.rejectionType(rejected.failure) : undefined).toBe("UnitMismatch")
    expect(inventoryEntity.notifyRejections).toBe(false)
  })
})
