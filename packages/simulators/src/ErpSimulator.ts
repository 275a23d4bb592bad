/**
 * The simulated ERP. It owns sales orders: creates them (POST /v1/orders),
 * releases them, changes or cancels them when the scenario says so, and
 * authorizes returns once delivered. It reads `sys.erp.>` (durable
 * `<prefix>_erp`) and keeps an "ERP view" per order: confirmation,
 * fulfilment progress (picked, short, substitutes; ready to ship), freight
 * and delivery commitment, the invoice trigger (shipment confirmed), POD
 * reference, failed deliveries, credits, cancellation; plus the inventory
 * mismatches it was told about. An order is final for the ERP when it is
 * delivered (POD attached), cancelled, or returned (credit triggered).
 */
import { type ApiAnswer, type ApiClient, problemText, type Rejection } from "./ApiClient.ts"
import { errorText } from "./Concurrency.ts"
import type { ExceptionKind } from "./Knobs.ts"
import type { FinalState, OrderPlan } from "./Scenario.ts"
import {
  bool,
  eaches,
  isRecord,
  makeClient,
  LinkedSystem,
  SystemLink,
  num,
  type Payload,
  quantityOf,
  records,
  type SimulatorCommon,
  str,
  type WireQuantity
} from "./SimulatorSupport.ts"
import type { SystemMessage } from "./SystemConsumer.ts"
import { definedFields } from "@logimesh/model"

export interface ErpPickedLine {
  readonly lineNumber: number
  readonly item: string | undefined
  readonly ordered: WireQuantity | undefined
  readonly picked: WireQuantity | undefined
  readonly short: boolean
  readonly substitute: boolean
}

export interface ErpOrderView {
  readonly order: string
  readonly site: string
  readonly exceptions: ReadonlyArray<ExceptionKind>
  readonly expectedFinal: FinalState
  createdAtMs: number
  status:
    | "creating"
    | "created"
    | "released"
    | "picked"
    | "packed"
    | "shipped"
    | "delivered"
    | "delivery_failed"
    | "cancelled"
    | "return_authorized"
    | "returned"
    | "failed"
  created: boolean
  released: boolean
  confirmation: Payload | undefined
  picked: ReadonlyArray<ErpPickedLine> | undefined
  readyToShip: { readonly totalWeight: WireQuantity | undefined; readonly cartons: number } | undefined
  freight: { readonly carrier: string | undefined; readonly freight: Payload | undefined; readonly deliveryCommitment: string | undefined } | undefined
  /** shipment-confirmed: the invoice was triggered. */
  invoicedAt: string | undefined
  pod: string | undefined
  deliveryFailures: number
  credits: Array<{ readonly rma: string | undefined; readonly lines: ReadonlyArray<Payload> }>
  cancelled: { readonly reason: string | undefined; readonly afterPick: boolean | undefined } | undefined
  changed: boolean
  returnAuthorized: boolean
  final: FinalState | undefined
  finishedAtMs: number | undefined
  /** Message types received, in order. */
  readonly received: Array<string>
  readonly rejections: Array<Rejection>
  /** Why the order is not (yet) where the plan expected it, when the ERP knows. */
  readonly notes: Array<string>
}

export interface ErpMismatch {
  readonly site: string | undefined
  readonly item: string | undefined
  readonly book: WireQuantity | undefined
  readonly counted: WireQuantity | undefined
}

export interface ErpProgress {
  created: number
  released: number
  picked: number
  packed: number
  shipped: number
  delivered: number
  cancelled: number
  returned: number
  deliveryFailures: number
  finished: number
}

export interface ErpSimulatorOptions extends SimulatorCommon {}

/**
 * A 409 naming one of `states`: the order has not caught up with what this
 * ERP already knows (the flow that moves it is still in flight), so the call
 * is retried, bounded. E.g. a return authorized on `pod-attached` while the
 * order is still `shipped`; a release right after a create that was `pending`.
 */
/**
 * Orders are submitted from the ERP's own memory (nothing re-sends them): while the region does not answer (a
 * restart, an outage), the ERP's integration keeps each call queued and tries it again, like the carrier's.
 */
const ERP_PERSIST_MS = 600_000

const stateLags =
  (states: ReadonlyArray<string>) =>
  (answer: ApiAnswer): boolean =>
    answer.status === 409 && new RegExp(`state[":\\s]*(${states.join("|")})\\b`, "i").test(problemText(answer.body))

const orderPath = (order: string, action?: string): string => `/v1/orders/${encodeURIComponent(order)}${action === undefined ? "" : `/${action}`}`

export class ErpSimulator extends LinkedSystem {
  readonly views = new Map<string, ErpOrderView>()
  readonly mismatches: Array<ErpMismatch> = []
  /** Messages about orders this ERP never created (another run's). */
  foreign = 0
  readonly progress: ErpProgress = {
    created: 0,
    released: 0,
    picked: 0,
    packed: 0,
    shipped: 0,
    delivered: 0,
    cancelled: 0,
    returned: 0,
    deliveryFailures: 0,
    finished: 0
  }
  readonly client: ApiClient
  private readonly plans = new Map<string, OrderPlan>()
  protected readonly link: SystemLink

  constructor(options: ErpSimulatorOptions) {
    super()
    this.client = makeClient(options, "ERP")
    this.link = new SystemLink({
      common: options,
      connectionName: "sim-erp",
      system: "ERP",
      durableParts: ["erp"],
      filterSubject: "sys.erp.>",
      handle: (m) => this.handle(m)
    })
  }

  private note(view: ErpOrderView, answer: ApiAnswer, what: string): void {
    if (answer.rejection !== undefined) {
      view.rejections.push(answer.rejection)
      view.notes.push(`${what} rejected: ${answer.status} ${answer.rejection.title}${answer.rejection.detail === "" ? "" : ` (${answer.rejection.detail})`}`)
    }
  }

  private finish(view: ErpOrderView, final: FinalState): void {
    if (view.final !== undefined) return
    view.final = final
    view.finishedAtMs = Date.now()
    this.progress.finished++
  }

  /**
   * Creates and releases one planned order, then acts out the exceptions
   * that follow release at once (change after release, cancel before pick).
   * Never throws: failures end up in the order's view.
   */
  async submit(plan: OrderPlan): Promise<void> {
    const view: ErpOrderView = {
      order: plan.order,
      site: plan.site,
      exceptions: plan.exceptions,
      expectedFinal: plan.expectedFinal,
      createdAtMs: Date.now(),
      status: "creating",
      created: false,
      released: false,
      confirmation: undefined,
      picked: undefined,
      readyToShip: undefined,
      freight: undefined,
      invoicedAt: undefined,
      pod: undefined,
      deliveryFailures: 0,
      credits: [],
      cancelled: undefined,
      changed: false,
      returnAuthorized: false,
      final: undefined,
      finishedAtMs: undefined,
      received: [],
      rejections: [],
      notes: []
    }
    this.plans.set(plan.order, plan)
    this.views.set(plan.order, view)
    const order = plan.order
    try {
      const created = await this.client.post({
        path: "/v1/orders",
        body: {
          order,
          shipFrom: plan.site,
          serviceLevel: plan.serviceLevel,
          shipTo: {
            name: plan.shipTo.name,
            lines: plan.shipTo.lines,
            city: plan.shipTo.city,
            postalCode: plan.shipTo.postalCode,
            country: plan.shipTo.country,
            timeZone: plan.shipTo.timeZone
          },
          ...definedFields({ deliveryWindow: plan.deliveryWindow }),
          lines: plan.lines.map((l) => ({
            lineNumber: l.lineNumber,
            item: l.item,
            quantity: { amount: String(l.ordered.amount), unit: l.ordered.unit },
            requestedShipDate: l.requestedShipDate,
            hazmat: l.hazmat,
            weight: { amount: l.weightKg, unit: "KG" }
          }))
        },
        idempotencyKey: `erp:create:${order}`,
        correlationId: order,
        action: "create-order",
        persistMs: ERP_PERSIST_MS
      })
      this.note(view, created, "create")
      if (!created.ok) {
        view.status = "failed"
        return
      }
      view.created = true
      view.status = "created"
      this.progress.created++

      const released = await this.client.post({
        path: orderPath(order, "release"),
        body: {},
        idempotencyKey: `erp:release:${order}`,
        correlationId: order,
        action: "release-order",
        awaitPrecondition: stateLags(["none", "new", "initial"]),
        persistMs: ERP_PERSIST_MS
      })
      this.note(view, released, "release")
      if (!released.ok) {
        view.status = "failed"
        return
      }
      view.released = true
      if (view.status === "created") view.status = "released"
      this.progress.released++

      if (plan.change !== undefined) {
        const changed = await this.client.post({
          path: orderPath(order, "change"),
          body: { lines: [{ lineNumber: plan.change.lineNumber, quantity: eaches(plan.change.quantityEa) }] },
          idempotencyKey: `erp:change:${order}:1`,
          correlationId: order,
          action: "change-order",
          persistMs: ERP_PERSIST_MS
        })
        this.note(view, changed, "change")
        view.changed = changed.ok
      }
      if (plan.exceptions.includes("cancel_before_pick")) await this.cancel(view, "customer cancelled before picking")
    } catch (error) {
      view.status = "failed"
      view.notes.push(`submit failed: ${errorText(error)}`)
    }
  }

  private async cancel(view: ErpOrderView, reason: string): Promise<void> {
    const answer = await this.client.post({
      path: orderPath(view.order, "cancel"),
      body: { reason },
      idempotencyKey: `erp:cancel:${view.order}`,
      correlationId: view.order,
      action: "cancel-order",
      persistMs: ERP_PERSIST_MS
    })
    this.note(view, answer, "cancel")
  }

  private async authorizeReturn(view: ErpOrderView, plan: OrderPlan): Promise<void> {
    const ret = plan.returnLine
    if (ret === undefined || view.returnAuthorized) return
    const answer = await this.client.post({
      path: `/v1/returns/${encodeURIComponent(ret.rma)}/authorize`,
      body: { order: view.order, lines: [{ lineNumber: ret.lineNumber, quantity: eaches(ret.quantityEa) }] },
      idempotencyKey: `erp:return-authorize:${ret.rma}`,
      correlationId: view.order,
      action: "authorize-return",
      awaitPrecondition: stateLags(["loaded", "shipped", "delivery_failed"]),
      preconditionTimeoutMs: 20_000
    })
    this.note(view, answer, "return authorization")
    if (answer.ok) {
      view.returnAuthorized = true
      view.status = "return_authorized"
    } else {
      // Nothing more will come for this order: it stays delivered, the rejection explains why.
      this.finish(view, "delivered")
    }
  }

  private async handle(message: SystemMessage): Promise<void> {
    const p = message.payload
    if (message.type === "inventory-mismatch") {
      this.mismatches.push({ site: str(p, "site"), item: str(p, "item"), book: quantityOf(p["book"]), counted: quantityOf(p["counted"]) })
      return
    }
    const order = str(p, "order")
    const view = order === undefined ? undefined : this.views.get(order)
    if (view === undefined) {
      this.foreign++
      return
    }
    view.received.push(message.type)
    const plan = this.plans.get(view.order)
    switch (message.type) {
      case "order-accepted":
        view.confirmation = p
        return
      case "fulfilment-progress": {
        // `stage` says which progress it is ("picked" | "ready_to_ship"); without one, cartons mean ready to ship.
        const lines = records(p, "lines")
        const stage = str(p, "stage")
        const isPicked = stage !== undefined ? stage === "picked" : lines.length > 0 && p["cartons"] === undefined
        if (isPicked) {
          if (view.picked === undefined) this.progress.picked++
          view.picked = lines.map((l) => ({
            lineNumber: num(l, "lineNumber") ?? 0,
            item: str(l, "item"),
            ordered: quantityOf(l["ordered"]),
            picked: quantityOf(l["picked"]),
            short: bool(l, "short") ?? false,
            substitute: bool(l, "substitute") ?? false
          }))
          if (view.status === "released" || view.status === "created") view.status = "picked"
          if (plan?.exceptions.includes("cancel_after_pick") === true && view.cancelled === undefined) {
            await this.cancel(view, "customer cancelled after picking")
          }
        } else {
          if (view.readyToShip === undefined) this.progress.packed++
          const cartons = p["cartons"]
          view.readyToShip = { totalWeight: quantityOf(p["totalWeight"]), cartons: Array.isArray(cartons) ? cartons.length : 0 }
          if (view.status === "picked" || view.status === "released") view.status = "packed"
        }
        return
      }
      case "freight-updated":
        view.freight = {
          carrier: str(p, "carrier"),
          freight: isRecord(p["freight"]) ? p["freight"] : undefined,
          deliveryCommitment: str(p, "deliveryCommitment")
        }
        return
      case "shipment-confirmed":
        if (view.invoicedAt === undefined) {
          this.progress.shipped++
          view.invoicedAt = str(p, "at") ?? new Date().toISOString()
        }
        if (view.status !== "delivered" && view.status !== "returned" && view.status !== "return_authorized") view.status = "shipped"
        return
      case "delivery-failed":
        view.deliveryFailures++
        this.progress.deliveryFailures++
        if (view.pod === undefined) view.status = "delivery_failed"
        return
      case "pod-attached": {
        if (view.pod === undefined) this.progress.delivered++
        view.pod = str(p, "pod") ?? view.pod ?? "(no reference)"
        if (view.status !== "returned" && view.status !== "return_authorized") view.status = "delivered"
        if (plan?.returnLine !== undefined && !view.returnAuthorized) {
          await this.authorizeReturn(view, plan)
        } else if (plan?.returnLine === undefined) {
          this.finish(view, "delivered")
        }
        return
      }
      case "credit-trigger":
        view.credits.push({ rma: str(p, "rma"), lines: records(p, "lines") })
        view.status = "returned"
        this.progress.returned++
        this.finish(view, "returned")
        return
      case "order-cancelled":
        if (view.cancelled === undefined) this.progress.cancelled++
        view.cancelled = { reason: str(p, "reason"), afterPick: bool(p, "afterPick") }
        view.status = "cancelled"
        this.finish(view, "cancelled")
        return
      default:
        return
    }
  }
}
