/**
 * The simulated warehouse execution system of one site. It talks only to its
 * site's LEAF NATS server, as a site system does in the mesh: it reads its
 * work from the site's own `SITE_COMMANDS` stream (domain = site; the leaf
 * sources `sys.wes.<site>.>` from the region), durable `<prefix>_wes_<site>`,
 * and sends its commands into the site's `SITE_EVENTS` through a
 * `SiteCommandChannel` (answers come back on `sys.wes.<site>.outcome`). So
 * it keeps picking released work and recording its confirmations while the
 * WAN link or the region is down; they are applied when the link returns.
 *
 * - `order-release`: confirms each pick task (`<order>-L<line>`) with the
 *   scenario's exceptions (short pick, substitution; a held wave for an
 *   order about to be changed or cancelled), packs cartons with SSCCs
 *   (valid GS1 check digit), weights and dimensions, then completes packing.
 *   Calls whose precondition another module commits (the task, the
 *   shipment) are retried while they answer "unknown" (bounded).
 * - `order-change` / `order-cancelled`: recorded (put-away of picked lines).
 * - `labels-revised`: records labels, staging lane, loading priority, then
 *   confirms the load at an outbound dock with every packed SSCC.
 * - `return-expected`: receives the return.
 * Keeps a per-site "WES view".
 */
import { type ApiAnswer, type ApiClient, problemText, type Rejection, stableIndex } from "./ApiClient.ts"
import { errorText, SignalMap } from "./Concurrency.ts"
import { gramsToKg, kgToGrams } from "./Decimals.ts"
import type { InventoryCounter, PostedCount } from "./InventoryCounts.ts"
import { DEFAULT_ITEMS, type ItemMaster, type SiteInfo } from "./ReferenceData.ts"
import { shipmentIdOf, taskIdOf } from "./Scenario.ts"
import {
  bool,
  eaches,
  makeClient,
  keepRejection,
  LinkedSystem,
  SystemLink,
  num,
  type Payload,
  quantityOf,
  records,
  type SimulatorCommon,
  str
} from "./SimulatorSupport.ts"
import { SITE_COMMANDS_STREAM, SiteCommandChannel } from "./SiteCommandChannel.ts"
import { cartonSscc } from "./SsccFactory.ts"
import type { SystemMessage } from "./SystemConsumer.ts"
import { definedFields } from "@logimesh/model"

export interface WesPick {
  readonly lineNumber: number
  readonly task: string
  readonly item: string
  readonly requestedEa: number
  readonly pickedEa: number
  readonly short: boolean
  readonly substitute: boolean
  readonly location: string
  readonly ok: boolean
}

export interface WesCarton {
  readonly sscc: string
  readonly weightKg: string
  readonly dimensionsCm: readonly [number, number, number]
  readonly contents: ReadonlyArray<{ readonly lineNumber: number; readonly item: string; readonly quantityEa: number }>
}

export interface WesOrderView {
  readonly order: string
  readonly shipment: string
  releasedAtMs: number
  lines: ReadonlyArray<{ readonly lineNumber: number; readonly item: string; readonly quantityEa: number }>
  readonly picks: Array<WesPick>
  readonly cartons: Array<WesCarton>
  packingComplete: boolean
  changedLines: ReadonlyArray<Payload> | undefined
  cancelled: { readonly afterPick: boolean | undefined; readonly putAway: ReadonlyArray<Payload> } | undefined
  labels: ReadonlyArray<Payload> | undefined
  carrier: string | undefined
  stagingLane: string | undefined
  loadingPriority: number | undefined
  loaded: { readonly dockDoor: string; readonly ssccs: ReadonlyArray<string>; readonly ok: boolean } | undefined
  readonly returnsReceived: Array<{ readonly rma: string; readonly ok: boolean }>
  readonly notes: Array<string>
  readonly rejections: Array<Rejection>
}

export interface WesSimulatorOptions extends SimulatorCommon {
  readonly site: SiteInfo
  readonly items?: ReadonlyArray<ItemMaster>
  /** Posts counts for the inventory-mismatch exception (through the site's inventory owner). */
  readonly counter?: InventoryCounter
  /** How long a held wave waits for the change / cancel the scenario announced (default 30 s). */
  readonly holdMs?: number
  /** How long a call waits for a task / shipment another module has not created yet (default 20 s). */
  readonly preconditionTimeoutMs?: number
  /** Seeds the SSCC serials (default: the seed); distinct runs on one region should differ. */
  readonly ssccSeed?: number
}

/** A 404, or a 409/422 naming an unknown task / shipment / missing state: the flow has not caught up yet. */
const notYet = (answer: ApiAnswer): boolean => {
  if (answer.status === 404) return true
  if (answer.status !== 409 && answer.status !== 422) return false
  return /unknown ?task|unknown ?shipment|not ?found|does not exist|no such|state[":\s]*(none|initial|empty|new)\b|NoShipment|NotRequested|not (yet )?requested/i.test(
    problemText(answer.body)
  )
}

/**
 * An answer the next step builds on must be committed: a 202 still pending after the client's
 * follow-ups fails the handling, so the message is redelivered and the step asked again (same key).
 * Completing packing after a carton that was only queued lets packing complete without it.
 */
const committed = (answer: ApiAnswer, what: string): ApiAnswer => {
  if (answer.pending) throw new Error(`${what}: accepted but not committed yet; retried on redelivery`)
  return answer
}

/**
 * A precondition still "not yet" when its wait ran out (the region was down longer than the wait: the
 * pick task does not exist yet) is not a refusal: the handling fails and the message comes back, instead
 * of the order being dropped as "nothing picked".
 */
const caughtUp = (answer: ApiAnswer, what: string, moot = false): ApiAnswer => {
  if (moot) return answer // the order was cancelled meanwhile: its task may never exist
  if (notYet(answer)) throw new Error(`${what}: precondition still not met (${answer.status}); retried on redelivery`)
  return committed(answer, what)
}

/** Replaces the entry with the same key (a handling that runs again after a failure) or appends. */
const upsert = <A>(list: Array<A>, entry: A, same: (a: A) => boolean): void => {
  const i = list.findIndex(same)
  if (i >= 0) list[i] = entry
  else list.push(entry)
}

export class WesSimulator extends LinkedSystem {
  readonly site: SiteInfo
  readonly views = new Map<string, WesOrderView>()
  readonly counts: Array<PostedCount> = []
  readonly client: ApiClient
  private readonly options: WesSimulatorOptions
  private readonly items: ReadonlyArray<ItemMaster>
  private readonly changed = new SignalMap()
  private readonly cancelled = new SignalMap()
  protected readonly link: SystemLink
  readonly channel: SiteCommandChannel

  constructor(options: WesSimulatorOptions) {
    super()
    this.options = options
    this.site = options.site
    this.items = options.items ?? DEFAULT_ITEMS
    const site = options.site.site
    this.channel = new SiteCommandChannel({
      natsUrl: options.natsUrl,
      natsAuth: options.natsAuth,
      site,
      system: "WES",
      ...definedFields({ consumerPrefix: options.consumerPrefix, streamWaitMs: options.streamWaitMs }),
      onError: (error) => options.onError?.(`WES ${site}`, error)
    })
    this.client = makeClient(options, "WES", site, this.channel)
    this.link = new SystemLink({
      common: options,
      connectionName: `sim-wes-${site}`,
      system: `WES ${site}`,
      durableParts: ["wes", site],
      filterSubject: `sys.wes.${site}.>`,
      source: { stream: SITE_COMMANDS_STREAM, domain: site },
      handle: (m) => this.handle(m)
    })
  }

  override async start(): Promise<void> {
    await this.channel.start()
    await super.start()
  }

  override async stop(timeoutMs = 10_000): Promise<void> {
    await super.stop(timeoutMs)
    await this.channel.stop()
  }

  private viewOf(order: string, shipment: string | undefined): WesOrderView {
    let view = this.views.get(order)
    if (view === undefined) {
      view = {
        order,
        shipment: shipment ?? shipmentIdOf(order),
        releasedAtMs: 0,
        lines: [],
        picks: [],
        cartons: [],
        packingComplete: false,
        changedLines: undefined,
        cancelled: undefined,
        labels: undefined,
        carrier: undefined,
        stagingLane: undefined,
        loadingPriority: undefined,
        loaded: undefined,
        returnsReceived: [],
        notes: [],
        rejections: []
      }
      this.views.set(order, view)
    }
    return view
  }

  private keep(view: WesOrderView, answer: ApiAnswer, what: string): ApiAnswer {
    return keepRejection(view, answer, what)
  }

  private async handle(message: SystemMessage): Promise<void> {
    const p = message.payload
    const order = str(p, "order")
    if (order === undefined) return
    switch (message.type) {
      case "order-release":
        return this.release(order, p)
      case "order-change": {
        const view = this.viewOf(order, str(p, "shipment"))
        view.changedLines = records(p, "lines")
        this.changed.get(order).set()
        return
      }
      case "order-cancelled": {
        const view = this.viewOf(order, str(p, "shipment"))
        const putAway = records(p, "putAway")
        view.cancelled = { afterPick: bool(p, "afterPick"), putAway: putAway.length > 0 ? putAway : records(p, "picked") }
        this.cancelled.get(order).set()
        return
      }
      case "labels-revised":
        return this.labelsRevised(order, p)
      case "return-expected":
        return this.receiveReturn(order, p)
      default:
        return
    }
  }

  private itemWeightGrams(item: string): number {
    const master = this.items.find((m) => m.item === item)
    return master === undefined ? 1_000 : kgToGrams(master.unitWeightKg)
  }

  private async release(order: string, p: Payload): Promise<void> {
    const shipment = str(p, "shipment") ?? shipmentIdOf(order)
    const view = this.viewOf(order, shipment)
    if (view.packingComplete) return
    view.releasedAtMs = Date.now()
    const plan = this.options.plans?.(order)
    const holdMs = this.options.holdMs ?? 30_000
    let lines = records(p, "lines").map((l) => ({
      lineNumber: num(l, "lineNumber") ?? 0,
      item: str(l, "item") ?? "?",
      quantityEa: Math.round(Number(quantityOf(l["quantity"])?.amount ?? "0"))
    }))
    view.lines = lines

    // A held wave: the scenario announced a cancel or change right after release.
    if (plan?.exceptions.includes("cancel_before_pick") === true) {
      if (await this.cancelled.get(order).wait(holdMs)) return
      view.notes.push(`held ${holdMs} ms for a cancel that did not come; picking`)
    }
    if (plan?.change !== undefined) {
      if (await this.changed.get(order).wait(holdMs)) {
        const after = view.changedLines ?? []
        lines = lines.map((l) => {
          const c = after.find((x) => num(x, "lineNumber") === l.lineNumber)
          const q = c === undefined ? undefined : quantityOf(c["quantity"])
          return q === undefined ? l : { ...l, quantityEa: Math.round(Number(q.amount)) }
        })
      } else {
        view.notes.push(`held ${holdMs} ms for a change that did not come; picking as released`)
      }
    }
    if (this.cancelled.get(order).isSet) return

    // Pick every line.
    for (const line of lines) {
      const task = taskIdOf(order, line.lineNumber)
      const short = plan?.shortPick?.lineNumber === line.lineNumber ? plan.shortPick.pickedEa : undefined
      const pickedEa = short !== undefined ? Math.min(short, line.quantityEa) : line.quantityEa
      const substitute = plan?.substitution?.lineNumber === line.lineNumber ? plan.substitution.substituteItem : undefined
      const location = `${this.site.code}-A${String(1 + stableIndex(`${line.item}`, 20)).padStart(2, "0")}-${1 + stableIndex(task, 6)}`
      const answer = this.keep(
        view,
        caughtUp(
          await this.client.post({
            path: `/v1/tasks/${encodeURIComponent(task)}/confirm-pick`,
            body: { picked: eaches(pickedEa), location, ...definedFields({ substituteItem: substitute }) },
            idempotencyKey: `wes:${this.site.site}:pick:${task}`,
            correlationId: order,
            action: "confirm-pick",
            awaitPrecondition: notYet,
            preconditionTimeoutMs: this.options.preconditionTimeoutMs ?? 20_000
          }),
          `pick ${task}`,
          this.cancelled.get(order).isSet
        ),
        `pick ${task}`
      )
      upsert(
        view.picks,
        {
          lineNumber: line.lineNumber,
          task,
          item: substitute ?? line.item,
          requestedEa: line.quantityEa,
          pickedEa,
          short: pickedEa < line.quantityEa,
          substitute: substitute !== undefined,
          location,
          ok: answer.ok
        },
        (x) => x.task === task
      )
      if (this.cancelled.get(order).isSet) return
    }

    if (plan?.mismatchItem !== undefined && this.options.counter !== undefined) {
      const count = await this.options.counter.mismatch(this.site.site, plan.mismatchItem, order).catch((error: unknown) => {
        view.notes.push(`inventory count failed: ${errorText(error)}`)
        return undefined
      })
      if (count !== undefined) this.counts.push(count)
    }

    // A cancel after pick is announced: the order waits on the pack bench.
    if (plan?.exceptions.includes("cancel_after_pick") === true) {
      if (await this.cancelled.get(order).wait(holdMs)) return
      view.notes.push(`held ${holdMs} ms on the pack bench for a cancel that did not come; packing`)
    }
    if (this.cancelled.get(order).isSet) return

    // Pack: spread the picked eaches over the planned number of cartons, round robin per each.
    const picked = view.picks.filter((x) => x.ok && x.pickedEa > 0)
    const totalEa = picked.reduce((sum, x) => sum + x.pickedEa, 0)
    if (totalEa === 0) {
      view.notes.push("nothing picked; nothing to pack")
      return
    }
    const cartonCount = Math.max(1, Math.min(plan?.cartons ?? Math.ceil(totalEa / 10), totalEa, 9))
    const contents: Array<Map<number, { item: string; quantityEa: number }>> = Array.from({ length: cartonCount }, () => new Map())
    let next = 0
    for (const pick of picked) {
      for (let i = 0; i < pick.pickedEa; i++) {
        const carton = contents[next % cartonCount] as Map<number, { item: string; quantityEa: number }>
        const entry = carton.get(pick.lineNumber) ?? { item: pick.item, quantityEa: 0 }
        entry.quantityEa++
        carton.set(pick.lineNumber, entry)
        next++
      }
    }
    const orderIndex = plan?.index ?? stableIndex(order, 99_999)
    for (let c = 0; c < cartonCount; c++) {
      const inCarton = [...(contents[c] as Map<number, { item: string; quantityEa: number }>).entries()].map(([lineNumber, e]) => ({
        lineNumber,
        item: e.item,
        quantityEa: e.quantityEa
      }))
      const sscc = cartonSscc(this.site.gs1CompanyPrefix, this.options.ssccSeed ?? this.options.seed, orderIndex, c)
      const grams = 250 + inCarton.reduce((sum, e) => sum + e.quantityEa * this.itemWeightGrams(e.item), 0)
      const ea = inCarton.reduce((sum, e) => sum + e.quantityEa, 0)
      const dimensionsCm: readonly [number, number, number] = ea <= 4 ? [40, 30, 20] : ea <= 10 ? [60, 40, 30] : [80, 60, 40]
      const weightKg = gramsToKg(grams)
      const answer = this.keep(
        view,
        caughtUp(
          await this.client.post({
            path: `/v1/shipments/${encodeURIComponent(shipment)}/cartons`,
            body: {
              sscc,
              weight: { amount: weightKg, unit: "KG" },
              dimensions: {
                length: { amount: String(dimensionsCm[0]), unit: "CM" },
                width: { amount: String(dimensionsCm[1]), unit: "CM" },
                height: { amount: String(dimensionsCm[2]), unit: "CM" }
              },
              contents: inCarton.map((e) => ({ lineNumber: e.lineNumber, item: e.item, quantity: eaches(e.quantityEa) }))
            },
            idempotencyKey: `wes:${this.site.site}:carton:${sscc}`,
            correlationId: order,
            action: "pack-carton",
            awaitPrecondition: notYet,
            preconditionTimeoutMs: this.options.preconditionTimeoutMs ?? 20_000
          }),
          `carton ${sscc}`,
          this.cancelled.get(order).isSet
        ),
        `carton ${sscc}`
      )
      if (answer.ok) upsert(view.cartons, { sscc, weightKg, dimensionsCm, contents: inCarton }, (x) => x.sscc === sscc)
      if (this.cancelled.get(order).isSet) return
    }
    if (view.cartons.length === 0) return
    const done = this.keep(
      view,
      caughtUp(
        await this.client.post({
          path: `/v1/shipments/${encodeURIComponent(shipment)}/complete-packing`,
          body: {},
          idempotencyKey: `wes:${this.site.site}:complete-packing:${shipment}`,
          correlationId: order,
          action: "complete-packing",
          awaitPrecondition: notYet,
          preconditionTimeoutMs: this.options.preconditionTimeoutMs ?? 20_000
        }),
        "complete packing",
        this.cancelled.get(order).isSet
      ),
      "complete packing"
    )
    view.packingComplete = done.ok
  }

  private async labelsRevised(order: string, p: Payload): Promise<void> {
    const shipment = str(p, "shipment") ?? shipmentIdOf(order)
    const view = this.viewOf(order, shipment)
    view.labels = records(p, "labels")
    view.carrier = str(p, "carrier")
    view.stagingLane = str(p, "stagingLane")
    view.loadingPriority = num(p, "loadingPriority")
    if (view.cancelled !== undefined) return
    const ssccs = view.cartons.map((c) => c.sscc)
    if (ssccs.length === 0) {
      view.notes.push("labels revised for a shipment this WES packed nothing for")
      return
    }
    const docks = this.site.outboundDocks
    const dockDoor = docks[stableIndex(shipment, docks.length)] ?? docks[0] ?? "DOCK"
    const answer = this.keep(
      view,
      await this.client.post({
        path: `/v1/shipments/${encodeURIComponent(shipment)}/confirm-load`,
        body: { dockDoor, ssccs },
        idempotencyKey: `wes:${this.site.site}:load:${shipment}`,
        correlationId: order,
        action: "confirm-load"
      }),
      "confirm load"
    )
    committed(answer, "confirm load")
    view.loaded = { dockDoor, ssccs, ok: answer.ok }
  }

  private async receiveReturn(order: string, p: Payload): Promise<void> {
    const rma = str(p, "rma")
    if (rma === undefined) return
    const view = this.viewOf(order, str(p, "shipment"))
    const lines = records(p, "lines").map((l) => ({ lineNumber: num(l, "lineNumber") ?? 0, quantity: quantityOf(l["quantity"]) ?? eaches(0) }))
    const answer = this.keep(
      view,
      await this.client.post({
        path: `/v1/returns/${encodeURIComponent(rma)}/receive`,
        body: { order, lines },
        idempotencyKey: `wes:${this.site.site}:return-receive:${rma}`,
        correlationId: order,
        action: "receive-return"
      }),
      `receive return ${rma}`
    )
    committed(answer, `receive return ${rma}`)
    upsert(view.returnsReceived, { rma, ok: answer.ok }, (x) => x.rma === rma)
  }

  /** Totals of this site's view (for progress lines and the summary). */
  totals(): {
    readonly released: number
    readonly picked: number
    readonly packed: number
    readonly loaded: number
    readonly putAway: number
    readonly returns: number
  } {
    let released = 0,
      picked = 0,
      packed = 0,
      loaded = 0,
      putAway = 0,
      returns = 0
    for (const v of this.views.values()) {
      if (v.releasedAtMs > 0) released++
      if (v.picks.length > 0 && v.picks.every((x) => x.ok)) picked++
      if (v.packingComplete) packed++
      if (v.loaded?.ok === true) loaded++
      if (v.cancelled !== undefined && v.cancelled.putAway.length > 0) putAway++
      returns += v.returnsReceived.filter((r) => r.ok).length
    }
    return { released, picked, packed, loaded, putAway, returns }
  }
}
