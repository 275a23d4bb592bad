/**
 * The orchestrator of one simulated run against a live region:
 *
 *   const summary = await runScenario({ apiUrl, hubNatsUrl, leafNatsUrls, region, sites, orders: 100, seed: 7, onProgress })
 *
 * plans the orders (`planScenario`), starts the ERP, one WES per site (on
 * its site's leaf), dispatch and the carriers, posts the baseline stock
 * counts, drives the orders at a bounded rate, waits (bounded) until every
 * order is final for the ERP (delivered, cancelled, returned) with its
 * planned exceptions seen, stops everything, reads the region's parked
 * messages and returns a summary with every system's view.
 *
 * An order is `completed` when it reached the final state its plan expects
 * and every planned exception was observed; `explained` when it deviated
 * only because the region rejected the exception's own action (a cancel
 * that came too late, a return or change refused), with the rejection
 * recorded; anything else is `unexplained`.
 */
import type { ApiClient, ApiStats, DuplicateMismatch, Rejection } from "./ApiClient.ts"
import { CarrierSimulator, type CarrierShipmentView } from "./CarrierSimulator.ts"
import { errorText, JobTracker, Semaphore, sleep } from "./Concurrency.ts"
import { DispatchSimulator, type DispatchShipmentView } from "./DispatchSimulator.ts"
import { type ErpMismatch, type ErpOrderView, type ErpProgress, ErpSimulator } from "./ErpSimulator.ts"
import { InventoryCounter, type PostedCount } from "./InventoryCounts.ts"
import { EXCEPTION_KINDS, type ExceptionKind, type KnobsInput, resolveKnobs } from "./Knobs.ts"
import { type CarrierInfo, DEFAULT_CARRIERS, DEFAULT_ITEMS, DEFAULT_SITES, type ItemMaster, siteInfo, type SiteInfo } from "./ReferenceData.ts"
import { hash32 } from "./Prng.ts"
import { type OrderPlan, planScenario, type ScenarioPlan } from "./Scenario.ts"
import type { SentCommand } from "./SentLedger.ts"
import { type ConsumerRef, isRecord, type NatsAuth, type SimulatorApiKeys, type SimulatorCommon } from "./SimulatorSupport.ts"
import type { ConsumerStats } from "./SystemConsumer.ts"
import { type WesOrderView, WesSimulator } from "./WesSimulator.ts"
import { definedFields } from "@logimesh/model"

export interface RunScenarioOptions extends KnobsInput {
  /** Region HTTP base URL (http://127.0.0.1:<port>). */
  readonly apiUrl: string
  /** Each system's API key (the topology's `secrets/api-keys.json` entry of the region). */
  readonly apiKeys: SimulatorApiKeys
  /** The hub's client URL: ERP, dispatch and carriers connect here. */
  readonly hubNatsUrl: string
  /** Each site's leaf client URL: its WES connects there. */
  readonly leafNatsUrls: Readonly<Record<string, string>>
  /**
   * Each simulated system's NATS credentials, by its NATS user: `erp`, `dispatch`, `carrier`,
   * `wes-<site>` (the topology's users); absent, or undefined for a user: anonymous.
   */
  readonly natsAuth?: (user: string) => NatsAuth | undefined
  readonly region: string
  /** Sites orders ship from (each needs a leaf URL). */
  readonly sites: ReadonlyArray<string>
  /** Site details (docks, inventory owner, GS1 prefix); defaults match `sites/`. */
  readonly siteInfos?: ReadonlyArray<SiteInfo>
  readonly carriers?: ReadonlyArray<CarrierInfo>
  readonly items?: ReadonlyArray<ItemMaster>
  /** JetStream domain of the region's streams (default "hub"). */
  readonly domain?: string
  /** Orders created per second (default 20). */
  readonly ratePerSecond?: number
  /** Bound on the whole wait for final states (default 120 s + 300 ms per order). */
  readonly timeoutMs?: number
  /** Durable consumer names start with this (default `sim_<runTag>`). */
  readonly consumerPrefix?: string
  /** In every order id (`SO-<runTag>-000001`), SSCC serial and consumer name; default: the seed. A second run on the same region needs another one. */
  readonly runTag?: string
  /** Held waves wait this long for the change/cancel the scenario announced (default 30 s). */
  readonly holdMs?: number
  /** Carrier leg duration (default 100 ms). */
  readonly legMs?: number
  /** Post baseline stock counts before the first order (default true). */
  readonly baselineCounts?: boolean
  readonly onProgress?: (progress: ScenarioProgress) => void
  /** Called once every simulator runs: drills stop and restart one (an ERP endpoint outage) through it. */
  readonly onSystemsStarted?: (systems: ReadonlyArray<SimulatedSystemHandle>) => void
  readonly progressIntervalMs?: number
  /** Diagnostics (simulator errors, fetch failures); default: nothing. */
  readonly log?: (line: string) => void
  readonly nowMs?: number
}

/** A running simulator as a drill sees it: its name ("ERP", "WES dc-rotterdam", …), the consumer it reads through, start and stop. */
export interface SimulatedSystemHandle {
  readonly name: string
  readonly reads?: ConsumerRef
  /** Its commands handed over and not answered yet. */
  readonly awaitingAnswer?: () => number
  readonly start: () => Promise<void>
  readonly stop: (ms: number) => Promise<unknown>
}

const handleOf = (
  name: string,
  sim: { readonly client: ApiClient; readonly reads: ConsumerRef; start(): Promise<void>; stop(ms: number): Promise<unknown> }
): SimulatedSystemHandle => ({
  name,
  reads: sim.reads,
  awaitingAnswer: () => sim.client.sent.awaitingAnswer(),
  start: () => sim.start(),
  stop: (ms) => sim.stop(ms)
})

export interface ScenarioProgress {
  readonly elapsedMs: number
  readonly orders: number
  readonly created: number
  readonly released: number
  readonly picked: number
  readonly packed: number
  readonly shipped: number
  readonly delivered: number
  readonly cancelled: number
  readonly returned: number
  readonly finished: number
  readonly exceptions: number
  readonly rejections: number
  /** Orders finished per second since the start. */
  readonly rate: number
}

export type OrderOutcome = "completed" | "explained" | "unexplained"

export interface OrderResult {
  readonly order: string
  readonly outcome: OrderOutcome
  readonly expectedFinal: string
  readonly final: string | undefined
  readonly erpStatus: string
  readonly planned: ReadonlyArray<ExceptionKind>
  readonly observed: ReadonlyArray<ExceptionKind>
  readonly durationMs: number | undefined
  readonly why: ReadonlyArray<string>
}

export interface ApiSummary {
  readonly calls: number
  readonly attempts: number
  readonly retries: number
  readonly simulatedFailures: number
  readonly networkErrors: number
  readonly serverErrors: number
  readonly accepted202: number
  readonly pending: number
  readonly preconditionWaits: number
  readonly duplicatesSent: number
  readonly duplicatesMatched: number
  readonly duplicateMismatches: number
  readonly rejections: number
}

export interface ScenarioSummary {
  readonly orders: number
  readonly completed: number
  /** Orders that went through at least one exception (observed). */
  readonly exceptions: number
  /** Parked messages on the region (GET /v1/parked?status=parked); -1 when it could not be read. */
  readonly unexplained_parked: number
  readonly p50_order_ms: number | null
  readonly p99_order_ms: number | null
  readonly explained: number
  readonly unexplained: number
  readonly per_exception: { readonly [K in ExceptionKind]: { readonly planned: number; readonly observed: number } }
  readonly final_states: Readonly<Record<string, number>>
  readonly elapsed_ms: number
  readonly seed: number
  readonly api: Readonly<Record<string, ApiSummary>>
  readonly consumers: Readonly<Record<string, ConsumerStats | undefined>>
  /** Per site: commands its WES sent into its own leaf, answers it got back from the region, waits that ran out. */
  readonly site_channels: Readonly<
    Record<
      string,
      {
        readonly sent: number
        readonly answers: number
        readonly timeouts: number
        readonly repeats: number
        readonly answerMsTotal: number
        readonly answerMsMax: number
      }
    >
  >
  /** Every command the simulated systems sent, once per sender and Idempotency-Key (see `SentLedger`). */
  readonly sent: ReadonlyArray<SentCommand>
  readonly duplicate_mismatches: ReadonlyArray<DuplicateMismatch>
  readonly rejections: ReadonlyArray<Rejection>
  readonly parked_sample: ReadonlyArray<unknown>
  readonly problems: ReadonlyArray<OrderResult>
  readonly simulator_errors: ReadonlyArray<string>
  readonly views: {
    readonly erp: ReadonlyArray<ErpOrderView>
    readonly erpMismatches: ReadonlyArray<ErpMismatch>
    readonly wes: Readonly<Record<string, ReadonlyArray<WesOrderView>>>
    readonly dispatch: ReadonlyArray<DispatchShipmentView>
    readonly carriers: Readonly<Record<string, ReadonlyArray<CarrierShipmentView>>>
    readonly inventoryCounts: ReadonlyArray<PostedCount>
  }
}

/** Nearest-rank percentile of `values` (0 < p <= 100); null when empty. */
export const percentile = (values: ReadonlyArray<number>, p: number): number | null => {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1] as number
}

const apiSummary = (stats: ApiStats): ApiSummary => ({
  calls: stats.calls,
  attempts: stats.attempts,
  retries: stats.retries,
  simulatedFailures: stats.simulatedFailures,
  networkErrors: stats.networkErrors,
  serverErrors: stats.serverErrors,
  accepted202: stats.accepted202,
  pending: stats.pending,
  preconditionWaits: stats.preconditionWaits,
  duplicatesSent: stats.duplicatesSent,
  duplicatesMatched: stats.duplicatesMatched,
  duplicateMismatches: stats.duplicateMismatches.length,
  rejections: stats.rejections.length
})

/** Everything the systems saw about one order, for classification. */
export interface OrderEvidence {
  readonly plan: OrderPlan
  readonly erp: ErpOrderView | undefined
  readonly wes: WesOrderView | undefined
  readonly dispatch: DispatchShipmentView | undefined
  readonly mismatchSeen: boolean
  readonly rejectedActions: ReadonlySet<string>
}

/** Which planned exceptions the systems actually saw happen. Pure. */
export const observedExceptions = (e: OrderEvidence): ReadonlyArray<ExceptionKind> => {
  const seen = new Set<ExceptionKind>()
  const picked = e.erp?.picked ?? []
  if (picked.some((l) => l.short) || e.wes?.picks.some((x) => x.ok && x.short && e.plan.shortPick?.lineNumber === x.lineNumber) === true) {
    if (e.plan.exceptions.includes("short_pick")) seen.add("short_pick")
  }
  if (picked.some((l) => l.substitute) || e.wes?.picks.some((x) => x.ok && x.substitute) === true) seen.add("substitution")
  if (e.erp?.cancelled !== undefined) {
    if (e.plan.exceptions.includes("cancel_after_pick")) seen.add("cancel_after_pick")
    else seen.add("cancel_before_pick")
  }
  if (e.erp?.changed === true) seen.add("change_after_release")
  if (e.dispatch?.tenders.some((t) => t.outcome === "rejected") === true) seen.add("tender_rejection")
  if ((e.erp?.deliveryFailures ?? 0) > 0) seen.add("failed_delivery")
  if (e.mismatchSeen) seen.add("inventory_mismatch")
  if (e.erp?.final === "returned") seen.add("return")
  return EXCEPTION_KINDS.filter((k) => seen.has(k))
}

const EXCEPTION_ACTION: Partial<Readonly<Record<ExceptionKind, string>>> = {
  cancel_before_pick: "cancel-order",
  cancel_after_pick: "cancel-order",
  change_after_release: "change-order",
  return: "authorize-return"
}

/** completed / explained / unexplained, with the reasons. Pure. */
export const classifyOrder = (e: OrderEvidence): OrderResult => {
  const observed = observedExceptions(e)
  const final = e.erp?.final
  const why: Array<string> = []
  const missing = e.plan.exceptions.filter((k) => !observed.includes(k))
  let outcome: OrderOutcome
  if (final === e.plan.expectedFinal && missing.length === 0) {
    outcome = "completed"
  } else if (final === undefined) {
    outcome = "unexplained"
    why.push(`not final (ERP status ${e.erp?.status ?? "never created"})`)
  } else {
    const unexplainedMissing = missing.filter((k) => {
      const action = EXCEPTION_ACTION[k]
      return action === undefined || !e.rejectedActions.has(action)
    })
    if (unexplainedMissing.length === 0) {
      outcome = "explained"
      for (const k of missing) why.push(`${k}: the region rejected ${EXCEPTION_ACTION[k] ?? "?"}`)
    } else {
      outcome = "unexplained"
      for (const k of unexplainedMissing) why.push(`${k} planned, not observed`)
      if (final !== e.plan.expectedFinal) why.push(`final ${final}, expected ${e.plan.expectedFinal}`)
    }
  }
  for (const note of e.erp?.notes ?? []) why.push(`erp: ${note}`)
  for (const note of e.wes?.notes ?? []) why.push(`wes: ${note}`)
  for (const note of e.dispatch?.notes ?? []) why.push(`dispatch: ${note}`)
  return {
    order: e.plan.order,
    outcome,
    expectedFinal: e.plan.expectedFinal,
    final,
    erpStatus: e.erp?.status ?? "never created",
    planned: e.plan.exceptions,
    observed,
    durationMs: e.erp?.finishedAtMs !== undefined ? e.erp.finishedAtMs - e.erp.createdAtMs : undefined,
    why
  }
}

interface Systems {
  readonly erp: ErpSimulator
  readonly wes: ReadonlyMap<string, WesSimulator>
  readonly dispatch: DispatchSimulator
  readonly carriers: ReadonlyMap<string, CarrierSimulator>
  readonly counter: InventoryCounter
}

const evidenceOf = (plan: OrderPlan, systems: Systems): OrderEvidence => {
  const erp = systems.erp.views.get(plan.order)
  const wes = systems.wes.get(plan.site)?.views.get(plan.order)
  const dispatch = systems.dispatch.views.get(plan.shipment)
  const mismatchSeen =
    plan.mismatchItem === undefined
      ? false
      : systems.counter.posted.some(
          (c) =>
            c.order === plan.order &&
            c.ok &&
            systems.erp.mismatches.some((m) => m.site === c.site && m.item === c.item && m.counted !== undefined && Number(m.counted.amount) === c.countedEa)
        )
  const rejectedActions = new Set<string>([
    ...(erp?.rejections ?? []).map((r) => r.action),
    ...(wes?.rejections ?? []).map((r) => r.action),
    ...(dispatch?.rejections ?? []).map((r) => r.action)
  ])
  return { plan, erp, wes, dispatch, mismatchSeen, rejectedActions }
}

export const runScenario = async (options: RunScenarioOptions): Promise<ScenarioSummary> => {
  const started = Date.now()
  const knobs = resolveKnobs(options)
  const log = options.log ?? (() => undefined)
  const knownSites = options.siteInfos ?? DEFAULT_SITES
  const sites = options.sites.map((s) => siteInfo(s, knownSites))
  for (const site of sites) {
    if (options.leafNatsUrls[site.site] === undefined) throw new Error(`no leaf NATS URL for site ${site.site}`)
  }
  const carriers = options.carriers ?? DEFAULT_CARRIERS
  const items = options.items ?? DEFAULT_ITEMS
  const plan: ScenarioPlan = planScenario({
    orders: knobs.orders,
    seed: knobs.seed,
    sites: sites.map((s) => s.site),
    rates: knobs.exceptions,
    caseUnitShare: knobs.caseUnitShare,
    nowMs: options.nowMs ?? Date.now(),
    items,
    carriers,
    ...definedFields({ runTag: options.runTag })
  })
  const plans = new Map(plan.orders.map((o) => [o.order, o]))
  const errors: Array<string> = []
  const onError = (system: string, error: unknown): void => {
    const line = `${system}: ${errorText(error)}`
    if (errors.length < 200) errors.push(line)
    log(line)
  }
  const common: SimulatorCommon = {
    apiUrl: options.apiUrl,
    apiKeys: options.apiKeys,
    natsUrl: options.hubNatsUrl,
    region: options.region,
    ...definedFields({ domain: options.domain }),
    seed: knobs.seed,
    latencyMs: knobs.latencyMs,
    duplicateRate: knobs.duplicateRate,
    failureRate: knobs.failureRate,
    consumerPrefix: options.consumerPrefix ?? `sim_${plan.runTag}`,
    plans: (order) => plans.get(order),
    onError
  }

  const authOf = (user: string) => ({ natsAuth: options.natsAuth?.(user) })
  const erp = new ErpSimulator({ ...common, ...authOf("erp") })
  const wesSims = new Map<string, WesSimulator>()
  const ownerOf = (site: string): { readonly client: ApiClient; readonly system: string } => {
    const info = siteInfo(site, knownSites)
    const wes = wesSims.get(site)
    return info.inventoryOwner === "WES" && wes !== undefined ? { client: wes.client, system: "wes" } : { client: erp.client, system: "erp" }
  }
  const counter = new InventoryCounter(ownerOf)
  for (const site of sites) {
    wesSims.set(
      site.site,
      new WesSimulator({
        ...common,
        natsUrl: options.leafNatsUrls[site.site] as string,
        ...authOf(`wes-${site.site}`),
        site,
        items,
        counter,
        ssccSeed: plan.runTag === String(knobs.seed) ? knobs.seed : hash32(plan.runTag),
        ...definedFields({ holdMs: options.holdMs })
      })
    )
  }
  const carrierSims = new Map(
    carriers.map((c) => [c.scac, new CarrierSimulator({ ...common, ...authOf("carrier"), scac: c.scac, ...definedFields({ legMs: options.legMs }) })])
  )
  const dispatch = new DispatchSimulator({
    ...common,
    ...authOf("dispatch"),
    carriers,
    sites: knownSites,
    onDeparted: ({ shipment, order, carrier }) => {
      const sim = carrierSims.get(carrier)
      if (sim === undefined) onError("DISPATCH", new Error(`${shipment} departed with unknown carrier ${carrier}`))
      else sim.deliver(shipment, order)
    }
  })
  const systems: Systems = { erp, wes: wesSims, dispatch, carriers: carrierSims, counter }
  const all: ReadonlyArray<SimulatedSystemHandle> = [
    handleOf("ERP", erp),
    ...[...wesSims.entries()].map(([site, sim]) => handleOf(`WES ${site}`, sim)),
    handleOf("DISPATCH", dispatch),
    ...[...carrierSims.entries()].map(([scac, sim]) => handleOf(`CARRIER ${scac}`, sim))
  ]

  const progressOf = (): ScenarioProgress => {
    const p: ErpProgress = erp.progress
    const elapsedMs = Date.now() - started
    let exceptions = 0
    let rejections = 0
    for (const o of plan.orders) {
      const e = evidenceOf(o, systems)
      if (observedExceptions(e).length > 0) exceptions++
      rejections += (e.erp?.rejections.length ?? 0) + (e.wes?.rejections.length ?? 0) + (e.dispatch?.rejections.length ?? 0)
    }
    return {
      elapsedMs,
      orders: plan.orders.length,
      created: p.created,
      released: p.released,
      picked: p.picked,
      packed: p.packed,
      shipped: p.shipped,
      delivered: p.delivered,
      cancelled: p.cancelled,
      returned: p.returned,
      finished: p.finished,
      exceptions,
      rejections,
      rate: elapsedMs > 0 ? Math.round((p.finished / elapsedMs) * 10_000) / 10 : 0
    }
  }
  const ticker = options.onProgress === undefined ? undefined : setInterval(() => options.onProgress?.(progressOf()), options.progressIntervalMs ?? 2_000)

  const submits = new JobTracker((error) => onError("ERP", error))
  const timeoutMs = options.timeoutMs ?? 120_000 + 300 * plan.orders.length
  const deadline = started + timeoutMs
  let startedSystems: typeof all = []
  try {
    // 1. every system up (consumers created before the first order, so deliver policy `new` misses nothing)
    const results = await Promise.allSettled(
      all.map(async (s) => {
        await s.start()
        return s
      })
    )
    startedSystems = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []))
    const failed = results.flatMap((r, i) => (r.status === "rejected" ? [`${all[i]?.name}: ${errorText(r.reason)}`] : []))
    if (failed.length > 0) throw new Error(`simulators failed to start: ${failed.join("; ")}`)
    log(`simulators started: ${all.map((s) => s.name).join(", ")}`)
    options.onSystemsStarted?.(all)

    // 2. baseline stock, by each site's inventory owner
    if (options.baselineCounts !== false) {
      const gate = new Semaphore(4)
      await Promise.all(sites.flatMap((site) => items.map((item) => gate.with(() => counter.baseline(site.site, item.item, knobs.seed)))))
      const bad = counter.posted.filter((c) => !c.ok)
      if (bad.length > 0) log(`baseline counts refused: ${bad.map((c) => `${c.site}/${c.item} ${c.status}`).join(", ")}`)
    }

    // 3. orders, paced
    const rate = Math.max(0.1, options.ratePerSecond ?? 20)
    const inFlight = new Semaphore(32)
    const driveStart = Date.now()
    for (const [i, order] of plan.orders.entries()) {
      if (Date.now() > deadline) break
      const due = driveStart + (i * 1_000) / rate
      if (due > Date.now()) await sleep(due - Date.now())
      await inFlight.acquire()
      submits.run(() => erp.submit(order).finally(() => inFlight.release()))
    }
    await submits.drain(Math.max(0, deadline - Date.now()))

    // 4. wait (bounded) for every order to be done; a short grace for late signals once all are final
    let allFinalSince: number | undefined
    while (Date.now() < deadline) {
      const results = plan.orders.map((o) => classifyOrder(evidenceOf(o, systems)))
      if (results.every((r) => r.outcome === "completed")) break
      const allFinal = results.every((r) => r.final !== undefined || r.erpStatus === "failed")
      if (allFinal) {
        allFinalSince ??= Date.now()
        if (Date.now() - allFinalSince > 5_000) break
      } else {
        allFinalSince = undefined
      }
      await sleep(250)
    }
  } finally {
    if (ticker !== undefined) clearInterval(ticker)
    await Promise.allSettled(startedSystems.map((s) => s.stop(10_000)))
  }
  options.onProgress?.(progressOf())

  // 5. the region's parked messages
  let parked = -1
  let parkedSample: ReadonlyArray<unknown> = []
  try {
    // An operator route: read with the operator's key, as an operator would.
    const response = await fetch(`${options.apiUrl.replace(/\/+$/, "")}/v1/parked?status=parked&limit=500`, {
      headers: { authorization: `Bearer ${options.apiKeys.admin}` },
      signal: AbortSignal.timeout(15_000)
    })
    const answer = { status: response.status, body: (await response.json()) as unknown }
    if (answer.status === 200 && isRecord(answer.body) && Array.isArray(answer.body["parked"])) {
      parked = answer.body["parked"].length
      parkedSample = answer.body["parked"].slice(0, 10)
    } else {
      log(`GET /v1/parked answered ${answer.status}`)
    }
  } catch (error) {
    log(`GET /v1/parked failed: ${errorText(error)}`)
  }

  const results = plan.orders.map((o) => classifyOrder(evidenceOf(o, systems)))
  const durations = results.flatMap((r) => (r.final !== undefined && r.durationMs !== undefined ? [r.durationMs] : []))
  const perException = Object.fromEntries(
    EXCEPTION_KINDS.map((k) => [k, { planned: plan.exceptionCounts[k], observed: results.filter((r) => r.observed.includes(k)).length }])
  ) as unknown as ScenarioSummary["per_exception"]
  const finalStates: Record<string, number> = {}
  for (const r of results) {
    const key = r.final ?? `not final: ${r.erpStatus}`
    finalStates[key] = (finalStates[key] ?? 0) + 1
  }
  const clients: Array<readonly [string, ApiClient]> = [
    ["ERP", erp.client],
    ...[...wesSims.entries()].map(([site, sim]) => [`WES ${site}`, sim.client] as const),
    ["DISPATCH", dispatch.client],
    ...[...carrierSims.entries()].map(([scac, sim]) => [`CARRIER ${scac}`, sim.client] as const)
  ]
  return {
    orders: plan.orders.length,
    completed: results.filter((r) => r.outcome === "completed").length,
    exceptions: results.filter((r) => r.observed.length > 0).length,
    unexplained_parked: parked,
    p50_order_ms: percentile(durations, 50),
    p99_order_ms: percentile(durations, 99),
    explained: results.filter((r) => r.outcome === "explained").length,
    unexplained: results.filter((r) => r.outcome === "unexplained").length,
    per_exception: perException,
    final_states: finalStates,
    elapsed_ms: Date.now() - started,
    seed: knobs.seed,
    api: Object.fromEntries(clients.map(([name, client]) => [name, apiSummary(client.stats)])),
    consumers: {
      ERP: erp.consumerStats,
      ...Object.fromEntries([...wesSims.entries()].map(([site, sim]) => [`WES ${site}`, sim.consumerStats])),
      DISPATCH: dispatch.consumerStats,
      ...Object.fromEntries([...carrierSims.entries()].map(([scac, sim]) => [`CARRIER ${scac}`, sim.consumerStats]))
    },
    site_channels: Object.fromEntries([...wesSims.entries()].map(([site, sim]) => [site, { ...sim.channel.stats }])),
    sent: clients.flatMap(([, client]) => client.sent.commands()),
    duplicate_mismatches: clients.flatMap(([, client]) => client.stats.duplicateMismatches),
    rejections: clients.flatMap(([, client]) => client.stats.rejections),
    parked_sample: parkedSample,
    problems: results.filter((r) => r.outcome !== "completed"),
    simulator_errors: errors,
    views: {
      erp: [...erp.views.values()],
      erpMismatches: erp.mismatches,
      wes: Object.fromEntries([...wesSims.entries()].map(([site, sim]) => [site, [...sim.views.values()]])),
      dispatch: [...dispatch.views.values()],
      carriers: Object.fromEntries([...carrierSims.entries()].map(([scac, sim]) => [scac, [...sim.views.values()]])),
      inventoryCounts: counter.posted
    }
  }
}

/** Every order completed or explained, nothing parked: the demo's success condition. */
export const scenarioSucceeded = (summary: ScenarioSummary): boolean =>
  summary.completed + summary.explained === summary.orders && summary.unexplained_parked === 0
