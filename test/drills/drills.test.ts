/**
 * Failover drills in CI: a bounded, fixed-seed subset of `npm run drill`.
 * Each brings up a fresh local topology, drives 30 simulated orders through
 * it, breaks one thing mid-burst and heals it, then counts the region's
 * records by message id: everything accepted was applied once, nothing lost,
 * doubled, parked or out of order, and every order reached its planned end.
 */
import { join } from "node:path"
import { drillNamed, runDrill } from "@logimesh/drills"
import { makeTestRunDir } from "@logimesh/testkit"
import { afterAll, describe, expect, it } from "vitest"

const runDir = makeTestRunDir("drills")
afterAll(() => runDir.remove())

const CI_DRILLS = ["leaf-link-cut", "region-kill"] as const

describe("failover drills (CI subset, seed 7, 30 orders)", () => {
  for (const name of CI_DRILLS) {
    it(name, async () => {
      const drill = drillNamed(name)
      if (drill === undefined) throw new Error(`no drill ${name}`)
      const { result, counts } = await runDrill({ drill, stateDir: join(runDir.path, name), orders: 30, seed: 7, timeoutMs: 90_000 })
      console.log(JSON.stringify(result))
      expect(result.accepted).toBeGreaterThan(30 * 10)
      expect(result.applied).toBe(result.accepted)
      expect(result.lost).toBe(0)
      expect(result.duplicate_effects).toBe(0)
      expect(result.parked).toBe(0)
      expect(result.order_violations).toBe(0)
      expect(counts.systemConsumersBehind).toEqual([])
      expect(result.completed).toBe(result.orders)
      expect(result.drain_s).toBeGreaterThanOrEqual(0)
      expect(result.max_rss_mb).toBeGreaterThan(0)
    }, 180_000)
  }
})
