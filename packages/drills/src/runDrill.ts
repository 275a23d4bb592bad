/**
 * Runs one failover drill end to end and measures it:
 *   1. a fresh local topology (hub, a WAN link + leaf per site, the region's own Postgres, the region);
 *   2. a bounded, fixed-seed load: the simulated ERP, WES per site, dispatch and carriers drive
 *      `orders` orders (with exceptions) through it;
 *   3. the fault is injected `faultAtMs` after the load starts and healed `faultForMs` later;
 *   4. once every order is final (bounded), the region's records are counted by message id
 *      (`countEffects`) and the topology is torn down.
 * The result is the drill's JSON line: accepted == applied, lost == 0 and duplicate_effects == 0 is a pass.
 */
import { clientUrl, readTopologyState, regionUrl, type Topology, upTopology } from "@logimesh/topology"
import { runScenario, type ScenarioSummary, type SimulatedSystemHandle } from "@logimesh/simulators"
import { countEffects, type EffectCounts } from "./countEffects.ts"
import type { Drill } from "./drillCatalog.ts"
import { sampleRegionRss } from "./RegionRssSampler.ts"

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
  readonly log?: (line: string) => void
}

export interface DrillResult {
  readonly drill: string
  readonly accepted: number
  readonly applied: number
  readonly lost: number
  readonly duplicate_effects: number
  readonly drain_s: number
  readonly max_rss_mb: number
  readonly orders: number
  readonly completed: number
  readonly unexplained: number
  readonly parked: number
  readonly order_violations: number
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
    ...(options.sitesDir === undefined ? {} : { sitesDir: options.sitesDir }),
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
    let faultError: unknown
    const fault = (async () => {
      await systemsUp
      await sleep(faultAtMs)
      log(`fault: ${options.drill.description}`)
      injectedAt = Date.now()
      await options.drill.inject({ topology, systems: () => systems, log })
      await sleep(faultForMs)
      log("healing")
      await options.drill.heal({ topology, systems: () => systems, log })
      healedAt = Date.now()
      log("healed")
    })().catch((error: unknown) => {
      faultError = error
    })
    const summary = await runScenario({
      apiUrl: regionUrl(region),
      hubNatsUrl: clientUrl(hub.nats),
      leafNatsUrls,
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
    const finishedAt = Date.now()
    await fault
    if (faultError !== undefined) throw faultError
    const state = readTopologyState(options.stateDir)
    const current = state?.components.find((c) => c.kind === "region")
    const counts = await countEffects({
      natsUrl: clientUrl(hub.nats),
      databaseUrl: current?.kind === "region" ? current.databaseUrl : region.databaseUrl,
      region: region.region
    })
    const during = (createdAtMs: number) => injectedAt !== undefined && healedAt !== undefined && createdAtMs >= injectedAt && createdAtMs <= healedAt
    const otherSite = summary.views.erp.filter((v) => v.site === OTHER_SITE && v.finishedAtMs !== undefined)
    const durationOf = (v: (typeof otherSite)[number]) => (v.finishedAtMs ?? v.createdAtMs) - v.createdAtMs
    const result: DrillResult = {
      drill: options.drill.name,
      accepted: counts.accepted,
      applied: counts.applied,
      lost: counts.lost,
      duplicate_effects: counts.duplicate_effects,
      drain_s: healedAt === undefined ? -1 : Math.round(Math.max(0, finishedAt - healedAt) / 100) / 10,
      max_rss_mb: rss.maxMb(),
      orders: summary.orders,
      completed: summary.completed,
      unexplained: summary.unexplained,
      parked: counts.parked,
      order_violations: counts.order_violations,
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

/** The acceptance of every drill: everything accepted was applied once, nothing lost, doubled or out of order. */
export const drillPassed = (result: DrillResult): boolean =>
  result.accepted === result.applied && result.lost === 0 && result.duplicate_effects === 0 && result.order_violations === 0 &&
  result.completed === result.orders && result.parked === 0
