/**
 * Plans the orders of one simulated run, deterministically from a seed:
 * ship-from site, service level, ship-to, delivery window, lines (items the
 * ERP knows, sometimes ordered in cases), and which orders hit which
 * exception. Each exception is given to exactly round(rate * orders) orders
 * (fewer only when not enough orders are eligible), chosen by a seeded
 * shuffle, so shares are exact and reproducible. Pure: no I/O, no clock
 * (the caller passes `nowMs`).
 */
import { pickTaskIdOf, shipmentIdOf } from "@logimesh/model"
import { EXCEPTION_KINDS, type ExceptionKind, type ExceptionRates } from "./Knobs.ts"
import { gramsToKg, kgToGrams } from "./Decimals.ts"
import { Prng } from "./Prng.ts"
import { type CarrierInfo, DEFAULT_ADDRESSES, DEFAULT_CARRIERS, DEFAULT_ITEMS, type ItemMaster, type ShipToAddress } from "./ReferenceData.ts"

export type ServiceLevel = "STANDARD" | "EXPRESS" | "NEXT_DAY" | "SAME_DAY" | "ECONOMY"
export type FinalState = "delivered" | "cancelled" | "returned"

export interface PlannedLine {
  readonly lineNumber: number
  readonly item: string
  /** As the ERP sends it (EA or CS). */
  readonly ordered: { readonly amount: number; readonly unit: "EA" | "CS" }
  /** The same quantity in eaches (what logimesh normalises to). */
  readonly quantityEa: number
  /** Estimated gross weight of the line, KG decimal string. */
  readonly weightKg: string
  readonly hazmat: boolean
  readonly requestedShipDate: string
}

export interface OrderPlan {
  readonly index: number
  readonly order: string
  readonly shipment: string
  readonly site: string
  readonly serviceLevel: ServiceLevel
  readonly shipTo: ShipToAddress
  readonly deliveryWindow: { readonly from: string; readonly to: string } | undefined
  readonly lines: ReadonlyArray<PlannedLine>
  readonly exceptions: ReadonlyArray<ExceptionKind>
  /** short_pick: this line is picked short, `pickedEa` (>= 1, < ordered). */
  readonly shortPick: { readonly lineNumber: number; readonly pickedEa: number } | undefined
  /** substitution: this line is picked as another item. */
  readonly substitution: { readonly lineNumber: number; readonly substituteItem: string } | undefined
  /** change_after_release: this line is reduced to `quantityEa` right after release. */
  readonly change: { readonly lineNumber: number; readonly quantityEa: number } | undefined
  /** Carriers dispatch tenders to, in order; with tender_rejection the first one rejects. */
  readonly carriers: ReadonlyArray<string>
  readonly cartons: number
  /** return: the ERP authorizes this return once the order is delivered. */
  readonly returnLine: { readonly rma: string; readonly lineNumber: number; readonly quantityEa: number } | undefined
  /** inventory_mismatch: the site's inventory owner counts this item with a different quantity. */
  readonly mismatchItem: string | undefined
  readonly expectedFinal: FinalState
}

export interface ScenarioPlan {
  readonly seed: number
  readonly runTag: string
  readonly orders: ReadonlyArray<OrderPlan>
  /** Orders per exception kind, as planned. */
  readonly exceptionCounts: { readonly [K in ExceptionKind]: number }
}

export interface PlanInput {
  readonly orders: number
  readonly seed: number
  readonly sites: ReadonlyArray<string>
  readonly rates: ExceptionRates
  readonly caseUnitShare?: number
  /** Wall clock the dates are derived from (ship date, delivery windows). */
  readonly nowMs: number
  /** Goes into every order id (`SO-<runTag>-000001`); default: the seed. */
  readonly runTag?: string
  readonly items?: ReadonlyArray<ItemMaster>
  readonly addresses?: ReadonlyArray<ShipToAddress>
  readonly carriers?: ReadonlyArray<CarrierInfo>
}

const SERVICE_LEVELS: ReadonlyArray<readonly [ServiceLevel, number]> = [
  ["STANDARD", 0.55],
  ["EXPRESS", 0.2],
  ["NEXT_DAY", 0.15],
  ["ECONOMY", 0.08],
  ["SAME_DAY", 0.02]
]
const LINE_COUNTS: ReadonlyArray<readonly [number, number]> = [
  [1, 0.4],
  [2, 0.3],
  [3, 0.2],
  [4, 0.1]
]

const weighted = <A>(prng: Prng, choices: ReadonlyArray<readonly [A, number]>): A => {
  let roll = prng.next()
  for (const [value, weight] of choices) {
    if (roll < weight) return value
    roll -= weight
  }
  return (choices[choices.length - 1] as readonly [A, number])[0]
}

const DAY = 86_400_000
const HOUR = 3_600_000

export const orderIdOf = (runTag: string, index: number): string => `SO-${runTag}-${String(index + 1).padStart(6, "0")}`
/** The ids logimesh derives from an order (its shipment, its pick tasks). */
export { shipmentIdOf }
export const taskIdOf = pickTaskIdOf
export const rmaIdOf = (order: string): string => `RMA-${order}`
export const podReferencePrefix = (shipment: string): string => `POD-${shipment}`

/** Exclusion rules: which exceptions an order may combine. */
const TERMINAL: ReadonlyArray<ExceptionKind> = ["cancel_before_pick", "cancel_after_pick", "return"]
const eligible = (kind: ExceptionKind, has: ReadonlySet<ExceptionKind>): boolean => {
  const cancelled = has.has("cancel_before_pick") || has.has("cancel_after_pick")
  switch (kind) {
    case "cancel_before_pick":
    case "cancel_after_pick":
    case "return":
      return !TERMINAL.some((t) => has.has(t))
    case "change_after_release":
      return !cancelled && !has.has("short_pick") && !has.has("substitution")
    case "short_pick":
      return !has.has("cancel_before_pick") && !has.has("change_after_release") && !has.has("substitution")
    case "substitution":
      return !has.has("cancel_before_pick") && !has.has("change_after_release") && !has.has("short_pick")
    case "tender_rejection":
    case "failed_delivery":
      return !cancelled
    case "inventory_mismatch":
      return !has.has("cancel_before_pick")
  }
}

/** Assignment order: terminal paths first, then the ones they exclude. */
const ASSIGNMENT_ORDER: ReadonlyArray<ExceptionKind> = [
  "cancel_before_pick",
  "cancel_after_pick",
  "return",
  "change_after_release",
  "short_pick",
  "substitution",
  "tender_rejection",
  "failed_delivery",
  "inventory_mismatch"
]

const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
const isoInstant = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")

export const planScenario = (input: PlanInput): ScenarioPlan => {
  const { seed, nowMs } = input
  const count = input.orders
  if (!Number.isSafeInteger(count) || count < 0 || count > 99_999) throw new Error(`orders must be 0-99999, got ${count}`)
  if (input.sites.length === 0) throw new Error("at least one site is needed")
  const items = input.items ?? DEFAULT_ITEMS
  const addresses = input.addresses ?? DEFAULT_ADDRESSES
  const carriers = input.carriers ?? DEFAULT_CARRIERS
  if (items.length < 2) throw new Error("at least two items are needed (substitutions)")
  if (carriers.length < 2) throw new Error("at least two carriers are needed (re-tender after a rejection)")
  const runTag = input.runTag ?? String(seed)
  const caseShare = input.caseUnitShare ?? 0

  // 1. exceptions, by exact counts over a seeded shuffle of the eligible orders
  const sets = Array.from({ length: count }, () => new Set<ExceptionKind>())
  const exceptionCounts = Object.fromEntries(EXCEPTION_KINDS.map((k) => [k, 0])) as { [K in ExceptionKind]: number }
  for (const kind of ASSIGNMENT_ORDER) {
    const wanted = Math.round(input.rates[kind] * count)
    if (wanted === 0) continue
    const candidates = Prng.from(seed, `assign:${kind}`)
      .shuffle(sets.map((_, i) => i))
      .filter((i) => eligible(kind, sets[i] as Set<ExceptionKind>))
    for (const i of candidates.slice(0, wanted)) {
      ;(sets[i] as Set<ExceptionKind>).add(kind)
      exceptionCounts[kind]++
    }
  }

  const today = isoDate(nowMs)
  const dayStart = Math.floor(nowMs / DAY) * DAY

  // 2. each order from its own stream, so adding an order never changes the others
  const orders = sets.map((has, index): OrderPlan => {
    const prng = Prng.from(seed, `order:${index}`)
    const order = orderIdOf(runTag, index)
    const shipment = shipmentIdOf(order)
    const site = prng.pick(input.sites)
    const serviceLevel = weighted(prng, SERVICE_LEVELS)
    const shipTo = prng.pick(addresses)

    let deliveryWindow: OrderPlan["deliveryWindow"]
    if (prng.chance(0.8)) {
      if (serviceLevel === "SAME_DAY") {
        const from = Math.ceil(nowMs / HOUR) * HOUR + 2 * HOUR
        deliveryWindow = { from: isoInstant(from), to: isoInstant(from + 6 * HOUR) }
      } else {
        const days = serviceLevel === "NEXT_DAY" || serviceLevel === "EXPRESS" ? 1 : prng.int(2, 4)
        const from = dayStart + days * DAY + prng.int(7, 10) * HOUR
        deliveryWindow = { from: isoInstant(from), to: isoInstant(from + prng.int(4, 9) * HOUR) }
      }
    }

    const lineCount = Math.min(weighted(prng, LINE_COUNTS), items.length)
    const lineItems = prng.shuffle(items).slice(0, lineCount)
    const needsTwo = has.has("short_pick") || has.has("change_after_release")
    const lines: Array<PlannedLine> = lineItems.map((master, i) => {
      const inCases = prng.chance(caseShare)
      const amount = inCases ? prng.int(1, 2) : prng.int(1, 12)
      const quantityEa = inCases ? amount * master.caseFactor : amount
      return {
        lineNumber: i + 1,
        item: master.item,
        ordered: { amount, unit: inCases ? "CS" : "EA" },
        quantityEa,
        weightKg: gramsToKg(quantityEa * kgToGrams(master.unitWeightKg)),
        hazmat: master.hazmat,
        requestedShipDate: today
      }
    })
    if (needsTwo && !lines.some((l) => l.quantityEa >= 2)) {
      const first = lines[0] as PlannedLine
      const master = lineItems[0] as ItemMaster
      const quantityEa = prng.int(2, 6)
      lines[0] = {
        ...first,
        ordered: { amount: quantityEa, unit: "EA" },
        quantityEa,
        weightKg: gramsToKg(quantityEa * kgToGrams(master.unitWeightKg))
      }
    }
    const multi = lines.filter((l) => l.quantityEa >= 2)

    let shortPick: OrderPlan["shortPick"]
    if (has.has("short_pick")) {
      const line = prng.pick(multi)
      shortPick = { lineNumber: line.lineNumber, pickedEa: prng.int(1, line.quantityEa - 1) }
    }
    let change: OrderPlan["change"]
    if (has.has("change_after_release")) {
      const line = prng.pick(multi)
      change = { lineNumber: line.lineNumber, quantityEa: prng.int(1, line.quantityEa - 1) }
    }
    let substitution: OrderPlan["substitution"]
    if (has.has("substitution")) {
      const line = prng.pick(lines)
      substitution = { lineNumber: line.lineNumber, substituteItem: prng.pick(items.filter((m) => m.item !== line.item)).item }
    }
    const first = lines[0] as PlannedLine
    const returnLine = has.has("return") ? { rma: rmaIdOf(order), lineNumber: first.lineNumber, quantityEa: 1 } : undefined
    const totalEa = lines.reduce((sum, l) => sum + l.quantityEa, 0)
    const exceptions = EXCEPTION_KINDS.filter((k) => has.has(k))
    return {
      index,
      order,
      shipment,
      site,
      serviceLevel,
      shipTo,
      deliveryWindow,
      lines,
      exceptions,
      shortPick,
      substitution,
      change,
      carriers: prng.shuffle(carriers.map((c) => c.scac)),
      cartons: Math.max(1, Math.min(4, Math.ceil(totalEa / 10))),
      returnLine,
      mismatchItem: has.has("inventory_mismatch") ? first.item : undefined,
      expectedFinal: has.has("cancel_before_pick") || has.has("cancel_after_pick") ? "cancelled" : has.has("return") ? "returned" : "delivered"
    }
  })
  return { seed, runTag, orders, exceptionCounts }
}

/** Quantity in eaches each line is expected to be picked with (after a change; short pick applied). */
export const expectedPickEa = (plan: OrderPlan, lineNumber: number): number => {
  const line = plan.lines.find((l) => l.lineNumber === lineNumber)
  if (line === undefined) throw new Error(`${plan.order} has no line ${lineNumber}`)
  if (plan.shortPick?.lineNumber === lineNumber) return plan.shortPick.pickedEa
  if (plan.change?.lineNumber === lineNumber) return plan.change.quantityEa
  return line.quantityEa
}
