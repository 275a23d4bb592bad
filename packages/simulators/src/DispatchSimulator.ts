/**
 * The simulated dispatch / TMS platform. Reads `sys.dispatch.>` (durable
 * `<prefix>_dispatch`) and keeps a "dispatch view" per shipment:
 *
 * - `shipment-request`: recorded (planning input: ship-to, service level).
 * - `ready-to-ship`: records the actual cartons, dimensions and weight, then
 *   tenders to the first carrier (SCAC, route, freight in EUR).
 * - `tender-rejected`: re-tenders to the next carrier.
 * - `tender-accepted`: revises the shipment (carrier, route, freight,
 *   delivery commitment, staging lane, loading priority).
 * - `load-confirmed`: records the `departed` milestone and hands the
 *   shipment to the carrier (`onDeparted`).
 * - `delivery-failed`, `shipment-cancelled`: recorded.
 */
import { shipmentIdOf } from "@logimesh/model"
import { type ApiAnswer, type ApiClient, type Rejection, stableIndex } from "./ApiClient.ts"
import { centsToAmount, kgToGrams } from "./Decimals.ts"
import { type CarrierInfo, DEFAULT_CARRIERS, DEFAULT_SITES, siteInfo, type SiteInfo } from "./ReferenceData.ts"
import {
  isRecord,
  makeClient,
  keepRejection,
  LinkedSystem,
  SystemLink,
  nowIso,
  type Payload,
  quantityOf,
  records,
  type SimulatorCommon,
  str,
  type WireQuantity
} from "./SimulatorSupport.ts"
import type { SystemMessage } from "./SystemConsumer.ts"

export interface DispatchTender {
  readonly carrier: string
  readonly route: string
  readonly freight: { readonly amount: string; readonly currency: string }
  outcome: "pending" | "accepted" | "rejected" | "refused"
  reason: string | undefined
}

export interface DispatchShipmentView {
  readonly shipment: string
  order: string
  site: string | undefined
  shipTo: Payload | undefined
  serviceLevel: string | undefined
  requested: boolean
  /** Actual cartons from ready-to-ship: SSCC, weight, dimensions. */
  cartons: ReadonlyArray<{ readonly sscc: string | undefined; readonly weight: WireQuantity | undefined; readonly dimensions: Payload | undefined }>
  totalWeight: WireQuantity | undefined
  readonly tenders: Array<DispatchTender>
  revised:
    | { readonly carrier: string; readonly deliveryCommitment: string; readonly stagingLane: string; readonly loadingPriority: number; readonly ok: boolean }
    | undefined
  loaded: { readonly dockDoor: string | undefined; readonly ssccs: number } | undefined
  departedAt: string | undefined
  deliveryFailures: number
  cancelled: boolean
  readonly rejections: Array<Rejection>
  readonly notes: Array<string>
}

export interface DepartedShipment {
  readonly shipment: string
  readonly order: string
  readonly carrier: string
}

export interface DispatchSimulatorOptions extends SimulatorCommon {
  readonly carriers?: ReadonlyArray<CarrierInfo>
  readonly sites?: ReadonlyArray<SiteInfo>
  /** Called once a shipment has departed (the carrier takes it from here). */
  readonly onDeparted?: (departed: DepartedShipment) => void
}

const TRANSIT_DAYS: Readonly<Record<string, number>> = { SAME_DAY: 0, NEXT_DAY: 1, EXPRESS: 1, STANDARD: 2, ECONOMY: 4 }
const PRIORITY: Readonly<Record<string, number>> = { SAME_DAY: 1, NEXT_DAY: 2, EXPRESS: 2, STANDARD: 5, ECONOMY: 8 }

export class DispatchSimulator extends LinkedSystem {
  readonly views = new Map<string, DispatchShipmentView>()
  readonly client: ApiClient
  private readonly options: DispatchSimulatorOptions
  private readonly carriers: ReadonlyArray<CarrierInfo>
  protected readonly link: SystemLink

  constructor(options: DispatchSimulatorOptions) {
    super()
    this.options = options
    this.carriers = options.carriers ?? DEFAULT_CARRIERS
    this.client = makeClient(options, "DISPATCH")
    this.link = new SystemLink({
      common: options,
      connectionName: "sim-dispatch",
      system: "DISPATCH",
      durableParts: ["dispatch"],
      filterSubject: "sys.dispatch.>",
      handle: (m) => this.handle(m)
    })
  }

  private viewOf(shipment: string, order: string): DispatchShipmentView {
    let view = this.views.get(shipment)
    if (view === undefined) {
      view = {
        shipment,
        order,
        site: undefined,
        shipTo: undefined,
        serviceLevel: undefined,
        requested: false,
        cartons: [],
        totalWeight: undefined,
        tenders: [],
        revised: undefined,
        loaded: undefined,
        departedAt: undefined,
        deliveryFailures: 0,
        cancelled: false,
        rejections: [],
        notes: []
      }
      this.views.set(shipment, view)
    }
    return view
  }

  private keep(view: DispatchShipmentView, answer: ApiAnswer, what: string): ApiAnswer {
    return keepRejection(view, answer, what)
  }

  private site(view: DispatchShipmentView): SiteInfo {
    return siteInfo(view.site ?? "", this.options.sites ?? DEFAULT_SITES)
  }

  private async handle(message: SystemMessage): Promise<void> {
    const p = message.payload
    const order = str(p, "order")
    if (order === undefined) return
    const shipment = str(p, "shipment") ?? shipmentIdOf(order)
    const view = this.viewOf(shipment, order)
    switch (message.type) {
      case "shipment-request":
        view.requested = true
        view.site = str(p, "site") ?? str(p, "shipFrom") ?? view.site
        view.shipTo = isRecord(p["shipTo"]) ? p["shipTo"] : view.shipTo
        view.serviceLevel = str(p, "serviceLevel") ?? view.serviceLevel
        return
      case "ready-to-ship":
        view.site = str(p, "site") ?? view.site
        view.cartons = records(p, "cartons").map((c) => ({
          sscc: str(c, "sscc"),
          weight: quantityOf(c["weight"]),
          dimensions: isRecord(c["dimensions"]) ? c["dimensions"] : undefined
        }))
        view.totalWeight = quantityOf(p["totalWeight"])
        if (view.tenders.length === 0) await this.tender(view, this.carrierOrder(view)[0] as string)
        return
      case "tender-rejected": {
        const rejected = str(p, "carrier")
        const last = view.tenders.findLast((t) => t.carrier === rejected && t.outcome === "pending")
        if (last !== undefined) {
          last.outcome = "rejected"
          last.reason = str(p, "reason")
        }
        const tried = new Set(view.tenders.map((t) => t.carrier))
        const next = this.carrierOrder(view).find((c) => !tried.has(c))
        if (next === undefined) {
          view.notes.push("every carrier rejected the tender")
          return
        }
        await this.tender(view, next)
        return
      }
      case "tender-accepted": {
        const carrier = str(p, "carrier") ?? view.tenders.at(-1)?.carrier ?? "?"
        const tender = view.tenders.findLast((t) => t.carrier === carrier)
        if (tender !== undefined) tender.outcome = "accepted"
        if (view.revised?.ok === true) return
        await this.revise(view, carrier, p)
        return
      }
      case "load-confirmed": {
        view.loaded = { dockDoor: str(p, "dockDoor"), ssccs: Array.isArray(p["ssccs"]) ? p["ssccs"].length : 0 }
        if (view.departedAt !== undefined) return
        const at = nowIso()
        const answer = this.keep(
          view,
          await this.client.post({
            path: `/v1/shipments/${encodeURIComponent(shipment)}/milestones`,
            body: { milestone: "departed", at, detail: `left ${view.loaded.dockDoor ?? "the dock"}` },
            idempotencyKey: `dispatch:milestone:${shipment}:departed`,
            correlationId: order,
            action: "milestone-departed"
          }),
          "departed"
        )
        if (!answer.ok) return
        view.departedAt = at
        const carrier = view.revised?.carrier ?? view.tenders.findLast((t) => t.outcome === "accepted")?.carrier
        if (carrier !== undefined) this.options.onDeparted?.({ shipment, order, carrier })
        else view.notes.push("departed without a known carrier; nobody will deliver it")
        return
      }
      case "delivery-failed":
        view.deliveryFailures++
        return
      case "shipment-cancelled":
        view.cancelled = true
        return
      default:
        return
    }
  }

  /** Carriers in the order this shipment is tendered to: the scenario's, else a stable rotation. */
  private carrierOrder(view: DispatchShipmentView): ReadonlyArray<string> {
    const planned = this.options.plans?.(view.order)?.carriers
    if (planned !== undefined && planned.length > 0) return planned
    const scacs = this.carriers.map((c) => c.scac)
    const start = stableIndex(view.shipment, scacs.length)
    return [...scacs.slice(start), ...scacs.slice(0, start)]
  }

  private freightCents(view: DispatchShipmentView, scac: string): number {
    const carrier = this.carriers.find((c) => c.scac === scac) ?? { baseCents: 3_500, perKgCents: 45 }
    let grams = 0
    try {
      grams = view.totalWeight === undefined ? 10_000 : kgToGrams(view.totalWeight.amount)
    } catch {
      grams = 10_000
    }
    const express = view.serviceLevel === "SAME_DAY" || view.serviceLevel === "EXPRESS" || view.serviceLevel === "NEXT_DAY" ? 1.4 : 1
    return Math.round((carrier.baseCents + (carrier.perKgCents * grams) / 1_000) * express)
  }

  private route(view: DispatchShipmentView): string {
    const country = view.shipTo !== undefined ? (str(view.shipTo, "country") ?? "XX") : "XX"
    const city =
      view.shipTo !== undefined
        ? (str(view.shipTo, "city") ?? "")
            .normalize("NFD")
            .replace(/[^A-Za-z]/g, "")
            .slice(0, 3)
            .toUpperCase()
        : ""
    return `${this.site(view).code}-${country}-${city === "" ? "ZZZ" : city}`
  }

  private async tender(view: DispatchShipmentView, carrier: string): Promise<void> {
    const tender: DispatchTender = {
      carrier,
      route: this.route(view),
      freight: { amount: centsToAmount(this.freightCents(view, carrier)), currency: "EUR" },
      outcome: "pending",
      reason: undefined
    }
    view.tenders.push(tender)
    const answer = this.keep(
      view,
      await this.client.post({
        path: `/v1/shipments/${encodeURIComponent(view.shipment)}/tender`,
        body: { carrier, route: tender.route, freight: tender.freight },
        idempotencyKey: `dispatch:tender:${view.shipment}:${view.tenders.length}:${carrier}`,
        correlationId: view.order,
        action: "tender"
      }),
      `tender to ${carrier}`
    )
    if (!answer.ok) tender.outcome = "refused"
  }

  private async revise(view: DispatchShipmentView, carrier: string, accepted: Payload): Promise<void> {
    const tender = view.tenders.findLast((t) => t.carrier === carrier)
    const freight = isRecord(accepted["freight"]) ? accepted["freight"] : (tender?.freight ?? { amount: "0.00", currency: "EUR" })
    const route = str(accepted, "route") ?? tender?.route ?? this.route(view)
    const plan = this.options.plans?.(view.order)
    const level = view.serviceLevel ?? plan?.serviceLevel ?? "STANDARD"
    const deliveryCommitment =
      plan?.deliveryWindow?.to ?? new Date(Date.now() + (TRANSIT_DAYS[level] ?? 2) * 86_400_000 + 8 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z")
    const stagingLane = `${this.site(view).code}-LANE-${String(1 + stableIndex(`${carrier}:${route}`, 8)).padStart(2, "0")}`
    const loadingPriority = PRIORITY[level] ?? 5
    const answer = this.keep(
      view,
      await this.client.post({
        path: `/v1/shipments/${encodeURIComponent(view.shipment)}/revise`,
        body: { carrier, route, freight, deliveryCommitment, stagingLane, loadingPriority },
        idempotencyKey: `dispatch:revise:${view.shipment}:${carrier}`,
        correlationId: view.order,
        action: "revise"
      }),
      "revise"
    )
    view.revised = { carrier, deliveryCommitment, stagingLane, loadingPriority, ok: answer.ok }
  }

  totals(): { readonly tendered: number; readonly rejectedTenders: number; readonly revised: number; readonly departed: number } {
    let tendered = 0,
      rejectedTenders = 0,
      revised = 0,
      departed = 0
    for (const v of this.views.values()) {
      if (v.tenders.length > 0) tendered++
      rejectedTenders += v.tenders.filter((t) => t.outcome === "rejected").length
      if (v.revised?.ok === true) revised++
      if (v.departedAt !== undefined) departed++
    }
    return { tendered, rejectedTenders, revised, departed }
  }
}

export const loadingPriorityOf = (serviceLevel: string): number => PRIORITY[serviceLevel] ?? 5
