/**
 * The shipment decider (pure): one shipment's rules from
 * docs/order-to-delivery.md, "Modules > shipment".
 *
 *   RequestShipment  -> ShipmentRequested    (once; the same request again: nothing)
 *   PackCarton       -> CartonPacked         (until packing completes; same SSCC again: nothing)
 *   CompletePacking  -> ShipmentReadyToShip  (>= 1 carton, else NoCartons; again: nothing)
 *   TenderCarrier    -> CarrierTendered      (until loaded; supersedes an open tender or an earlier assignment)
 *   RespondToTender  -> TenderAccepted | TenderRejected (the carrier holding the open tender, else NotTendered)
 *   ReviseShipment   -> ShipmentRevised      (a carrier accepted; until loaded)
 *   ConfirmLoad      -> ShipmentLoaded       (packing complete, carrier assigned, every packed SSCC: CartonsMissing)
 *   RecordMilestone  -> MilestoneRecorded    (once loaded; departed first, once)
 *   CancelShipment   -> ShipmentCancelled    (until departed)
 *   RecordDelivery   -> ShipmentDelivered | ShipmentDeliveryFailed (once loaded; a redelivery after a failure)
 *
 * A pure replay (same effect already applied) decides no events; a
 * conflicting repeat is `InvalidState`. Carton weights must be in the unit
 * of the shipment's weight estimate and a carton's dimensions in one unit
 * (`UnitMismatch`); weights are summed as exact decimals.
 */
import { BigDecimal, Result } from "effect"
import type { Decision } from "@logimesh/engine"
import { type Address, definedFields, type Dimensions, type Money, type OrderId, Quantity, type ShipmentId, type SiteId } from "@logimesh/model"
import type {
  CancelShipment,
  CartonContent,
  CompletePacking,
  ConfirmLoad,
  PackCarton,
  RecordDelivery,
  RecordMilestone,
  RequestShipment,
  RespondToTender,
  ReviseShipment,
  ShipmentCommand,
  TenderCarrier
} from "./ShipmentCommands.ts"
import {
  CarrierTendered,
  CartonLabel,
  CartonPacked,
  CartonSummary,
  MilestoneRecorded,
  ShipmentCancelled,
  ShipmentDelivered,
  ShipmentDeliveryFailed,
  type ShipmentEvent,
  ShipmentLoaded,
  ShipmentReadyToShip,
  ShipmentRequested,
  ShipmentRevised,
  TenderAccepted,
  TenderRejected
} from "./ShipmentEvents.ts"
import { CartonsMissing, InvalidState, NoCartons, NotTendered, type ShipmentRejection, UnitMismatch } from "./ShipmentRejections.ts"
import { Load, PackedCarton, RecordedMilestone, RejectedTender, Revision, ShipmentState, type ShipmentStatus, Tender } from "./ShipmentState.ts"

export type ShipmentDecision = Decision<ShipmentEvent, ShipmentRejection>

/** The state of a shipment that was not requested yet. */
export const initialState: ShipmentState = new ShipmentState({
  status: "none",
  hazmat: false,
  cartons: [],
  packingComplete: false,
  rejectedTenders: [],
  milestones: [],
  failedDeliveries: 0
})

/** Reason recorded when a carrier rejects a tender without giving one. */
export const NO_REASON_GIVEN = "no reason given"

const nothing: ShipmentDecision = Result.succeed([])
const emit = (...events: ReadonlyArray<ShipmentEvent>): ShipmentDecision => Result.succeed(events)
const reject = (rejection: ShipmentRejection): ShipmentDecision => Result.fail(rejection)
const invalid = (command: ShipmentCommand, state: ShipmentState, detail: string): ShipmentDecision =>
  reject(new InvalidState({ command: command._tag, state: state.status, detail }))

// ------------------------------------------------------------------ equality

const sameQuantity = (a: Quantity, b: Quantity): boolean => a.unit === b.unit && BigDecimal.equals(a.amount, b.amount)
const sameMoney = (a: Money, b: Money): boolean => a.currency === b.currency && BigDecimal.equals(a.amount, b.amount)
const sameDimensions = (a: Dimensions, b: Dimensions): boolean =>
  sameQuantity(a.length, b.length) && sameQuantity(a.width, b.width) && sameQuantity(a.height, b.height)
const sameContents = (a: ReadonlyArray<CartonContent>, b: ReadonlyArray<CartonContent>): boolean =>
  a.length === b.length &&
  a.every((x, i) => {
    const y = b[i]
    return y !== undefined && x.lineNumber === y.lineNumber && x.item === y.item && sameQuantity(x.quantity, y.quantity)
  })
const sameTender = (a: { readonly carrier: string; readonly route: string; readonly freight: Money }, b: Tender): boolean =>
  a.carrier === b.carrier && a.route === b.route && sameMoney(a.freight, b.freight)

// -------------------------------------------------------------------- header

interface Header {
  readonly shipment: ShipmentId
  readonly order: OrderId
  readonly site: SiteId
  readonly shipTo: Address
  readonly weightEstimate: Quantity
}

/** The shipment's header once it was requested. */
const headerOf = (state: ShipmentState): Header | undefined => {
  const { shipment, order, site, shipTo, weightEstimate } = state
  if (state.status === "none" || shipment === undefined || order === undefined || site === undefined || shipTo === undefined || weightEstimate === undefined) {
    return undefined
  }
  return { shipment, order, site, shipTo, weightEstimate }
}

const notFound = (command: ShipmentCommand, state: ShipmentState): ShipmentDecision => invalid(command, state, `shipment ${command.shipment} was not requested`)

const hasDeparted = (state: ShipmentState): boolean => state.milestones.some((m) => m.milestone === "departed")

/** The status a shipment has without a carrier: where packing stands. */
const packingStatus = (state: ShipmentState): ShipmentStatus => (state.packingComplete ? "ready_to_ship" : state.cartons.length > 0 ? "packing" : "requested")

// ---------------------------------------------------------------- commands

const requestShipment = (command: RequestShipment, state: ShipmentState): ShipmentDecision => {
  const header = headerOf(state)
  if (header === undefined) {
    return emit(
      new ShipmentRequested({
        shipment: command.shipment,
        order: command.order,
        site: command.site,
        shipTo: command.shipTo,
        serviceLevel: command.serviceLevel,
        ...definedFields({ deliveryWindow: command.deliveryWindow }),
        weightEstimate: command.weightEstimate,
        hazmat: command.hazmat
      })
    )
  }
  const same =
    header.order === command.order &&
    header.site === command.site &&
    state.serviceLevel === command.serviceLevel &&
    state.hazmat === command.hazmat &&
    sameQuantity(header.weightEstimate, command.weightEstimate)
  return same ? nothing : invalid(command, state, `shipment ${header.shipment} was already requested for order ${header.order} from ${header.site}`)
}

/** UnitMismatch of a carton whose weight is not in the shipment's weight unit or whose dimensions mix units. */
const cartonUnitProblem = (header: Header, command: PackCarton): ShipmentRejection | undefined => {
  if (command.weight.unit !== header.weightEstimate.unit) return new UnitMismatch({ expected: header.weightEstimate.unit, got: command.weight.unit })
  const { length, width, height } = command.dimensions
  for (const side of [width, height]) {
    if (side.unit !== length.unit) return new UnitMismatch({ expected: length.unit, got: side.unit })
  }
  return undefined
}

const packCarton = (command: PackCarton, state: ShipmentState): ShipmentDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  const existing = state.cartons.find((c) => c.sscc === command.sscc)
  if (existing !== undefined) {
    const same =
      sameQuantity(existing.weight, command.weight) &&
      sameDimensions(existing.dimensions, command.dimensions) &&
      sameContents(existing.contents, command.contents)
    return same ? nothing : invalid(command, state, `carton ${command.sscc} is already packed with other weight, dimensions or contents`)
  }
  if (state.status === "cancelled") return invalid(command, state, "the shipment is cancelled")
  if (state.packingComplete) return invalid(command, state, "packing is complete: no more cartons")
  const problem = cartonUnitProblem(header, command)
  if (problem !== undefined) return reject(problem)
  return emit(
    new CartonPacked({
      shipment: header.shipment,
      order: header.order,
      site: header.site,
      sscc: command.sscc,
      weight: command.weight,
      dimensions: command.dimensions,
      contents: command.contents
    })
  )
}

const completePacking = (command: CompletePacking, state: ShipmentState): ShipmentDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  if (state.status === "cancelled") return invalid(command, state, "the shipment is cancelled")
  if (state.packingComplete) return nothing
  if (state.cartons.length === 0) return reject(new NoCartons({ shipment: header.shipment }))
  const total = state.cartons.reduce((sum, carton) => BigDecimal.sum(sum, carton.weight.amount), BigDecimal.fromBigInt(0n))
  return emit(
    new ShipmentReadyToShip({
      shipment: header.shipment,
      order: header.order,
      site: header.site,
      cartons: state.cartons.map((c) => new CartonSummary({ sscc: c.sscc, weight: c.weight, dimensions: c.dimensions })),
      totalWeight: new Quantity({ amount: BigDecimal.normalize(total), unit: header.weightEstimate.unit })
    })
  )
}

/** The carrier plan in force (accepted tender as revised), if any. */
const assignedOf = (state: ShipmentState): Tender | undefined =>
  state.carrier === undefined || state.route === undefined || state.freight === undefined
    ? undefined
    : new Tender({ carrier: state.carrier, route: state.route, freight: state.freight })

const tenderCarrier = (command: TenderCarrier, state: ShipmentState): ShipmentDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  if (state.status === "cancelled") return invalid(command, state, "the shipment is cancelled")
  if (state.tendered !== undefined && sameTender(command, state.tendered)) return nothing
  const assigned = assignedOf(state)
  if (state.tendered === undefined && assigned !== undefined && sameTender(command, assigned)) return nothing
  if (state.load !== undefined) return invalid(command, state, `the shipment is ${state.status}: too late to tender`)
  return emit(
    new CarrierTendered({
      shipment: header.shipment,
      order: header.order,
      site: header.site,
      shipTo: header.shipTo,
      carrier: command.carrier,
      route: command.route,
      freight: command.freight
    })
  )
}

const respondToTender = (command: RespondToTender, state: ShipmentState): ShipmentDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  if (state.status === "cancelled") return invalid(command, state, "the shipment is cancelled")
  const open = state.tendered
  if (open !== undefined && open.carrier === command.carrier) {
    return command.accepted
      ? emit(new TenderAccepted({ shipment: header.shipment, order: header.order, carrier: open.carrier, route: open.route, freight: open.freight }))
      : emit(new TenderRejected({ shipment: header.shipment, order: header.order, carrier: open.carrier, reason: command.reason ?? NO_REASON_GIVEN }))
  }
  if (state.carrier === command.carrier) {
    return command.accepted ? nothing : invalid(command, state, `carrier ${command.carrier} already accepted the shipment`)
  }
  if (state.rejectedTenders.some((r) => r.carrier === command.carrier)) {
    return command.accepted ? invalid(command, state, `carrier ${command.carrier} rejected the tender: it must be tendered again`) : nothing
  }
  return reject(new NotTendered({ carrier: command.carrier, ...definedFields({ tendered: open?.carrier }) }))
}

const reviseShipment = (command: ReviseShipment, state: ShipmentState): ShipmentDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  if (state.status === "cancelled") return invalid(command, state, "the shipment is cancelled")
  const assigned = assignedOf(state)
  if (assigned === undefined) return invalid(command, state, "no carrier has accepted the shipment: revise after a tender is accepted")
  const revision = state.revision
  const same =
    sameTender(command, assigned) &&
    revision !== undefined &&
    revision.deliveryCommitment === command.deliveryCommitment &&
    revision.stagingLane === command.stagingLane &&
    revision.loadingPriority === command.loadingPriority
  if (same) return nothing
  if (state.load !== undefined) return invalid(command, state, `the shipment is ${state.status}: too late to revise`)
  return emit(
    new ShipmentRevised({
      shipment: header.shipment,
      order: header.order,
      site: header.site,
      carrier: command.carrier,
      route: command.route,
      freight: command.freight,
      deliveryCommitment: command.deliveryCommitment,
      stagingLane: command.stagingLane,
      loadingPriority: command.loadingPriority,
      labels: state.cartons.map((c) => new CartonLabel({ sscc: c.sscc, carrier: command.carrier }))
    })
  )
}

const confirmLoad = (command: ConfirmLoad, state: ShipmentState): ShipmentDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  if (state.status === "cancelled") return invalid(command, state, "the shipment is cancelled")
  const ssccs = [...new Set(command.ssccs)]
  if (state.load !== undefined) {
    const loaded = state.load
    const same = loaded.dockDoor === command.dockDoor && loaded.ssccs.length === ssccs.length && ssccs.every((s) => loaded.ssccs.includes(s))
    return same ? nothing : invalid(command, state, `the shipment was already loaded at ${loaded.dockDoor} with ${loaded.ssccs.length} carton(s)`)
  }
  if (!state.packingComplete) return invalid(command, state, "packing is not complete")
  if (state.carrier === undefined) return invalid(command, state, "no carrier has accepted the shipment")
  const missing = state.cartons.filter((c) => !ssccs.includes(c.sscc)).map((c) => c.sscc)
  if (missing.length > 0) return reject(new CartonsMissing({ missing }))
  const unknown = ssccs.filter((s) => !state.cartons.some((c) => c.sscc === s))
  if (unknown.length > 0) return invalid(command, state, `not packed in this shipment: ${unknown.join(", ")}`)
  return emit(new ShipmentLoaded({ shipment: header.shipment, order: header.order, site: header.site, dockDoor: command.dockDoor, ssccs }))
}

const recordMilestone = (command: RecordMilestone, state: ShipmentState): ShipmentDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  const repeat = state.milestones.some((m) => m.milestone === command.milestone && m.at === command.at && m.detail === command.detail)
  if (repeat) return nothing
  if (state.status === "cancelled") return invalid(command, state, "the shipment is cancelled")
  if (state.load === undefined || state.carrier === undefined) return invalid(command, state, `${command.milestone} only after the shipment is loaded`)
  if (command.milestone === "departed" && hasDeparted(state)) return invalid(command, state, "the shipment departed already (at another time)")
  if (command.milestone !== "departed" && !hasDeparted(state)) return invalid(command, state, `${command.milestone} only after the shipment departed`)
  if (state.status === "delivered") return invalid(command, state, "the shipment is delivered")
  return emit(
    new MilestoneRecorded({
      shipment: header.shipment,
      order: header.order,
      site: header.site,
      carrier: state.carrier,
      milestone: command.milestone,
      at: command.at,
      ...definedFields({ detail: command.detail })
    })
  )
}

const cancelShipment = (command: CancelShipment, state: ShipmentState): ShipmentDecision => {
  const header = headerOf(state)
  if (header === undefined) return nothing // never requested (order cancelled before release): nothing to cancel
  if (state.status === "cancelled") return nothing
  if (hasDeparted(state) || state.delivery !== undefined) return invalid(command, state, `the shipment is ${state.status}: too late to cancel`)
  return emit(new ShipmentCancelled({ shipment: header.shipment, order: header.order, site: header.site }))
}

const recordDelivery = (command: RecordDelivery, state: ShipmentState): ShipmentDecision => {
  const header = headerOf(state)
  if (header === undefined) return notFound(command, state)
  if (state.status === "cancelled") return invalid(command, state, "the shipment is cancelled")
  if (command.outcome === "delivered") {
    if (state.status === "delivered") return nothing
  } else {
    if (state.status === "delivered") return invalid(command, state, "the shipment is delivered already")
    if (state.status === "delivery_failed") return nothing
  }
  if (state.load === undefined) return invalid(command, state, "the shipment is not loaded")
  return command.outcome === "delivered"
    ? emit(new ShipmentDelivered({ shipment: header.shipment, order: header.order }))
    : emit(new ShipmentDeliveryFailed({ shipment: header.shipment, order: header.order }))
}

export const decide = (command: ShipmentCommand, state: ShipmentState): ShipmentDecision => {
  switch (command._tag) {
    case "RequestShipment":
      return requestShipment(command, state)
    case "PackCarton":
      return packCarton(command, state)
    case "CompletePacking":
      return completePacking(command, state)
    case "TenderCarrier":
      return tenderCarrier(command, state)
    case "RespondToTender":
      return respondToTender(command, state)
    case "ReviseShipment":
      return reviseShipment(command, state)
    case "ConfirmLoad":
      return confirmLoad(command, state)
    case "RecordMilestone":
      return recordMilestone(command, state)
    case "CancelShipment":
      return cancelShipment(command, state)
    case "RecordDelivery":
      return recordDelivery(command, state)
  }
}

// -------------------------------------------------------------------- evolve

type StateFields = Omit<ConstructorParameters<typeof ShipmentState>[0], "_tag">
/** Field changes; `undefined` removes an optional field. */
type StateChanges = { readonly [K in keyof StateFields]?: StateFields[K] | undefined }

const next = (state: ShipmentState, changes: StateChanges): ShipmentState => {
  const { _tag, ...fields } = state
  const merged: Record<string, unknown> = { ...fields, ...changes }
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key]
  return new ShipmentState(merged as StateFields)
}

export const evolve = (state: ShipmentState, event: ShipmentEvent): ShipmentState => {
  switch (event._tag) {
    case "ShipmentRequested":
      return next(initialState, {
        status: "requested",
        shipment: event.shipment,
        order: event.order,
        site: event.site,
        shipTo: event.shipTo,
        serviceLevel: event.serviceLevel,
        deliveryWindow: event.deliveryWindow,
        weightEstimate: event.weightEstimate,
        hazmat: event.hazmat
      })
    case "CartonPacked":
      return next(state, {
        status: state.status === "requested" ? "packing" : state.status,
        cartons: [...state.cartons, new PackedCarton({ sscc: event.sscc, weight: event.weight, dimensions: event.dimensions, contents: event.contents })]
      })
    case "ShipmentReadyToShip":
      return next(state, {
        status: state.status === "requested" || state.status === "packing" ? "ready_to_ship" : state.status,
        packingComplete: true,
        totalWeight: event.totalWeight
      })
    case "CarrierTendered":
      return next(state, {
        status: "tendered",
        tendered: new Tender({ carrier: event.carrier, route: event.route, freight: event.freight }),
        carrier: undefined,
        route: undefined,
        freight: undefined,
        revision: undefined
      })
    case "TenderAccepted":
      return next(state, {
        status: "carrier_assigned",
        tendered: undefined,
        carrier: event.carrier,
        route: event.route,
        freight: event.freight
      })
    case "TenderRejected":
      return next(state, {
        status: packingStatus(state),
        tendered: undefined,
        rejectedTenders: [...state.rejectedTenders, new RejectedTender({ carrier: event.carrier, reason: event.reason })]
      })
    case "ShipmentRevised":
      return next(state, {
        carrier: event.carrier,
        route: event.route,
        freight: event.freight,
        revision: new Revision({ deliveryCommitment: event.deliveryCommitment, stagingLane: event.stagingLane, loadingPriority: event.loadingPriority })
      })
    case "ShipmentLoaded":
      return next(state, { status: "loaded", load: new Load({ dockDoor: event.dockDoor, ssccs: event.ssccs }) })
    case "MilestoneRecorded":
      return next(state, {
        status: event.milestone,
        milestones: [...state.milestones, new RecordedMilestone({ milestone: event.milestone, at: event.at, ...definedFields({ detail: event.detail }) })]
      })
    case "ShipmentCancelled":
      return next(state, { status: "cancelled" })
    case "ShipmentDelivered":
      return next(state, { status: "delivered", delivery: "delivered" })
    case "ShipmentDeliveryFailed":
      return next(state, { status: "delivery_failed", delivery: "failed", failedDeliveries: state.failedDeliveries + 1 })
  }
}
