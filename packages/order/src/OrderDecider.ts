/**
 * The order decider (pure): the per-order actor's rules from
 * docs/order-to-delivery.md, "Modules > order".
 *
 *   CreateOrder            -> OrderCreated                       (exists already: InvalidState)
 *   ReleaseOrder           -> OrderReleased, shipment S-<order>  (created only; already released: nothing)
 *   ChangeOrder            -> OrderChanged                       (created, or released before any pick)
 *   CancelOrder            -> OrderCancelled                     (until packed; cancelled again: nothing)
 *   RecordPick             -> OrderLinePicked [+ OrderPicked on the last unpicked line] (cancelled: nothing)
 *   RecordShipmentProgress -> OrderProgressed                    (forward only; delivery_failed -> delivered allowed)
 *   AuthorizeReturn        -> ReturnAuthorized                   (once delivered; up to the picked quantity)
 *   ReceiveReturn          -> ReturnReceived                     (authorized RMA, once)
 *
 * A pure replay (same effect already applied) decides no events; a
 * conflicting repeat is `InvalidState`. Quantities must be in the line's
 * unit (`UnitMismatch`), line numbers must exist (`UnknownLine`).
 */
import { BigDecimal, Result } from "effect"
import type { Decision } from "@logimesh/engine"
import {
  type Address,
  definedFields,
  type OrderId,
  type Quantity,
  type ServiceLevel,
  ShipmentId,
  shipmentIdOf,
  type SiteId,
  type TimeWindow
} from "@logimesh/model"
import {
  type AuthorizeReturn,
  type CancelOrder,
  type ChangeOrder,
  type CreateOrder,
  type LineQuantity,
  OrderLine,
  type OrderCommand,
  type ReceiveReturn,
  type RecordPick,
  type RecordShipmentProgress,
  type ReleaseOrder
} from "./OrderCommands.ts"
import {
  LineChange,
  LineItemQuantity,
  OrderCancelled,
  OrderChanged,
  OrderCreated,
  type OrderEvent,
  OrderLinePicked,
  OrderPicked,
  OrderProgressed,
  OrderReleased,
  PickedLine,
  ReturnAuthorized,
  ReturnReceived
} from "./OrderEvents.ts"
import { InvalidState, type OrderRejection, UnitMismatch, UnknownLine } from "./OrderRejections.ts"
import { OrderLineState, OrderReturn, OrderState, type OrderStatus } from "./OrderState.ts"

export type OrderDecision = Decision<OrderEvent, OrderRejection>

/** The state of an order that does not exist yet. */
export const initialState: OrderState = new OrderState({ status: "none", lines: [], returns: [] })

/** The shipment of an order (`shipmentIdOf`). */
export const shipmentOf = (order: OrderId): ShipmentId => ShipmentId.make(shipmentIdOf(order))

/** Position of a status in the lifecycle (`cancelled` is off the line). */
const rank: Readonly<Record<OrderStatus, number>> = {
  none: 0,
  created: 1,
  released: 2,
  picking: 3,
  picked: 4,
  packed: 5,
  loaded: 6,
  shipped: 7,
  delivered: 8,
  delivery_failed: 8,
  return_authorized: 9,
  returned: 9,
  cancelled: -1
}

const cancellable: ReadonlyArray<OrderStatus> = ["created", "released", "picking", "picked", "packed"]
const returnable: ReadonlyArray<OrderStatus> = ["delivered", "return_authorized", "returned"]

const nothing: OrderDecision = Result.succeed([])
const emit = (...events: ReadonlyArray<OrderEvent>): OrderDecision => Result.succeed(events)
const invalid = (command: OrderCommand, state: OrderState, detail: string): OrderDecision =>
  Result.fail(new InvalidState({ command: command._tag, state: state.status, detail }))

const sameQuantity = (a: Quantity, b: Quantity): boolean => a.unit === b.unit && BigDecimal.equals(a.amount, b.amount)
const show = (q: Quantity): string => `${BigDecimal.format(BigDecimal.normalize(q.amount))} ${q.unit}`
const zero = BigDecimal.fromBigInt(0n)

interface Header {
  readonly order: OrderId
  readonly shipFrom: SiteId
  readonly serviceLevel: ServiceLevel
  readonly shipTo: Address
  readonly deliveryWindow?: TimeWindow
}

/** The order's header once it exists. */
const headerOf = (state: OrderState): Header | undefined => {
  const { order, shipFrom, serviceLevel, shipTo, deliveryWindow } = state
  if (state.status === "none" || order === undefined || shipFrom === undefined || serviceLevel === undefined || shipTo === undefined) {
    return undefined
  }
  return { order, shipFrom, serviceLevel, shipTo, ...definedFields({ deliveryWindow }) }
}

const notFound = (command: OrderCommand, state: OrderState): OrderDecision => invalid(command, state, `order ${command.order} does not exist`)

const lineOf = (state: OrderState, lineNumber: number): OrderLineState | undefined => state.lines.find((line) => line.lineNumber === lineNumber)

/** UnknownLine / UnitMismatch of the first line that names no line of the order or uses another unit. */
const lineProblem = (state: OrderState, lines: ReadonlyArray<{ readonly lineNumber: number; readonly quantity: Quantity }>): OrderRejection | undefined => {
  for (const { lineNumber, quantity } of lines) {
    const line = lineOf(state, lineNumber)
    if (line === undefined) return new UnknownLine({ lineNumber })
    if (quantity.unit !== line.ordered.unit) return new UnitMismatch({ expected: line.ordered.unit, got: quantity.unit })
  }
  return undefined
}

const toOrderLine = (line: OrderLineState): OrderLine =>
  new OrderLine({
    lineNumber: line.lineNumber,
    item: line.item,
    quantity: line.ordered,
    requestedShipDate: line.requestedShipDate,
    hazmat: line.hazmat,
    weight: line.weight
  })

/** The same lines with the same quantities, in any order. */
const sameLines = (applied: ReadonlyArray<LineItemQuantity>, asked: ReadonlyArray<LineQuantity>): boolean =>
  applied.length === asked.length && asked.every((a) => applied.some((l) => l.lineNumber === a.lineNumber && sameQuantity(l.quantity, a.quantity)))

const createOrder = (command: CreateOrder, state: OrderState): OrderDecision => {
  if (state.status !== "none") return invalid(command, state, `order ${command.order} already exists`)
  return emit(
    new OrderCreated({
      order: command.order,
      shipFrom: command.shipFrom,
      serviceLevel: command.serviceLevel,
      shipTo: command.shipTo,
      ...definedFields({ deliveryWindow: command.deliveryWindow }),
      lines: command.lines
    })
  )
}

const releaseOrder = (command: ReleaseOrder, state: OrderState): OrderDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  if (state.status === "cancelled") return invalid(command, state, "the order is cancelled")
  if (state.status !== "created") return nothing // released already: a replay
  return emit(new OrderReleased({ ...header, lines: state.lines.map(toOrderLine), shipment: shipmentOf(header.order) }))
}

const changeOrder = (command: ChangeOrder, state: OrderState): OrderDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  const problem = lineProblem(state, command.lines)
  if (problem !== undefined) return Result.fail(problem)
  const changed = command.lines.flatMap((asked) => {
    const line = lineOf(state, asked.lineNumber)
    return line === undefined || sameQuantity(line.ordered, asked.quantity)
      ? []
      : [new LineChange({ lineNumber: asked.lineNumber, previous: line.ordered, quantity: asked.quantity })]
  })
  if (changed.length === 0) return nothing // every line already has the asked quantity
  const status = state.status
  if (status !== "created" && status !== "released") {
    return invalid(command, state, `the order is ${status}: it can change only while created or released and not picked`)
  }
  if (state.lines.some((line) => line.picked !== undefined)) {
    return invalid(command, state, "a line is picked: the order can no longer change")
  }
  const lines = state.lines.map((line) => {
    const change = changed.find((c) => c.lineNumber === line.lineNumber)
    return change === undefined ? toOrderLine(line) : new OrderLine({ ...toOrderLine(line), quantity: change.quantity })
  })
  return emit(new OrderChanged({ order: header.order, shipFrom: header.shipFrom, status, lines, changed }))
}

const cancelOrder = (command: CancelOrder, state: OrderState): OrderDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  if (state.status === "cancelled") return nothing
  if (!cancellable.includes(state.status)) return invalid(command, state, `the order is ${state.status}: too late to cancel`)
  const pickedLines = state.lines.flatMap((line) => (line.picked === undefined ? [] : [{ line, picked: line.picked }]))
  return emit(
    new OrderCancelled({
      order: header.order,
      shipFrom: header.shipFrom,
      shipment: state.shipment ?? shipmentOf(header.order),
      afterPick: pickedLines.length > 0,
      lines: state.lines.map(toOrderLine),
      picked: pickedLines
        .filter(({ picked }) => BigDecimal.isPositive(picked.amount))
        .map(({ line, picked }) => new LineItemQuantity({ lineNumber: line.lineNumber, item: line.pickedItem ?? line.item, quantity: picked })),
      reason: command.reason
    })
  )
}

const recordPick = (command: RecordPick, state: OrderState): OrderDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  if (state.status === "cancelled") return nothing
  if (state.status === "created") return invalid(command, state, "the order is not released")
  const problem = lineProblem(state, [{ lineNumber: command.lineNumber, quantity: command.picked }])
  if (problem !== undefined) return Result.fail(problem)
  const line = lineOf(state, command.lineNumber)
  if (line === undefined) return Result.fail(new UnknownLine({ lineNumber: command.lineNumber }))
  if (line.picked !== undefined) {
    const same =
      line.task === command.task && line.pickedItem === command.item && sameQuantity(line.picked, command.picked) && line.substitute === command.substitute
    return same
      ? nothing
      : invalid(command, state, `line ${line.lineNumber} is already picked: ${show(line.picked)} of ${line.pickedItem ?? line.item} by ${line.task ?? "?"}`)
  }
  const linePicked = new OrderLinePicked({
    order: header.order,
    lineNumber: command.lineNumber,
    task: command.task,
    item: command.item,
    picked: command.picked,
    // Short against what the order asks for now (a change before picking may have lowered it), not the task's view.
    short: BigDecimal.isLessThan(command.picked.amount, line.ordered.amount),
    substitute: command.substitute
  })
  const after = evolve(state, linePicked)
  const pickedLines = after.lines.flatMap((l) =>
    l.picked === undefined
      ? []
      : [
          new PickedLine({
            lineNumber: l.lineNumber,
            item: l.pickedItem ?? l.item,
            ordered: l.ordered,
            picked: l.picked,
            short: l.short,
            substitute: l.substitute
          })
        ]
  )
  if (pickedLines.length < after.lines.length) return emit(linePicked)
  return emit(
    linePicked,
    new OrderPicked({ order: header.order, shipFrom: header.shipFrom, shipment: state.shipment ?? shipmentOf(header.order), lines: pickedLines })
  )
}

const recordShipmentProgress = (command: RecordShipmentProgress, state: OrderState): OrderDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  if (state.status === "created") return invalid(command, state, "the order is not released")
  if (state.status === "cancelled") return invalid(command, state, "the order is cancelled")
  const shipment = state.shipment ?? shipmentOf(header.order)
  if (command.shipment !== shipment) {
    return invalid(command, state, `shipment ${command.shipment} is not this order's shipment ${shipment}`)
  }
  const forward =
    command.stage === "delivered" ? state.status === "delivery_failed" || rank[state.status] < rank.delivered : rank[command.stage] > rank[state.status]
  if (!forward) return nothing // stage already reached (or passed)
  return emit(
    new OrderProgressed({
      order: header.order,
      shipment,
      stage: command.stage,
      ...definedFields({ detail: command.detail })
    })
  )
}

/** Picked quantity of a line minus what other RMAs already authorized for it. */
const returnableQuantity = (state: OrderState, line: OrderLineState): BigDecimal.BigDecimal =>
  state.returns
    .flatMap((r) => r.lines.filter((l) => l.lineNumber === line.lineNumber))
    .reduce((left, l) => BigDecimal.subtract(left, l.quantity.amount), line.picked?.amount ?? zero)

const authorizeReturn = (command: AuthorizeReturn, state: OrderState): OrderDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  const existing = state.returns.find((r) => r.rma === command.rma)
  if (existing !== undefined) {
    return sameLines(existing.lines, command.lines) ? nothing : invalid(command, state, `return ${command.rma} is already authorized with other lines`)
  }
  if (!returnable.includes(state.status)) return invalid(command, state, `the order is ${state.status}: returns are authorized once delivered`)
  const problem = lineProblem(state, command.lines)
  if (problem !== undefined) return Result.fail(problem)
  const lines: Array<LineItemQuantity> = []
  for (const asked of command.lines) {
    const line = lineOf(state, asked.lineNumber)
    if (line === undefined) return Result.fail(new UnknownLine({ lineNumber: asked.lineNumber }))
    const left = returnableQuantity(state, line)
    if (BigDecimal.isGreaterThan(asked.quantity.amount, left)) {
      return invalid(
        command,
        state,
        `line ${line.lineNumber}: return of ${show(asked.quantity)} exceeds the ${BigDecimal.format(BigDecimal.normalize(left))} ${line.ordered.unit} delivered and not yet returned`
      )
    }
    lines.push(new LineItemQuantity({ lineNumber: line.lineNumber, item: line.pickedItem ?? line.item, quantity: asked.quantity }))
  }
  return emit(new ReturnAuthorized({ order: header.order, shipFrom: header.shipFrom, rma: command.rma, lines }))
}

const receiveReturn = (command: ReceiveReturn, state: OrderState): OrderDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  const authorized = state.returns.find((r) => r.rma === command.rma)
  if (authorized === undefined) return invalid(command, state, `return ${command.rma} is not authorized`)
  if (authorized.received !== undefined) {
    return sameLines(authorized.received, command.lines) ? nothing : invalid(command, state, `return ${command.rma} was already received with other lines`)
  }
  const problem = lineProblem(state, command.lines)
  if (problem !== undefined) return Result.fail(problem)
  const lines: Array<LineItemQuantity> = []
  for (const asked of command.lines) {
    const expected = authorized.lines.find((l) => l.lineNumber === asked.lineNumber)
    if (expected === undefined) return invalid(command, state, `line ${asked.lineNumber} is not in return ${command.rma}`)
    if (BigDecimal.isGreaterThan(asked.quantity.amount, expected.quantity.amount)) {
      return invalid(command, state, `line ${asked.lineNumber}: received ${show(asked.quantity)} exceeds the authorized ${show(expected.quantity)}`)
    }
    lines.push(new LineItemQuantity({ lineNumber: asked.lineNumber, item: expected.item, quantity: asked.quantity }))
  }
  return emit(new ReturnReceived({ order: header.order, shipFrom: header.shipFrom, rma: command.rma, lines }))
}

export const decide = (command: OrderCommand, state: OrderState): OrderDecision => {
  switch (command._tag) {
    case "CreateOrder":
      return createOrder(command, state)
    case "ReleaseOrder":
      return releaseOrder(command, state)
    case "ChangeOrder":
      return changeOrder(command, state)
    case "CancelOrder":
      return cancelOrder(command, state)
    case "RecordPick":
      return recordPick(command, state)
    case "RecordShipmentProgress":
      return recordShipmentProgress(command, state)
    case "AuthorizeReturn":
      return authorizeReturn(command, state)
    case "ReceiveReturn":
      return receiveReturn(command, state)
  }
}

type StateFields = Omit<ConstructorParameters<typeof OrderState>[0], "_tag">

const next = (state: OrderState, changes: Partial<StateFields>): OrderState => {
  const { _tag, ...fields } = state
  return new OrderState({ ...fields, ...changes })
}

const mapLine = (state: OrderState, lineNumber: number, f: (line: OrderLineState) => OrderLineState): ReadonlyArray<OrderLineState> =>
  state.lines.map((line) => (line.lineNumber === lineNumber ? f(line) : line))

const lineFields = (line: OrderLineState) => {
  const { task, pickedItem, picked, ...rest } = line
  return {
    ...rest,
    ...definedFields({ task, pickedItem, picked })
  }
}

export const evolve = (state: OrderState, event: OrderEvent): OrderState => {
  switch (event._tag) {
    case "OrderCreated":
      return new OrderState({
        status: "created",
        order: event.order,
        shipFrom: event.shipFrom,
        serviceLevel: event.serviceLevel,
        shipTo: event.shipTo,
        ...definedFields({ deliveryWindow: event.deliveryWindow }),
        lines: event.lines.map(
          (line) =>
            new OrderLineState({
              lineNumber: line.lineNumber,
              item: line.item,
              ordered: line.quantity,
              requestedShipDate: line.requestedShipDate,
              hazmat: line.hazmat,
              weight: line.weight,
              short: false,
              substitute: false
            })
        ),
        returns: []
      })
    case "OrderReleased":
      return next(state, { status: "released", shipment: event.shipment })
    case "OrderChanged":
      return next(state, {
        lines: event.changed.reduce(
          (lines, change) =>
            lines.map((line) => (line.lineNumber === change.lineNumber ? new OrderLineState({ ...lineFields(line), ordered: change.quantity }) : line)),
          state.lines
        )
      })
    case "OrderCancelled":
      return next(state, { status: "cancelled", cancelReason: event.reason })
    case "OrderLinePicked":
      return next(state, {
        status: state.status === "released" ? "picking" : state.status,
        lines: mapLine(
          state,
          event.lineNumber,
          (line) =>
            new OrderLineState({
              ...lineFields(line),
              task: event.task,
              pickedItem: event.item,
              picked: event.picked,
              short: event.short,
              substitute: event.substitute
            })
        )
      })
    case "OrderPicked":
      return next(state, { status: rank[state.status] < rank.picked ? "picked" : state.status })
    case "OrderProgressed":
      return next(state, { status: event.stage, ...definedFields({ progressDetail: event.detail }) })
    case "ReturnAuthorized":
      return next(state, {
        status: "return_authorized",
        returns: [...state.returns, new OrderReturn({ rma: event.rma, status: "authorized", lines: event.lines })]
      })
    case "ReturnReceived": {
      const returns = state.returns.map((r) =>
        r.rma === event.rma ? new OrderReturn({ rma: r.rma, status: "received", lines: r.lines, received: event.lines }) : r
      )
      return next(state, { status: returns.every((r) => r.status === "received") ? "returned" : "return_authorized", returns })
    }
  }
}
