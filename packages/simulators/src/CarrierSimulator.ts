/**
 * One simulated carrier (one SCAC). Reads `sys.carrier.<scac>.>` (durable
 * `<prefix>_carrier_<scac>`):
 *
 * - `tender`: accepts, or rejects when the scenario says this carrier turns
 *   the order down (tender_rejection: the first carrier tendered rejects),
 *   via POST /v1/shipments/{id}/tender-response.
 * - After departure (handed over by the dispatch simulator, `deliver`): the
 *   `in_transit` and `arrived` milestones, then proof of delivery
 *   (POST /v1/shipments/{id}/pod, outcome delivered, receivedBy,
 *   signatureRef), or first a failed attempt and later a successful
 *   redelivery (failed_delivery).
 * Keeps a "carrier view" per shipment; deliveries are tracked jobs that
 * `stop` waits for (bounded). A delivery is driven in memory, not by a
 * message that would come back: a call the region does not answer (down,
 * or refusing work while degraded) is tried again every 2 s, for up to
 * `persistMs` (default 10 min), like a carrier's integration that queues its
 * updates.
 */
import { definedFields, shipmentIdOf } from "@logimesh/model"
import type { ApiAnswer, ApiClient, Rejection } from "./ApiClient.ts"
import { JobTracker, sleep } from "./Concurrency.ts"
import { hash32 } from "./Prng.ts"
import { type ConsumerRef, makeClient, nowIso, type Payload, type SimulatorCommon, str, SystemLink } from "./SimulatorSupport.ts"
import type { SystemMessage } from "./SystemConsumer.ts"

export interface CarrierShipmentView {
  readonly shipment: string
  readonly order: string
  tender: { readonly accepted: boolean; readonly reason: string | undefined; readonly ok: boolean; readonly route: string | undefined } | undefined
  readonly milestones: Array<{ readonly milestone: string; readonly at: string; readonly ok: boolean }>
  readonly attempts: Array<{ readonly outcome: "delivered" | "failed"; readonly at: string; readonly ok: boolean; readonly reason?: string }>
  delivered: boolean
  readonly rejections: Array<Rejection>
}

export interface CarrierSimulatorOptions extends SimulatorCommon {
  readonly scac: string
  /** How long a delivery keeps calling a region that does not answer (default 10 min). */
  readonly persistMs?: number
  /** Time between departure, in transit, arrival and the delivery attempt (default 100 ms each). */
  readonly legMs?: number
  /** Time between a failed attempt and the redelivery (default 300 ms). */
  readonly redeliveryMs?: number
}

const RECEIVERS = ["J. de Vries", "M. Peeters", "S. Müller", "A. Janssen", "K. Schmidt", "L. Dubois", "R. Bakker", "T. Hoffmann"]
const FAILURE_REASONS = ["recipient absent", "address closed", "refused at gate: no appointment"]

export class CarrierSimulator {
  readonly scac: string
  readonly views = new Map<string, CarrierShipmentView>()
  readonly client: ApiClient
  private readonly options: CarrierSimulatorOptions
  private readonly jobs: JobTracker
  private readonly link: SystemLink
  private stopping = false

  /** A delivery is driven in memory: keep calling a region that does not answer. */
  private get persistMs(): number {
    return this.options.persistMs ?? 600_000
  }

  constructor(options: CarrierSimulatorOptions) {
    if (!/^[A-Z]{2,4}$/.test(options.scac)) throw new Error(`a SCAC is 2-4 upper-case letters, got ${options.scac}`)
    this.options = options
    this.scac = options.scac
    this.client = makeClient(options, "CARRIER", options.scac)
    this.link = new SystemLink({
      common: options,
      connectionName: `sim-carrier-${options.scac}`,
      system: `CARRIER ${options.scac}`,
      durableParts: ["carrier", options.scac],
      filterSubject: `sys.carrier.${options.scac}.>`,
      handle: (m) => this.handle(m)
    })
    this.jobs = new JobTracker((error) => options.onError?.(`CARRIER ${options.scac}`, error))
  }

  async start(): Promise<void> {
    this.stopping = false
    this.client.resumePersisting()
    await this.link.start()
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true
    this.client.stopPersisting()
    const deadline = Date.now() + timeoutMs
    await this.link.stopConsuming(timeoutMs)
    await this.jobs.drain(Math.max(0, deadline - Date.now()))
    await this.link.close()
  }

  get consumerStats() {
    return this.link.stats
  }

  get reads(): ConsumerRef {
    return this.link.reads
  }

  private viewOf(shipment: string, order: string): CarrierShipmentView {
    let view = this.views.get(shipment)
    if (view === undefined) {
      view = { shipment, order, tender: undefined, milestones: [], attempts: [], delivered: false, rejections: [] }
      this.views.set(shipment, view)
    }
    return view
  }

  private keep(view: CarrierShipmentView, answer: ApiAnswer): ApiAnswer {
    if (answer.rejection !== undefined) view.rejections.push(answer.rejection)
    return answer
  }

  private async handle(message: SystemMessage): Promise<void> {
    if (message.type !== "tender") return
    const p: Payload = message.payload
    const order = str(p, "order")
    if (order === undefined) return
    const shipment = str(p, "shipment") ?? shipmentIdOf(order)
    const view = this.viewOf(shipment, order)
    if (view.tender !== undefined) return
    const plan = this.options.plans?.(order)
    const reject = plan?.exceptions.includes("tender_rejection") && plan.carriers[0] === this.scac
    const reason = reject ? "no capacity on this lane today" : undefined
    const answer = this.keep(
      view,
      await this.client.post({
        path: `/v1/shipments/${encodeURIComponent(shipment)}/tender-response`,
        body: { carrier: this.scac, accepted: !reject, ...definedFields({ reason }) },
        idempotencyKey: `carrier:${this.scac}:tender-response:${shipment}`,
        correlationId: order,
        action: "tender-response"
      })
    )
    view.tender = { accepted: !reject, reason, ok: answer.ok, route: str(p, "route") }
  }

  /** The shipment left the dock with this carrier: drive it to delivery in the background. */
  deliver(shipment: string, order: string): void {
    if (this.stopping) return
    const view = this.viewOf(shipment, order)
    if (view.milestones.length > 0 || view.delivered) return
    this.jobs.run(() => this.deliverJob(view))
  }

  private async milestone(view: CarrierShipmentView, milestone: "in_transit" | "arrived"): Promise<void> {
    const at = nowIso()
    const answer = this.keep(
      view,
      await this.client.post({
        path: `/v1/shipments/${encodeURIComponent(view.shipment)}/milestones`,
        body: { milestone, at },
        idempotencyKey: `carrier:${this.scac}:milestone:${view.shipment}:${milestone}`,
        correlationId: view.order,
        action: `milestone-${milestone}`,
        persistMs: this.persistMs
      })
    )
    view.milestones.push({ milestone, at, ok: answer.ok })
  }

  private async pod(view: CarrierShipmentView, outcome: "delivered" | "failed", attempt: number): Promise<boolean> {
    const at = nowIso()
    const h = hash32(`${view.shipment}:${attempt}`)
    const reason = outcome === "failed" ? (FAILURE_REASONS[h % FAILURE_REASONS.length] as string) : undefined
    const answer = this.keep(
      view,
      await this.client.post({
        path: `/v1/shipments/${encodeURIComponent(view.shipment)}/pod`,
        body:
          outcome === "delivered"
            ? {
                order: view.order,
                outcome,
                receivedBy: RECEIVERS[h % RECEIVERS.length] as string,
                signatureRef: `SIG-${this.scac}-${(h % 1_000_000).toString().padStart(6, "0")}`,
                at
              }
            : { order: view.order, outcome, reason, at },
        idempotencyKey: `carrier:${this.scac}:pod:${view.shipment}:${attempt}`,
        correlationId: view.order,
        action: outcome === "delivered" ? "pod-delivered" : "pod-failed",
        persistMs: this.persistMs
      })
    )
    view.attempts.push({ outcome, at, ok: answer.ok, ...definedFields({ reason }) })
    return answer.ok
  }

  private async deliverJob(view: CarrierShipmentView): Promise<void> {
    const leg = this.options.legMs ?? 100
    await sleep(leg)
    await this.milestone(view, "in_transit")
    await sleep(leg)
    await this.milestone(view, "arrived")
    await sleep(leg)
    const plan = this.options.plans?.(view.order)
    let attempt = 1
    if (plan?.exceptions.includes("failed_delivery") === true) {
      await this.pod(view, "failed", attempt)
      attempt++
      await sleep(this.options.redeliveryMs ?? 300)
    }
    view.delivered = await this.pod(view, "delivered", attempt)
  }

  totals(): { readonly tenders: number; readonly rejected: number; readonly delivered: number; readonly failedAttempts: number } {
    let tenders = 0,
      rejected = 0,
      delivered = 0,
      failedAttempts = 0
    for (const v of this.views.values()) {
      if (v.tender !== undefined) tenders++
      if (v.tender?.accepted === false) rejected++
      if (v.delivered) delivered++
      failedAttempts += v.attempts.filter((a) => a.outcome === "failed" && a.ok).length
    }
    return { tenders, rejected, delivered, failedAttempts }
  }
}
