/**
 * The drill verdict: a clean run passes; each way a run can be wrong fails
 * it with its reason, a fault that was not seen among them; the no-fault
 * reference run is exempt from the fault check.
 */
import { describe, expect, it } from "vitest"
import { drillFailures, drillPassed, type DrillResult } from "../src/runDrill.ts"

const clean: DrillResult = {
  drill: "region-kill",
  fault: "region-eu-west SIGKILLed",
  fault_observed: true,
  fault_evidence: {},
  fault_at_s: 1.5,
  in_flight_at_fault: 12,
  sent: 900,
  applied: 900,
  rejected: 40,
  parked: 0,
  parked_reasons: {},
  parked_where: {},
  parking_expected: false,
  refused: 0,
  lost: 0,
  accepted: 1_400,
  flow_commands: 500,
  flow_lost: 0,
  unattributed: 0,
  duplicate_effects: 0,
  order_violations: 0,
  delivery_exhausted: 0,
  orders: 60,
  completed: 60,
  explained: 0,
  unexplained: 0,
  drain_s: 12.3,
  max_rss_mb: 300,
  other_site: "dc-antwerp",
  other_site_p99_ms_during_fault: null,
  other_site_p99_ms_outside_fault: null
}

describe("drillFailures", () => {
  it("passes a clean run", () => {
    expect(drillFailures(clean)).toEqual([])
    expect(drillPassed(clean)).toBe(true)
  })

  it.each<[string, Partial<DrillResult>, string]>([
    ["a fault nobody saw", { fault_observed: false }, "fault not observed"],
    ["a fault nobody watched", { fault_observed: null }, "fault not observed"],
    ["nothing in flight when the fault hit", { in_flight_at_fault: 0 }, "nothing in flight at the fault"],
    ["a lost command", { applied: 899, lost: 1 }, "lost 1"],
    ["a refused command", { applied: 899, refused: 1 }, "refused 1"],
    ["a parked command", { applied: 899, parked: 1 }, "parked 1"],
    ["a lost flow command", { flow_lost: 2 }, "flow commands lost 2"],
    ["a command no sender recorded", { unattributed: 1 }, "unattributed commands 1"],
    ["a doubled effect", { duplicate_effects: 1 }, "duplicate effects 1"],
    ["an order out of order", { order_violations: 1 }, "order violations 1"],
    ["an order not final", { completed: 59 }, "final 59 of 60 (completed 59, explained 0)"],
    ["an unexplained order", { completed: 59, unexplained: 1 }, "unexplained 1"],
    ["never healed", { drain_s: -1 }, "never healed, or no effect"],
    ["nothing sent", { sent: 0, applied: 0 }, "nothing sent"]
  ])("fails %s", (_what, patch, failure) => {
    const result = { ...clean, ...patch }
    expect(drillFailures(result)).toContain(failure)
    expect(drillPassed(result)).toBe(false)
  })

  it("passes an order that reached a valid final state with its deviation explained", () => {
    expect(drillFailures({ ...clean, completed: 59, explained: 1 })).toEqual([])
  })

  it("lets parked commands pass where parking is the expected outcome", () => {
    expect(drillFailures({ ...clean, applied: 899, parked: 1, parking_expected: true })).toEqual([])
  })

  it("exempts the no-fault reference run from the fault checks, and only it", () => {
    const baseline = { ...clean, drill: "baseline", fault: "none", fault_observed: null, in_flight_at_fault: 0 }
    expect(drillFailures(baseline)).toEqual([])
    expect(drillFailures({ ...baseline, fault: "region-eu-west SIGKILLed", fault_observed: false })).toEqual([
      "fault not observed",
      "nothing in flight at the fault"
    ])
  })
})
