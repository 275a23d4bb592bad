/**
 * The inventory decider (pure): the book of one item at one site, from
 * docs/order-to-delivery.md, "Modules > inventory".
 *
 *   CountStock         -> StockCounted [+ InventoryMismatch when a counted book differs] (the count wins)
 *   ReserveStock       -> StockReserved   (up to available to promise, the rest as shortfall; line again: nothing)
 *   ReleaseReservation -> ReservationReleased (no open reservation: nothing)
 *   IssueStock         -> StockIssued     (consumes the line's reservation, lowers on hand; line again: nothing)
 *   RestockItems       -> StockRestocked  (raises on hand; reference again: nothing)
 *
 * All quantities share the book's unit (set by the first movement):
 * another unit is `UnitMismatch`. A conflicting repeat (same line or
 * reference with another quantity) is `InvalidState`. Arithmetic is exact
 * (`BigDecimal`); on hand never goes below zero (an issue beyond the book
 * leaves zero, for the next count to correct).
 */
import { BigDecimal, Result } from "effect"
import type { Decision } from "@logimesh/engine"
import { Quantity } from "@logimesh/model"
import type { CountStock, InventoryCommand, IssueStock, ReleaseReservation, ReserveStock, RestockItems } from "./InventoryCommands.ts"
import { type InventoryEvent, InventoryMismatch, ReservationReleased, StockCounted, StockIssued, StockReserved, StockRestocked } from "./InventoryEvents.ts"
import { type InventoryRejection, InvalidState, UnitMismatch } from "./InventoryRejections.ts"
import { availableToPromise, InventoryState, LineMovement, Reservation, Restock } from "./InventoryState.ts"

export type InventoryDecision = Decision<InventoryEvent, InventoryRejection>

/** The book of an item nothing is known about yet. */
export const initialState: InventoryState = new InventoryState({ status: "empty", reservations: [], released: [], issued: [], restocks: [] })

/** The entity key of an item's book at a site: `<site>/<item>`. */
export const inventoryKey = (site: string, item: string): string => `${site}/${item}`

const nothing: InventoryDecision = Result.succeed([])
const emit = (...events: ReadonlyArray<InventoryEvent>): InventoryDecision => Result.succeed(events)
const invalid = (command: InventoryCommand, state: InventoryState, detail: string): InventoryDecision =>
  Result.fail(new InvalidState({ command: command._tag, state: state.status, detail }))

const zero = BigDecimal.fromBigInt(0n)
const quantity = (amount: BigDecimal.BigDecimal, unit: Quantity["unit"]): Quantity => new Quantity({ amount: BigDecimal.normalize(amount), unit })
const sameQuantity = (a: Quantity, b: Quantity): boolean => a.unit === b.unit && BigDecimal.equals(a.amount, b.amount)
const show = (q: Quantity): string => `${BigDecimal.format(BigDecimal.normalize(q.amount))} ${q.unit}`

/** UnitMismatch when the book has a unit and `q` is in another. */
const unitProblem = (state: InventoryState, q: Quantity): InventoryDecision | undefined =>
  state.onHand !== undefined && state.onHand.unit !== q.unit ? Result.fail(new UnitMismatch({ expected: state.onHand.unit, got: q.unit })) : undefined

const sameLine = (order: string, lineNumber: number) => (x: { readonly order: string; readonly lineNumber: number }) =>
  x.order === order && x.lineNumber === lineNumber

const countStock = (command: CountStock, state: InventoryState): InventoryDecision => {
  const problem = unitProblem(state, command.onHand)
  if (problem !== undefined) return problem
  const previous = state.onHand ?? quantity(zero, command.onHand.unit)
  const counted = quantity(command.onHand.amount, command.onHand.unit)
  const booked = state.status === "counted"
  if (booked && sameQuantity(previous, counted)) return nothing // the book already says so
  const stockCounted = new StockCounted({ site: command.site, item: command.item, onHand: counted, previous })
  return booked ? emit(stockCounted, new InventoryMismatch({ site: command.site, item: command.item, book: previous, counted })) : emit(stockCounted)
}

const reserveStock = (command: ReserveStock, state: InventoryState): InventoryDecision => {
  const problem = unitProblem(state, command.quantity)
  if (problem !== undefined) return problem
  const line = sameLine(command.order, command.lineNumber)
  const open = state.reservations.find(line)
  if (open !== undefined) {
    const asked = quantity(BigDecimal.sum(open.quantity.amount, open.shortfall.amount), open.quantity.unit)
    return sameQuantity(asked, command.quantity)
      ? nothing
      : invalid(command, state, `order ${command.order} line ${command.lineNumber} already reserved ${show(open.quantity)} of ${show(asked)} asked`)
  }
  if (state.issued.some(line) || state.released.some(line)) return nothing // the line was reserved before and is done with
  const unit = command.quantity.unit
  const available = availableToPromise(state)?.amount ?? zero
  const reserved = BigDecimal.min(command.quantity.amount, available)
  return emit(
    new StockReserved({
      site: command.site,
      item: command.item,
      order: command.order,
      lineNumber: command.lineNumber,
      quantity: quantity(reserved, unit),
      shortfall: quantity(BigDecimal.subtract(command.quantity.amount, reserved), unit)
    })
  )
}

const releaseReservation = (command: ReleaseReservation, state: InventoryState): InventoryDecision => {
  const open = state.reservations.find(sameLine(command.order, command.lineNumber))
  if (open === undefined || BigDecimal.isZero(open.quantity.amount)) return nothing // nothing reserved
  return emit(
    new ReservationReleased({ site: command.site, item: command.item, order: command.order, lineNumber: command.lineNumber, quantity: open.quantity })
  )
}

const issueStock = (command: IssueStock, state: InventoryState): InventoryDecision => {
  const problem = unitProblem(state, command.quantity)
  if (problem !== undefined) return problem
  const done = state.issued.find(sameLine(command.order, command.lineNumber))
  if (done !== undefined) {
    return sameQuantity(done.quantity, command.quantity)
      ? nothing
      : invalid(command, state, `order ${command.order} line ${command.lineNumber} was already issued ${show(done.quantity)}`)
  }
  return emit(
    new StockIssued({
      site: command.site,
      item: command.item,
      order: command.order,
      lineNumber: command.lineNumber,
      quantity: quantity(command.quantity.amount, command.quantity.unit)
    })
  )
}

const restockItems = (command: RestockItems, state: InventoryState): InventoryDecision => {
  const problem = unitProblem(state, command.quantity)
  if (problem !== undefined) return problem
  const done = state.restocks.find((r) => r.reference === command.reference)
  if (done !== undefined) {
    return sameQuantity(done.quantity, command.quantity)
      ? nothing
      : invalid(command, state, `restock ${command.reference} was already applied with ${show(done.quantity)}`)
  }
  return emit(
    new StockRestocked({
      site: command.site,
      item: command.item,
      reference: command.reference,
      quantity: quantity(command.quantity.amount, command.quantity.unit)
    })
  )
}

export const decide = (command: InventoryCommand, state: InventoryState): InventoryDecision => {
  switch (command._tag) {
    case "CountStock":
      return countStock(command, state)
    case "ReserveStock":
      return reserveStock(command, state)
    case "ReleaseReservation":
      return releaseReservation(command, state)
    case "IssueStock":
      return issueStock(command, state)
    case "RestockItems":
      return restockItems(command, state)
  }
}

// -------------------------------------------------------------------- evolve

type StateFields = Omit<ConstructorParameters<typeof InventoryState>[0], "_tag">

/** The state with the event's site, item and (once known) book unit; later fields override. */
const next = (state: InventoryState, event: InventoryEvent, unitOf: Quantity, changes: Partial<StateFields>): InventoryState => {
  const { _tag, ...fields } = state
  return new InventoryState({
    ...fields,
    status: state.status === "empty" ? "uncounted" : state.status,
    site: event.site,
    item: event.item,
    onHand: state.onHand ?? quantity(zero, unitOf.unit),
    ...changes
  })
}

const onHandOf = (state: InventoryState, unitOf: Quantity): Quantity => state.onHand ?? quantity(zero, unitOf.unit)

export const evolve = (state: InventoryState, event: InventoryEvent): InventoryState => {
  switch (event._tag) {
    case "StockCounted":
      return next(state, event, event.onHand, { status: "counted", onHand: event.onHand })
    case "InventoryMismatch":
      return state // the StockCounted before it already replaced the book
    case "StockReserved":
      return next(state, event, event.quantity, {
        reservations: [
          ...state.reservations,
          new Reservation({ order: event.order, lineNumber: event.lineNumber, quantity: event.quantity, shortfall: event.shortfall })
        ]
      })
    case "ReservationReleased": {
      const line = sameLine(event.order, event.lineNumber)
      return next(state, event, event.quantity, {
        reservations: state.reservations.filter((r) => !line(r)),
        released: [...state.released, new LineMovement({ order: event.order, lineNumber: event.lineNumber, quantity: event.quantity })]
      })
    }
    case "StockIssued": {
      const line = sameLine(event.order, event.lineNumber)
      const onHand = onHandOf(state, event.quantity)
      return next(state, event, event.quantity, {
        onHand: quantity(BigDecimal.max(BigDecimal.subtract(onHand.amount, event.quantity.amount), zero), onHand.unit),
        reservations: state.reservations.filter((r) => !line(r)),
        issued: [...state.issued, new LineMovement({ order: event.order, lineNumber: event.lineNumber, quantity: event.quantity })]
      })
    }
    case "StockRestocked": {
      const onHand = onHandOf(state, event.quantity)
      return next(state, event, event.quantity, {
        onHand: quantity(BigDecimal.sum(onHand.amount, event.quantity.amount), onHand.unit),
        restocks: [...state.restocks, new Restock({ reference: event.reference, quantity: event.quantity })]
      })
    }
  }
}
