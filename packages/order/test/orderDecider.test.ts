/**
 * Given / when / then for the order decider: every command's happy path and
 * rejections, pure replays, the full lifecycle (with a failed delivery and
 * redelivery), cancel before and after pick, short picks and substitutes,
 * returns, and the JSON round trip of state, events and rejections through
 * the Schema codecs (state is persisted as JSON snapshots).
 */
import { BigDecimal, Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { deciderHarness } from "@logimesh/engine/testing"
import {
  CreateOrder,
  decide,
  evolve,
  initialState,
  InvalidState,
  LineChange,
  LineItemQuantity,
  OrderCancelled,
  type OrderChanged,
  OrderCommand,
  OrderCreated,
  orderEntity,
  OrderEvent,
  OrderLinePicked,
  type OrderPicked,
  OrderProgressed,
  OrderRejection,
  type OrderReleased,
  OrderState,
  type OrderStatus,
  PickedLine,
  type ReturnAuthorized,
  ReturnReceived,
  shipmentOf,
  UnitMismatch,
  UnknownLine
} from "../src/index.ts"
import { definedFields, OrderId, quantity } from "@logimesh/model"

// Decimals compare by value (1.5 == 1.50), not by their internal representation.
expect.addEqualityTesters([(a: unknown, b: unknown) => (BigDecimal.isBigDecimal(a) && BigDecimal.isBigDecimal(b) ? BigDecimal.equals(a, b) : undefined)])

// ---------------------------------------------------------------- fixtures

const ORDER = "O-1001"
const SHIPMENT = `S-${ORDER}`
const ea = (amount: string) => quantity(amount, "EA")

const line = (lineNumber: number, item: string, amount: string) => ({
  lineNumber,
  item,
  quantity: { amount, unit: "EA" },
  requestedShipDate: "2025-06-03",
  hazmat: false,
  weight: { amount: "2.5", unit: "KG" }
})

const cmd = (input: Record<string, unknown>): OrderCommand => Schema.decodeUnknownSync(OrderCommand)(input)

const createInput = {
  _tag: "CreateOrder",
  by: "ERP",
  order: ORDER,
  shipFrom: "dc-rotterdam",
  serviceLevel: "EXPRESS",
  shipTo: { name: "Acme BV", lines: ["Kade 1"], city: "Rotterdam", postalCode: "3011AA", country: "NL", timeZone: "Europe/Amsterdam" },
  deliveryWindow: { from: "2025-06-04T08:00:00Z", to: "2025-06-04T12:00:00Z" },
  lines: [line(1, "SKU-42", "10"), line(2, "SKU-77", "4")]
}
const create = Schema.decodeUnknownSync(CreateOrder)(createInput)
const release = cmd({ _tag: "ReleaseOrder", by: "ERP", order: ORDER })
const change = (...lines: ReadonlyArray<readonly [number, string, string?]>) =>
  cmd({
    _tag: "ChangeOrder",
    by: "ERP",
    order: ORDER,
    lines: lines.map(([lineNumber, amount, unit]) => ({ lineNumber, quantity: { amount, unit: unit ?? "EA" } }))
  })
const cancel = (reason = "customer request") => cmd({ _tag: "CancelOrder", by: "ERP", order: ORDER, reason })
const pick = (
  lineNumber: number,
  item: string,
  amount: string,
  options: { readonly short?: boolean; readonly substitute?: boolean; readonly unit?: string; readonly task?: string } = {}
) =>
  cmd({
    _tag: "RecordPick",
    by: "LOGIMESH",
    order: ORDER,
    lineNumber,
    task: options.task ?? `${ORDER}-L${lineNumber}`,
    item,
    picked: { amount, unit: options.unit ?? "EA" },
    short: options.short ?? false,
    substitute: options.substitute ?? false
  })
const progress = (stage: string, detail?: string, shipment = SHIPMENT) =>
  cmd({ _tag: "RecordShipmentProgress", by: "LOGIMESH", order: ORDER, shipment, stage, ...definedFields({ detail }) })
const returnLines = (lines: ReadonlyArray<readonly [number, string, string?]>) =>
  lines.map(([lineNumber, amount, unit]) => ({ lineNumber, quantity: { amount, unit: unit ?? "EA" } }))
const authorize = (rma: string, ...lines: ReadonlyArray<readonly [number, string, string?]>) =>
  cmd({ _tag: "AuthorizeReturn", by: "ERP", order: ORDER, rma, lines: returnLines(lines) })
const receive = (rma: string, ...lines: ReadonlyArray<readonly [number, string, string?]>) =>
  cmd({ _tag: "ReceiveReturn", by: "WES", order: ORDER, rma, lines: returnLines(lines) })

/** accepted / rejected fail the test when the decision went the other way (`@logimesh/engine/testing`). */
const { accepted, apply, rejected, givenCommands: given } = deciderHarness(orderEntity)
const tags = (events: ReadonlyArray<OrderEvent>) => events.map((e) => e._tag)

const delivered = () =>
  given(
    create,
    release,
    pick(1, "SKU-42", "10"),
    pick(2, "SKU-99", "3", { short: true, substitute: true }),
    progress("packed"),
    progress("loaded"),
    progress("shipped"),
    progress("delivered")
  )

// ---------------------------------------------------------------- CreateOrder

describe("CreateOrder", () => {
  it("given nothing, creates the order with its lines", () => {
    const events = accepted(create, initialState)
    expect(events).toEqual([
      new OrderCreated({
        order: create.order,
        shipFrom: create.shipFrom,
        serviceLevel: "EXPRESS",
        shipTo: create.shipTo,
        ...definedFields({ deliveryWindow: create.deliveryWindow }),
        lines: create.lines
      })
    ])
    expect((events[0] as OrderCreated).deliveryWindow).toBeDefined()
    const state = events.reduce(evolve, initialState)
    expect(state.status).toBe("created")
    expect(state.shipFrom).toBe("dc-rotterdam")
    expect(state.serviceLevel).toBe("EXPRESS")
    expect(state.shipTo?.city).toBe("Rotterdam")
    expect(state.shipment).toBeUndefined()
    expect(state.lines.map((l) => [l.lineNumber, l.item, l.ordered.toString(), l.picked])).toEqual([
      [1, "SKU-42", "10 EA", undefined],
      [2, "SKU-77", "4 EA", undefined]
    ])
  })

  it("given the order exists, is InvalidState (even once cancelled)", () => {
    expect(rejected(create, given(create))).toEqual(new InvalidState({ command: "CreateOrder", state: "created", detail: `order ${ORDER} already exists` }))
    expect(rejected(create, given(create, cancel()))).toMatchObject({ _tag: "InvalidState", state: "cancelled" })
  })

  it("refuses at decoding: no lines, duplicate line numbers, an order id too long for its derived ids", () => {
    expect(() => cmd({ ...createInput, lines: [] })).toThrow()
    expect(() => cmd({ ...createInput, lines: [line(1, "SKU-42", "1"), line(1, "SKU-77", "1")] })).toThrow(/unique line numbers/)
    expect(() => cmd({ ...createInput, order: "O".repeat(63) })).toThrow(/short enough/)
    expect(() => cmd({ ...createInput, order: "O".repeat(60) })).not.toThrow()
  })
})

// ---------------------------------------------------------------- ReleaseOrder

describe("ReleaseOrder", () => {
  it("given created, releases with the shipment S-<order> and every line", () => {
    const state = given(create)
    const events = accepted(release, state)
    expect(tags(events)).toEqual(["OrderReleased"])
    const released = events[0] as OrderReleased
    expect(released.shipment).toBe(SHIPMENT)
    expect(released.lines.map((l) => [l.lineNumber, l.item, l.quantity.toString()])).toEqual([
      [1, "SKU-42", "10 EA"],
      [2, "SKU-77", "4 EA"]
    ])
    expect(released.shipFrom).toBe("dc-rotterdam")
    expect(released.serviceLevel).toBe("EXPRESS")
    expect(released.deliveryWindow).toEqual(state.deliveryWindow)
    const after = evolve(state, released)
    expect(after.status).toBe("released")
    expect(after.shipment).toBe(SHIPMENT)
  })

  it("given already released (or further), is a pure replay: no events", () => {
    expect(decide(release, given(create, release))).toEqual(Result.succeed([]))
    expect(decide(release, given(create, release, pick(1, "SKU-42", "10")))).toEqual(Result.succeed([]))
  })

  it("given no order, or a cancelled one, is InvalidState", () => {
    expect(rejected(release, initialState)).toEqual(new InvalidState({ command: "ReleaseOrder", state: "none", detail: `order ${ORDER} does not exist` }))
    expect(rejected(release, given(create, cancel()))).toMatchObject({ _tag: "InvalidState", state: "cancelled" })
  })

  it("derives the shipment id", () => {
    expect(shipmentOf(OrderId.make("A-7"))).toBe("S-A-7")
  })
})

// ---------------------------------------------------------------- ChangeOrder

describe("ChangeOrder", () => {
  it("given created, changes the line and sends all lines after the change", () => {
    const events = accepted(change([2, "6"]), given(create))
    expect(tags(events)).toEqual(["OrderChanged"])
    const changed = events[0] as OrderChanged
    expect(changed.status).toBe("created")
    expect(changed.changed).toEqual([new LineChange({ lineNumber: 2, previous: ea("4"), quantity: ea("6") })])
    expect(changed.lines.map((l) => [l.lineNumber, l.quantity.toString()])).toEqual([
      [1, "10 EA"],
      [2, "6 EA"]
    ])
    const state = evolve(given(create), changed)
    expect(state.status).toBe("created")
    expect(state.lines.map((l) => l.ordered.toString())).toEqual(["10 EA", "6 EA"])
  })

  it("given released and nothing picked, changes with status released; the release carries the new quantity", () => {
    const state = given(create, release)
    const events = accepted(change([1, "8"], [2, "4"]), state)
    const changed = events[0] as OrderChanged
    expect(changed.status).toBe("released")
    expect(changed.changed.map((c) => [c.lineNumber, c.previous.toString(), c.quantity.toString()])).toEqual([[1, "10 EA", "8 EA"]])
    expect(events.reduce(evolve, state).lines[0]?.ordered.toString()).toBe("8 EA")
    expect(changed.shipFrom).toBe("dc-rotterdam")
  })

  it("given the quantities already applied, is a pure replay: no events", () => {
    const state = given(create, change([2, "6"]))
    expect(decide(change([2, "6"]), state)).toEqual(Result.succeed([]))
    expect(decide(change([2, "6.000"]), state)).toEqual(Result.succeed([]))
  })

  it("after a pick, is InvalidState naming the state", () => {
    const state = given(create, release, pick(1, "SKU-42", "10"))
    const rejection = rejected(change([2, "1"]), state)
    expect(rejection).toMatchObject({ _tag: "InvalidState", command: "ChangeOrder", state: "picking" })
    expect(rejected(change([2, "1"]), given(create, release, pick(1, "SKU-42", "10"), pick(2, "SKU-77", "4")))).toMatchObject({
      _tag: "InvalidState",
      state: "picked"
    })
    expect(rejected(change([2, "1"]), given(create, cancel()))).toMatchObject({ _tag: "InvalidState", state: "cancelled" })
  })

  it("an unknown line is UnknownLine; another unit is UnitMismatch; no order is InvalidState", () => {
    expect(rejected(change([3, "1"]), given(create))).toEqual(new UnknownLine({ lineNumber: 3 }))
    expect(rejected(change([1, "1", "CS"]), given(create))).toEqual(new UnitMismatch({ expected: "EA", got: "CS" }))
    expect(rejected(change([1, "1"]), initialState)).toMatchObject({ _tag: "InvalidState", state: "none" })
  })
})

// ---------------------------------------------------------------- CancelOrder

describe("CancelOrder", () => {
  it("before pick: afterPick false, no picked lines, the shipment named", () => {
    const state = given(create, release)
    const events = accepted(cancel("out of stock"), state)
    expect(events).toEqual([
      new OrderCancelled({
        order: OrderId.make(ORDER),
        shipFrom: state.shipFrom!,
        shipment: shipmentOf(OrderId.make(ORDER)),
        afterPick: false,
        lines: (events[0] as OrderCancelled).lines,
        picked: [],
        reason: "out of stock"
      })
    ])
    expect((events[0] as OrderCancelled).lines.map((l) => l.lineNumber)).toEqual([1, 2])
    const after = events.reduce(evolve, state)
    expect(after.status).toBe("cancelled")
    expect(after.cancelReason).toBe("out of stock")
  })

  it("given created (never released), cancels too", () => {
    expect(accepted(cancel(), given(create))).toMatchObject([{ _tag: "OrderCancelled", afterPick: false, shipment: SHIPMENT }])
  })

  it("after pick: afterPick true and the picked lines with the picked item to put away", () => {
    const state = given(create, release, pick(2, "SKU-310", "4", { substitute: true }))
    const cancelled = accepted(cancel(), state)[0] as OrderCancelled
    expect(cancelled.afterPick).toBe(true)
    expect(cancelled.picked).toEqual([new LineItemQuantity({ lineNumber: 2, item: cancelled.picked[0]!.item, quantity: ea("4") })])
    expect(cancelled.picked[0]?.item).toBe("SKU-310")
  })

  it("a line picked zero (fully short) has nothing to put away", () => {
    const state = given(create, release, pick(1, "SKU-42", "0", { short: true }), pick(2, "SKU-77", "4"))
    const cancelled = accepted(cancel(), state)[0] as OrderCancelled
    expect(cancelled.afterPick).toBe(true)
    expect(cancelled.picked.map((p) => [p.lineNumber, p.item, p.quantity.toString()])).toEqual([[2, "SKU-77", "4 EA"]])
  })

  it("cancelling again is a pure replay: no events", () => {
    expect(decide(cancel(), given(create, release, cancel()))).toEqual(Result.succeed([]))
  })

  it("packed can still cancel; loaded and later is InvalidState naming the state", () => {
    const packed = given(create, release, pick(1, "SKU-42", "10"), pick(2, "SKU-77", "4"), progress("packed"))
    expect(tags(accepted(cancel(), packed))).toEqual(["OrderCancelled"])
    const loaded = apply(packed, progress("loaded"))
    expect(rejected(cancel(), loaded)).toEqual(new InvalidState({ command: "CancelOrder", state: "loaded", detail: "the order is loaded: too late to cancel" }))
    expect(rejected(cancel(), apply(loaded, progress("shipped")))).toMatchObject({ state: "shipped" })
    expect(rejected(cancel(), delivered())).toMatchObject({ state: "delivered" })
    expect(rejected(cancel(), initialState)).toMatchObject({ state: "none" })
  })
})

// ---------------------------------------------------------------- RecordPick

describe("RecordPick", () => {
  it("a line that is not the last: OrderLinePicked only, the order is picking", () => {
    const state = given(create, release)
    const events = accepted(pick(1, "SKU-42", "10"), state)
    expect(events).toEqual([
      new OrderLinePicked({
        order: OrderId.make(ORDER),
        lineNumber: 1,
        task: (events[0] as OrderLinePicked).task,
        item: (events[0] as OrderLinePicked).item,
        picked: ea("10"),
        short: false,
        substitute: false
      })
    ])
    expect((events[0] as OrderLinePicked).task).toBe(`${ORDER}-L1`)
    const after = events.reduce(evolve, state)
    expect(after.status).toBe("picking")
    expect(after.lines[0]?.picked?.toString()).toBe("10 EA")
    expect(after.lines[0]?.task).toBe(`${ORDER}-L1`)
    expect(after.lines[1]?.picked).toBeUndefined()
  })

  it("the last unpicked line: OrderLinePicked and OrderPicked, the order is picked", () => {
    const state = given(create, release, pick(1, "SKU-42", "10"))
    const events = accepted(pick(2, "SKU-77", "4"), state)
    expect(tags(events)).toEqual(["OrderLinePicked", "OrderPicked"])
    const picked = events[1] as OrderPicked
    expect(picked.shipment).toBe(SHIPMENT)
    expect(picked.shipFrom).toBe("dc-rotterdam")
    expect(picked.lines).toEqual([
      new PickedLine({ lineNumber: 1, item: picked.lines[0]!.item, ordered: ea("10"), picked: ea("10"), short: false, substitute: false }),
      new PickedLine({ lineNumber: 2, item: picked.lines[1]!.item, ordered: ea("4"), picked: ea("4"), short: false, substitute: false })
    ])
    expect(events.reduce(evolve, state).status).toBe("picked")
  })

  it("a single-line order goes from released to picked in one decision", () => {
    const single = cmd({ ...createInput, lines: [line(1, "SKU-42", "3")] })
    const state = given(single, release)
    const events = accepted(pick(1, "SKU-42", "3"), state)
    expect(tags(events)).toEqual(["OrderLinePicked", "OrderPicked"])
    expect(events.reduce(evolve, state).status).toBe("picked")
  })

  it("short pick and substitution are carried into the line and OrderPicked", () => {
    const state = given(create, release, pick(1, "SKU-42", "7", { short: true }))
    const events = accepted(pick(2, "SKU-555", "4", { substitute: true }), state)
    const picked = events[1] as OrderPicked
    expect(picked.lines.map((l) => [l.lineNumber, l.item, l.ordered.toString(), l.picked.toString(), l.short, l.substitute])).toEqual([
      [1, "SKU-42", "10 EA", "7 EA", true, false],
      [2, "SKU-555", "4 EA", "4 EA", false, true]
    ])
    const after = events.reduce(evolve, state)
    expect(after.lines.map((l) => [l.item, l.pickedItem, l.short, l.substitute])).toEqual([
      ["SKU-42", "SKU-42", true, false],
      ["SKU-77", "SKU-555", false, true]
    ])
  })

  it("the same pick again is a pure replay; a different one is InvalidState", () => {
    const state = given(create, release, pick(1, "SKU-42", "10"))
    expect(decide(pick(1, "SKU-42", "10"), state)).toEqual(Result.succeed([]))
    expect(decide(pick(1, "SKU-42", "10.0"), state)).toEqual(Result.succeed([]))
    expect(rejected(pick(1, "SKU-42", "9", { short: true }), state)).toMatchObject({ _tag: "InvalidState", command: "RecordPick", state: "picking" })
    const all = given(create, release, pick(1, "SKU-42", "10"), pick(2, "SKU-77", "4"))
    expect(decide(pick(2, "SKU-77", "4"), all)).toEqual(Result.succeed([]))
  })

  it("another unit is UnitMismatch; an unknown line is UnknownLine", () => {
    const state = given(create, release)
    expect(rejected(pick(1, "SKU-42", "1", { unit: "CS" }), state)).toEqual(new UnitMismatch({ expected: "EA", got: "CS" }))
    expect(rejected(pick(9, "SKU-42", "1"), state)).toEqual(new UnknownLine({ lineNumber: 9 }))
  })

  it("is ignored (no events) once cancelled; InvalidState before release or without an order", () => {
    expect(decide(pick(1, "SKU-42", "10"), given(create, release, cancel()))).toEqual(Result.succeed([]))
    expect(rejected(pick(1, "SKU-42", "10"), given(create))).toMatchObject({ _tag: "InvalidState", state: "created" })
    expect(rejected(pick(1, "SKU-42", "10"), initialState)).toMatchObject({ _tag: "InvalidState", state: "none" })
  })

  it("a pick arriving after packing records the line and does not move the status back", () => {
    const packed = given(create, release, pick(1, "SKU-42", "10"), progress("packed"))
    const events = accepted(pick(2, "SKU-77", "4"), packed)
    expect(tags(events)).toEqual(["OrderLinePicked", "OrderPicked"])
    expect(events.reduce(evolve, packed).status).toBe("packed")
  })
})

// ---------------------------------------------------------------- lifecycle and shipment progress

describe("RecordShipmentProgress", () => {
  it("the full lifecycle: created -> released -> picking -> picked -> packed -> loaded -> shipped -> delivered", () => {
    const steps: ReadonlyArray<readonly [OrderCommand, OrderStatus]> = [
      [create, "created"],
      [release, "released"],
      [pick(1, "SKU-42", "10"), "picking"],
      [pick(2, "SKU-77", "4"), "picked"],
      [progress("packed"), "packed"],
      [progress("loaded"), "loaded"],
      [progress("shipped"), "shipped"],
      [progress("delivered", "signed by J. Jansen"), "delivered"]
    ]
    let state = initialState
    for (const [command, status] of steps) {
      state = apply(state, command)
      expect(state.status).toBe(status)
    }
    expect(state.progressDetail).toBe("signed by J. Jansen")
  })

  it("emits OrderProgressed with the shipment, stage and detail", () => {
    const state = given(create, release, pick(1, "SKU-42", "10"), pick(2, "SKU-77", "4"))
    expect(accepted(progress("packed", "2 cartons"), state)).toEqual([
      new OrderProgressed({ order: OrderId.make(ORDER), shipment: shipmentOf(OrderId.make(ORDER)), stage: "packed", detail: "2 cartons" })
    ])
    expect(accepted(progress("packed"), state)[0]).not.toHaveProperty("detail")
  })

  it("a stage already reached (or passed) is no events", () => {
    const shipped = given(create, release, pick(1, "SKU-42", "10"), pick(2, "SKU-77", "4"), progress("packed"), progress("loaded"), progress("shipped"))
    expect(decide(progress("shipped"), shipped)).toEqual(Result.succeed([]))
    expect(decide(progress("packed"), shipped)).toEqual(Result.succeed([]))
    expect(decide(progress("delivered"), delivered())).toEqual(Result.succeed([]))
    expect(decide(progress("delivery_failed"), delivered())).toEqual(Result.succeed([]))
  })

  it("delivery_failed then delivered (redelivery); a second failure while failed is no events", () => {
    const shipped = given(create, release, pick(1, "SKU-42", "10"), pick(2, "SKU-77", "4"), progress("packed"), progress("loaded"), progress("shipped"))
    const failed = apply(shipped, progress("delivery_failed", "nobody home"))
    expect(failed.status).toBe("delivery_failed")
    expect(failed.progressDetail).toBe("nobody home")
    expect(decide(progress("delivery_failed", "closed"), failed)).toEqual(Result.succeed([]))
    expect(tags(accepted(progress("delivered"), failed))).toEqual(["OrderProgressed"])
    expect(apply(failed, progress("delivered")).status).toBe("delivered")
  })

  it("moves forward past a missed stage (shipped straight after picked)", () => {
    const picked = given(create, release, pick(1, "SKU-42", "10"), pick(2, "SKU-77", "4"))
    expect(apply(picked, progress("shipped")).status).toBe("shipped")
  })

  it("another shipment, an unreleased, cancelled or unknown order is InvalidState", () => {
    const released = given(create, release)
    expect(rejected(progress("packed", undefined, "S-OTHER"), released)).toMatchObject({ _tag: "InvalidState", state: "released" })
    expect(rejected(progress("packed"), given(create))).toMatchObject({ _tag: "InvalidState", state: "created" })
    expect(rejected(progress("packed"), given(create, release, cancel()))).toMatchObject({ _tag: "InvalidState", state: "cancelled" })
    expect(rejected(progress("packed"), initialState)).toMatchObject({ _tag: "InvalidState", state: "none" })
  })
})

// ---------------------------------------------------------------- returns

describe("AuthorizeReturn / ReceiveReturn", () => {
  it("authorizes once delivered, naming the delivered (substitute) item", () => {
    const state = delivered()
    const events = accepted(authorize("RMA-1", [1, "2"], [2, "3"]), state)
    expect(tags(events)).toEqual(["ReturnAuthorized"])
    const authorized = events[0] as ReturnAuthorized
    expect(authorized.shipFrom).toBe("dc-rotterdam")
    expect(authorized.lines.map((l) => [l.lineNumber, l.item, l.quantity.toString()])).toEqual([
      [1, "SKU-42", "2 EA"],
      [2, "SKU-99", "3 EA"]
    ])
    const after = events.reduce(evolve, state)
    expect(after.status).toBe("return_authorized")
    expect(after.returns.map((r) => [r.rma, r.status])).toEqual([["RMA-1", "authorized"]])
  })

  it("before delivery is InvalidState naming the state", () => {
    const shipped = given(create, release, pick(1, "SKU-42", "10"), pick(2, "SKU-77", "4"), progress("packed"), progress("loaded"), progress("shipped"))
    expect(rejected(authorize("RMA-1", [1, "1"]), shipped)).toMatchObject({ _tag: "InvalidState", command: "AuthorizeReturn", state: "shipped" })
    expect(rejected(authorize("RMA-1", [1, "1"]), initialState)).toMatchObject({ _tag: "InvalidState", state: "none" })
  })

  it("the same RMA again is a pure replay; with other lines it is InvalidState", () => {
    const state = apply(delivered(), authorize("RMA-1", [1, "2"]))
    expect(decide(authorize("RMA-1", [1, "2"]), state)).toEqual(Result.succeed([]))
    expect(rejected(authorize("RMA-1", [1, "3"]), state)).toMatchObject({ _tag: "InvalidState", state: "return_authorized" })
  })

  it("cannot return more than was picked, across RMAs; unknown line and unit are refused", () => {
    const state = delivered()
    expect(rejected(authorize("RMA-1", [2, "4"]), state)).toMatchObject({ _tag: "InvalidState", state: "delivered" })
    const once = apply(state, authorize("RMA-1", [1, "6"]))
    expect(rejected(authorize("RMA-2", [1, "5"]), once)).toMatchObject({ _tag: "InvalidState" })
    expect(tags(accepted(authorize("RMA-2", [1, "4"]), once))).toEqual(["ReturnAuthorized"])
    expect(rejected(authorize("RMA-3", [7, "1"]), state)).toEqual(new UnknownLine({ lineNumber: 7 }))
    expect(rejected(authorize("RMA-3", [1, "1", "PL"]), state)).toEqual(new UnitMismatch({ expected: "EA", got: "PL" }))
  })

  it("receives an authorized RMA once: returned; replay no events, a different receipt InvalidState", () => {
    const state = apply(delivered(), authorize("RMA-1", [1, "2"], [2, "3"]))
    const events = accepted(receive("RMA-1", [1, "2"], [2, "3"]), state)
    expect(events).toEqual([
      new ReturnReceived({
        order: OrderId.make(ORDER),
        shipFrom: state.shipFrom!,
        rma: (events[0] as ReturnReceived).rma,
        lines: (state.returns[0]?.lines ?? []).map((l) => new LineItemQuantity({ lineNumber: l.lineNumber, item: l.item, quantity: l.quantity }))
      })
    ])
    const after = events.reduce(evolve, state)
    expect(after.status).toBe("returned")
    expect(after.returns[0]?.status).toBe("received")
    expect(after.returns[0]?.received?.map((l) => l.quantity.toString())).toEqual(["2 EA", "3 EA"])
    expect(decide(receive("RMA-1", [1, "2"], [2, "3"]), after)).toEqual(Result.succeed([]))
    expect(rejected(receive("RMA-1", [1, "1"]), after)).toMatchObject({ _tag: "InvalidState", state: "returned" })
  })

  it("a partial receipt is accepted; more than authorized, a line outside the RMA or an unknown RMA is InvalidState", () => {
    const state = apply(delivered(), authorize("RMA-1", [1, "2"]))
    expect(rejected(receive("RMA-9", [1, "2"]), state)).toEqual(
      new InvalidState({ command: "ReceiveReturn", state: "return_authorized", detail: "return RMA-9 is not authorized" })
    )
    expect(rejected(receive("RMA-1", [1, "3"]), state)).toMatchObject({ _tag: "InvalidState" })
    expect(rejected(receive("RMA-1", [2, "1"]), state)).toMatchObject({ _tag: "InvalidState", detail: "line 2 is not in return RMA-1" })
    expect(rejected(receive("RMA-1", [1, "1", "CS"]), state)).toEqual(new UnitMismatch({ expected: "EA", got: "CS" }))
    const partial = accepted(receive("RMA-1", [1, "1"]), state)[0] as ReturnReceived
    expect(partial.lines.map((l) => [l.item, l.quantity.toString()])).toEqual([["SKU-42", "1 EA"]])
  })

  it("with two RMAs the order is returned only when both are received", () => {
    const state = given(...[create, release, pick(1, "SKU-42", "10"), pick(2, "SKU-77", "4"), progress("shipped"), progress("delivered")])
    const two = [authorize("RMA-1", [1, "1"]), authorize("RMA-2", [2, "1"]), receive("RMA-1", [1, "1"])].reduce(apply, state)
    expect(two.status).toBe("return_authorized")
    expect(apply(two, receive("RMA-2", [2, "1"])).status).toBe("returned")
  })
})

// ---------------------------------------------------------------- JSON codecs and entity

const roundTrip = <A, I>(schema: Schema.Codec<A, I>, value: A): A =>
  Schema.decodeUnknownSync(schema)(JSON.parse(JSON.stringify(Schema.encodeSync(schema)(value))))

describe("JSON codecs", () => {
  it("state and every event survive a JSON round trip at each step", () => {
    const commands: ReadonlyArray<OrderCommand> = [
      create,
      change([2, "5"]),
      release,
      pick(1, "SKU-42", "7.5", { short: true }),
      pick(2, "SKU-310", "5", { substitute: true }),
      progress("packed"),
      progress("loaded"),
      progress("shipped"),
      progress("delivery_failed", "closed"),
      progress("delivered"),
      authorize("RMA-1", [1, "2.5"]),
      receive("RMA-1", [1, "2.5"])
    ]
    const seen = new Set<string>()
    let state = initialState
    expect(roundTrip(OrderState, state)).toEqual(state)
    for (const command of commands) {
      expect(roundTrip(OrderCommand, command)).toEqual(command)
      for (const event of accepted(command, state)) {
        seen.add(event._tag)
        const encoded = Schema.encodeSync(OrderEvent)(event)
        expect(JSON.parse(JSON.stringify(encoded))).toEqual(encoded)
        expect(roundTrip(OrderEvent, event)).toEqual(event)
        state = evolve(state, event)
      }
      const json = JSON.parse(JSON.stringify(Schema.encodeSync(OrderState)(state)))
      expect(Schema.decodeUnknownSync(OrderState)(json)).toEqual(state)
    }
    const cancelled = accepted(cancel(), given(create, release, pick(1, "SKU-42", "3", { short: true })))
    for (const event of cancelled) {
      seen.add(event._tag)
      expect(roundTrip(OrderEvent, event)).toEqual(event)
    }
    expect(roundTrip(OrderState, cancelled.reduce(evolve, given(create, release, pick(1, "SKU-42", "3", { short: true }))))).toMatchObject({
      status: "cancelled"
    })
    expect([...seen].sort()).toEqual([
      "OrderCancelled",
      "OrderChanged",
      "OrderCreated",
      "OrderLinePicked",
      "OrderPicked",
      "OrderProgressed",
      "OrderReleased",
      "ReturnAuthorized",
      "ReturnReceived"
    ])
    expect(state.status).toBe("returned")
  })

  it("decimals are written as exact decimal strings, never floats", () => {
    const state = given(create, release, pick(1, "SKU-42", "7.5", { short: true }))
    const json = JSON.parse(JSON.stringify(Schema.encodeSync(OrderState)(state)))
    expect(json.lines[0].picked).toEqual({ amount: "7.5", unit: "EA" })
    expect(json.deliveryWindow).toEqual({ from: "2025-06-04T08:00:00.000Z", to: "2025-06-04T12:00:00.000Z" })
  })

  it("rejections survive a JSON round trip", () => {
    for (const rejection of [
      new InvalidState({ command: "CancelOrder", state: "loaded", detail: "too late" }),
      new UnknownLine({ lineNumber: 3 }),
      new UnitMismatch({ expected: "EA", got: "CS" })
    ]) {
      expect(roundTrip(OrderRejection, rejection)).toEqual(rejection)
    }
  })
})

describe("orderEntity", () => {
  it("is the engine entity `order`, keyed by order id, tagging events and rejections by `_tag`", () => {
    expect(orderEntity.name).toBe("order")
    expect(orderEntity.keyOf(release)).toBe(ORDER)
    expect(orderEntity.keyOf(pick(1, "SKU-42", "1"))).toBe(ORDER)
    expect(orderEntity.notifyRejections).toBe(false)
    expect(orderEntity.decider.initialState.status).toBe("none")
    const events = accepted(create, initialState)
    expect(events.map(orderEntity.eventType)).toEqual(["OrderCreated"])
    expect(orderEntity.rejectionType(new UnknownLine({ lineNumber: 1 }))).toBe("UnknownLine")
    expect(orderEntity.decider.decide(create, orderEntity.decider.initialState)).toEqual(decide(create, initialState))
  })
})

describe("RecordPick after a change", () => {
  it("short is judged against the order's current quantity, not the flag the task sent", () => {
    const state = given(create, release, change([1, "6"]))
    // The task still asked for 10 and called a pick of 6 short; the order asks for 6 now.
    const [linePicked] = accepted(pick(1, "SKU-42", "6", { short: true }), state) as ReadonlyArray<OrderLinePicked>
    expect(linePicked?.short).toBe(false)
    const [shortPick] = accepted(pick(1, "SKU-42", "5"), state) as ReadonlyArray<OrderLinePicked>
    expect(shortPick?.short).toBe(true)
  })
})
