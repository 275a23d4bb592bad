/**
 * Runs one failover drill end to end and measures it:
 *   1. a fresh local topology (hub, a WAN link + leaf per site, the region's own Postgres, the region);
 *   2. a bounded, fixed-seed load: the simulated ERP, WES per site, dispatch and carriers drive
 *      `orders` orders (with exceptions) through it;
 *   3. the fault is injected `faultAtMs` after the load starts (or, if later, once the senders it concerns have a
 *      command in flight) and healed `faultForMs` later, watched by the
 *      drill's observer (before, during, and after the heal until it has cleared, bounded);
 *   4. once every order is final (bounded), every command the simulators sent is matched to the region's
 *      records (`countEffects`) and the topology is torn down.
 * The result is the drill's JSON line; `drillFailures` says what fails it (empty: passed).
 */
import { ADMIN_USER, clientUrl, readTopologyState, regionApiKeys, regionUrl, type Topology, upTopology } from "@logimesh/topology"
import { natsAuthOptions } from "@logimesh/bus"
import { runScenario, type ScenarioSummary, type SimulatedSystemHandle } from "@logimesh/simulators"
import { countEffects, type EffectCounts } from "./countEffects.ts"
import type { Drill, DrillContext } from "./drillCatalog.ts"
import type { FaultEvidence, FaultObserver } from "./FaultObserver.ts"
import { inFlightAt, type SentFigures } from "./matchSentCommands.ts"
import { sampleRegionRss } from "./RegionRssSampler.ts"
import { definedFields } from "@logimesh/model"

export interface DrillOptions {
  readonly drill: Drill
  readonly stateDir: string
  readonly sitesDir?: string
  readonly orders?: number
  readonly seed?: number
  readonly ratePerSecond?: number
  readonly faultAtMs?: number
  readonly faultForMs?: number
  /** Bound on the wait for every order to be final (default 120 s + the fault's start and length). */
  readonly timeoutMs?: number
  /** From `faultAtMs` on, the fault waits up to this long for a command in flight from the senders it concerns (default 30 s). */
  readonly inFlightWaitMs?: number
  /** Bound on the wait, after the heal, for the observer to see the fault clear (default 60 s). */
  readonly recoveryTimeoutMs?: number
  readonly log?: (line: string) => void
}

export interface DrillResult extends SentFigures {
  readonly drill: string
  /** What broke ("none" for the reference run). */
  readonly fault: string
  /** Whether the fault was seen happening (null for the reference run, which has none; false for a fault without an observer). */
  readonly fault_observed: boolean | null
  readonly fault_evidence: Readonly<Record<string, unknown>>
  /** When the fault was injected, seconds after the simulators started (`faultAtMs`, or later while nothing was in flight). */
  readonly fault_at_s: number | null
  /** Commands sent before the injection whose round trip was not complete by then (or the backlog the fault's observer saw). */
  readonly in_flight_at_fault: number
  /** Parking is the drill's expected outcome: parked commands do not fail it. */
  readonly parking_expected: boolean
  /** The region's own view: distinct ids on COMMANDS_<region>; of them, the region's flow commands. */
  readonly accepted: number
  readonly flow_commands: number
  readonly flow_lost: number
  readonly unattributed: number
  readonly duplicate_effects: number
  readonly order_violations: number
  /** Messages the hub's server gave up delivering during the drill, each handed back by the exhausted lane. */
  readonly delivery_exhausted: number
  readonly orders: number
  readonly completed: number
  readonly explained: number
  readonly unexplained: number
  /** Heal -> the last effect (module step or SYSTEMS message), in seconds; -1 when it never healed or nothing happened. */
  readonly drain_s: number
  readonly max_rss_mb: number
  /** Orders of the site the fault does not touch: p99 end to end (ms) of those created during the fault, and of the others. */
  readonly other_site: string
  readonly other_site_p99_ms_during_fault: number | null
  readonly other_site_p99_ms_outside_fault: number | null
}

export interface DrillRun {
  readonly result: DrillResult
  readonly summary: ScenarioSummary
  readonly counts: EffectCounts
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const p99 = (values: ReadonlyArray<number>): number | null => {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? null
}

/** The site no drill breaks (the faults target dc-rotterdam or the whole region). */
const OTHER_SITE = "dc-antwerp"

export const runDrill = async (options: DrillOptions): Promise<DrillRun> => {
  const log = options.log ?? (() => undefined)
  const orders = options.orders ?? 60
  const faultAtMs = options.faultAtMs ?? 1_500
  const faultForMs = options.faultForMs ?? 3_000
  log(`drill ${options.drill.name}: ${options.drill.description}; ${orders} orders, fault at ${faultAtMs} ms for ${faultForMs} ms`)
  const topology: Topology = await upTopology({
    stateDir: options.stateDir,
    fresh: true,
    ...definedFields({ sitesDir: options.sitesDir }),
    onProgress: log
  })
  const rss = sampleRegionRss(options.stateDir)
  try {
    const components = topology.state.components
    const region = components.find((c) => c.kind === "region")
    const hub = components.find((c) => c.kind === "nats-hub")
    if (region?.kind !== "region" || hub?.kind !== "nats-hub") throw new Error("the topology has no region or hub")
    const leafNatsUrls = Object.fromEntries(components.flatMap((c) => (c.kind === "nats-leaf" ? [[c.nats.domain, clientUrl(c.nats)]] : [])))
    let systems: ReadonlyArray<SimulatedSystemHandle> = []
    let started: () => void = () => undefined
    const systemsUp = new Promise<void>((resolve) => (started = resolve))
    let healedAt: number | undefined
    let injectedAt: number | undefined
    let faultAtS: number | undefined
    let observer: FaultObserver | undefined
    let faultError: unknown
    const fault = (async () => {
      await systemsUp
      const loadStartedAt = Date.now()
      await sleep(faultAtMs)
      // Mid-burst: the fault waits (bounded) until the senders it concerns have commands out.
      const inScope = options.drill.inFlightFrom ?? (() => true)
      const awaiting = () => systems.reduce((n, s) => n + (inScope(s.name) ? (s.awaitingAnswer?.() ?? 0) : 0), 0)
      const busyBy = Date.now() + (options.inFlightWaitMs ?? 30_000)
      const context: DrillContext = { topology, systems: () => systems, log }
      observer = options.drill.observe?.(context)
      await observer?.before()
      // Checked right before the injection (the observer's own probes take time): the moment it finds a command
      // out is the moment the fault is injected and in-flight is measured at.
      while (awaiting() === 0 && Date.now() < busyBy) await sleep(5)
      if (awaiting() === 0) log(`no command in flight within ${options.inFlightWaitMs ?? 30_000} ms: injecting anyway`)
      injectedAt = Date.now()
      log(`fault: ${options.drill.description}`)
      faultAtS = (injectedAt - loadStartedAt) / 1000
      await options.drill.inject(context)
      const healAt = injectedAt + faultForMs
      await Promise.all([observer?.during(healAt), sleep(Math.max(0, healAt - Date.now()))])
      log("healing")
      await options.drill.heal(context)
      healedAt = Date.now()
      log("healed")
      await observer?.after(healedAt + (options.recoveryTimeoutMs ?? 60_000))
    })().catch((error: unknown) => {
      faultError = error
    })
    const summary = await runScenario({
      apiUrl: regionUrl(region),
      apiKeys: regionApiKeys(topology.stateDir, region.region),
      hubNatsUrl: clientUrl(hub.nats),
      leafNatsUrls,
      // Every simulated system with its own NATS user (the mesh is authenticated).
      natsAuth: (user) => natsAuthOptions(topology.natsCredentials(user)),
      region: region.region,
      sites: Object.keys(leafNatsUrls),
      orders,
      seed: options.seed ?? 1,
      ratePerSecond: options.ratePerSecond ?? 20,
      holdMs: 10_000,
      // The wait for final states covers the fault itself: a long outage must not end the drill before it heals.
      timeoutMs: options.timeoutMs ?? 120_000 + faultAtMs + faultForMs,
      onSystemsStarted: (running) => {
        systems = running
        started()
      },
      onProgress: (p) => log(`[${(p.elapsedMs / 1000).toFixed(1)}s] finished ${p.finished}/${p.orders}, shipped ${p.shipped}, delivered ${p.delivered}`)
    })
    await fault
    if (faultError !== undefined) throw faultError
    const state = readTopologyState(options.stateDir)
    const current = state?.components.find((c) => c.kind === "region")
    const counts = await countEffects({
      natsUrl: clientUrl(hub.nats),
      natsAuth: natsAuthOptions(topology.natsCredentials(ADMIN_USER)),
      databaseUrl: current?.kind === "region" ? current.databaseUrl : region.databaseUrl,
      region: region.region,
      sent: summary.sent,
      siteDomains: Object.keys(leafNatsUrls)
    })
    const seen: FaultEvidence = observer?.result() ?? { observed: false, evidence: {} }
    const during = (createdAtMs: number) => injectedAt !== undefined && healedAt !== undefined && createdAtMs >= injectedAt && createdAtMs <= healedAt
    const otherSite = summary.views.erp.filter((v) => v.site === OTHER_SITE && v.finishedAtMs !== undefined)
    const durationOf = (v: (typeof otherSite)[number]) => (v.finishedAtMs ?? v.createdAtMs) - v.createdAtMs
    const result: DrillResult = {
      drill: options.drill.name,
      fault: options.drill.fault,
      fault_observed: options.drill.fault === "none" ? null : seen.observed,
      fault_evidence: seen.evidence,
      fault_at_s: faultAtS === undefined ? null : Math.round(faultAtS * 10) / 10,
      in_flight_at_fault: injectedAt === undefined ? 0 : (seen.inFlight ?? inFlightAt(counts.sent, injectedAt, options.drill.inFlightFrom)),
      // The senders' commands: sent = applied + parked + refused + lost (see countEffects.ts).
      ...counts.sent.figures,
      parking_expected: options.drill.parkingExpected === true,
      accepted: counts.accepted,
      flow_commands: counts.flow_commands,
      flow_lost: counts.flow_lost,
      unattributed: counts.unattributed,
      duplicate_effects: counts.duplicate_effects,
      order_violations: counts.order_violations,
      delivery_exhausted: counts.delivery_exhausted,
      orders: summary.orders,
      completed: summary.completed,
      explained: summary.explained,
      unexplained: summary.unexplained,
      drain_s: healedAt === undefined || counts.lastEffectAtMs === undefined ? -1 : Math.round(Math.max(0, counts.lastEffectAtMs - healedAt) / 100) / 10,
      max_rss_mb: rss.maxMb(),
      other_site: OTHER_SITE,
      other_site_p99_ms_during_fault: p99(otherSite.filter((v) => during(v.createdAtMs)).map(durationOf)),
      other_site_p99_ms_outside_fault: p99(otherSite.filter((v) => !during(v.createdAtMs)).map(durationOf))
    }
    return { result, summary, counts }
  } finally {
    rss.stop()
    await topology.down().catch((error: unknown) => log(`down failed: ${String(error)}`))
  }
}

/**
 * What fails a drill (empty: it passed): the fault not observed (the reference run is exempt), nothing in flight
 * at the fault, any sent command lost, refused or (unless expected) parked, a flow command lost, an accepted
 * command no sender recorded, a doubled effect, an order out of order, an order not final or unexplained, no
 * heal or no effect. Every order must be final: completed as planned, or explained — a valid final state with
 * the deviation's reason recorded, e.g. an ERP change the region refused (409) because the fault delayed it
 * until picking had begun; that is the order-to-delivery rules working, as in the demo's success condition.
 */
export const drillFailures = (r: DrillResult): ReadonlyArray<string> => {
  const failures: Array<string> = []
  const fail = (when: boolean, what: string) => {
    if (when) failures.push(what)
  }
  fail(r.fault !== "none" && r.fault_observed !== true, "fault not observed")
  fail(r.fault !== "none" && r.in_flight_at_fault === 0, "nothing in flight at the fault")
  fail(r.sent === 0, "nothing sent")
  fail(r.lost > 0, `lost ${r.lost}`)
  fail(r.refused > 0, `refused ${r.refused}`)
  fail(r.parked > 0 && !r.parking_expected, `parked ${r.parked}`)
  fail(r.flow_lost > 0, `flow commands lost ${r.flow_lost}`)
  fail(r.unattributed > 0, `unattributed commands ${r.unattributed}`)
  fail(r.duplicate_effects > 0, `duplicate effects ${r.duplicate_effects}`)
  fail(r.order_violations > 0, `order violations ${r.order_violations}`)
  fail(r.completed + r.explained !== r.orders, `final ${r.completed + r.explained} of ${r.orders} (completed ${r.completed}, explained ${r.explained})`)
  fail(r.unexplained > 0, `unexplained ${r.unexplained}`)
  fail(r.drain_s < 0, "never healed, or no effect")
  return failures
}

export const drillPassed = (result: DrillResult): boolean => drillFailures(result).length === 0
