/**
 * Failover drills in CI: a bounded, fixed-seed subset of `npm run drill`.
 * Each brings up a fresh local topology, drives 30 simulated orders through
 * it, breaks one thing mid-burst, sees the fault happen (from evidence the
 * fault's tooling does not report) and heals it, then matches every command
 * the simulators sent to the region's records: each applied once (none lost,
 * refused or parked), nothing doubled or out of order, every order at its
 * planned end, and the region drained within a bound after the heal.
 */
import { join } from "node:path"
import { drillFailures, drillNamed, failureReport, runDrill } from "@logimesh/drills"
import { makeTestRunDir } from "@logimesh/testkit"
import { loadTopology, readTopologyState } from "@logimesh/topology"
import { afterAll, describe, expect, it } from "vitest"

const CI_DRILLS = ["leaf-link-cut", "region-kill"] as const
const runDir = makeTestRunDir("drills")
let passed = 0
afterAll(async () => {
  // Whatever a drill that did not finish left running is stopped (a timed-out test's drill runs on in the background).
  for (const name of CI_DRILLS) {
    const stateDir = join(runDir.path, name)
    if (readTopologyState(stateDir) !== undefined)
      await loadTopology({ stateDir })
        .down()
        .catch(() => undefined)
  }
  // A failed (or timed-out) drill keeps its topology's state and logs for inspection (under .test-runs/, git-ignored).
  if (passed < CI_DRILLS.length) console.log(`drill state kept in ${runDir.path}`)
  else runDir.remove()
})

const ORDERS = 30
/** Heal -> last effect: the load's own tail (held waves, carrier legs) plus the catch-up; far below the 90 s wait. */
const MAX_DRAIN_S = 60

describe(`failover drills (CI subset, seed 7, ${ORDERS} orders)`, () => {
  for (const name of CI_DRILLS) {
    it(name, async () => {
      const drill = drillNamed(name)
      if (drill === undefined) throw new Error(`no drill ${name}`)
      const run = await runDrill({ drill, stateDir: join(runDir.path, name), orders: ORDERS, seed: 7, timeoutMs: 90_000 })
      const { result, counts } = run
      console.log(JSON.stringify(result))
      if (drillFailures(result).length > 0) for (const line of failureReport(run)) console.log(`  ${line}`)
      expect(drillFailures(result)).toEqual([])
      expect(result.fault_observed).toBe(true)
      expect(result.in_flight_at_fault).toBeGreaterThan(0)
      expect(result.sent).toBeGreaterThan(ORDERS * 10)
      expect(result.applied + result.parked).toBe(result.sent)
      expect(result.lost).toBe(0)
      expect(result.refused).toBe(0)
      expect(result.parked).toBe(0)
      expect(result.flow_commands).toBeGreaterThan(0)
      expect(result.flow_lost).toBe(0)
      expect(result.duplicate_effects).toBe(0)
      expect(result.order_violations).toBe(0)
      expect(counts.systemConsumersBehind).toEqual([])
      expect(result.completed + result.explained).toBe(result.orders)
      expect(result.unexplained).toBe(0)
      expect(result.drain_s).toBeGreaterThan(0)
      expect(result.drain_s).toBeLessThan(MAX_DRAIN_S)
      expect(result.max_rss_mb).toBeGreaterThan(0)
      passed++
    }, 240_000)
  }
})
