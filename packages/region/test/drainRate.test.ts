/**
 * The catch-up arithmetic (no network): the sliding window stays bounded and
 * restarts when a consumer is re-created, the rate needs a span, the ETA is 0
 * for an empty backlog and null when nothing drains; and the Prometheus text
 * of a report.
 */
import { describe, expect, it } from "vitest"
import type { BacklogReport } from "../src/degraded/Backlog.ts"
import { backlogJson, backlogMetrics } from "../src/degraded/BacklogRoutes.ts"
import { addSample, combinedEta, drainRate, type DrainWindow, emptyWindow, etaSeconds } from "../src/degraded/drainRate.ts"

const fill = (samples: ReadonlyArray<readonly [number, number]>, windowMs = 30_000): DrainWindow =>
  samples.reduce((w, [at, settled]) => addSample(w, { at, settled }, windowMs), emptyWindow)

describe("drain rate", () => {
  it("is the settled advance per second across the window, 0 until it spans a second", () => {
    expect(drainRate(emptyWindow)).toBe(0)
    expect(drainRate(fill([[0, 10]]))).toBe(0)
    expect(
      drainRate(
        fill([
          [0, 10],
          [500, 60]
        ])
      )
    ).toBe(0)
    expect(
      drainRate(
        fill([
          [0, 10],
          [2_000, 30],
          [4_000, 110]
        ])
      )
    ).toBe(25)
  })

  it("keeps only the samples of the last window", () => {
    const samples = Array.from({ length: 100 }, (_, i) => [i * 2_000, i * 10] as const)
    const window = fill(samples)
    expect(window.samples.length).toBe(16)
    expect(window.samples[0]?.at).toBe(198_000 - 30_000)
    // A burst long ago does not count: only the last 30 s.
    expect(
      drainRate(
        fill([
          [0, 0],
          [2_000, 10_000],
          [40_000, 10_000],
          [42_000, 10_000]
        ])
      )
    ).toBe(0)
  })

  it("starts again when the consumer was re-created (its count went back)", () => {
    const window = fill([
      [0, 500],
      [2_000, 600],
      [4_000, 3]
    ])
    expect(window.samples).toEqual([{ at: 4_000, settled: 3 }])
  })
})

describe("ETA", () => {
  it("is 0 for an empty backlog, backlog / rate while draining, null when nothing drains", () => {
    expect(etaSeconds(0, 0)).toBe(0)
    expect(etaSeconds(100, 25)).toBe(4)
    expect(etaSeconds(100, 0)).toBeNull()
  })

  it("of consumers draining side by side is the last to finish", () => {
    expect(combinedEta([0, 4, 12.5])).toBe(12.5)
    expect(combinedEta([0, null, 3])).toBeNull()
    expect(combinedEta([])).toBe(0)
  })
})

describe("backlog report", () => {
  const report: BacklogReport = {
    consumers: [
      {
        stream: "COMMANDS_eu-west",
        consumer: "eu-west_order",
        backlog: 120,
        pending: 100,
        ackPending: 20,
        deliveredConsumerSeq: 50,
        deliveredStreamSeq: 70,
        ackFloorConsumerSeq: 30,
        ackFloorStreamSeq: 40,
        ratePerS: 0,
        etaS: null,
        readAt: 1_000,
        error: null
      },
      {
        stream: "COMMANDS_eu-west",
        consumer: "eu-west_pod",
        backlog: null,
        pending: null,
        ackPending: null,
        deliveredConsumerSeq: null,
        deliveredStreamSeq: null,
        ackFloorConsumerSeq: null,
        ackFloorStreamSeq: null,
        ratePerS: 0,
        etaS: null,
        readAt: null,
        error: "no answer within 1s 500ms"
      }
    ],
    totals: { backlog: 120, ratePerS: 0, etaS: null },
    windowS: 30,
    dependencies: {
      gateOpen: false,
      outageStartedAt: 10_000,
      postgres: { up: false, since: 10_000, detail: "connect ECONNREFUSED" },
      nats: { up: true, since: 0, detail: "connected" }
    }
  }

  it("renders Prometheus gauges: +Inf for an ETA that does not come, nothing for a consumer never read", () => {
    const text = backlogMetrics(report, 25_000)
    expect(text).toContain("# TYPE logimesh_backlog_messages gauge")
    expect(text).toContain('logimesh_backlog_messages{stream="COMMANDS_eu-west",consumer="eu-west_order"} 120')
    expect(text).toContain('logimesh_drain_rate_per_second{stream="COMMANDS_eu-west",consumer="eu-west_order"} 0')
    expect(text).toContain('logimesh_catchup_eta_seconds{stream="COMMANDS_eu-west",consumer="eu-west_order"} +Inf')
    expect(text).not.toContain("eu-west_pod")
    expect(text).toContain('logimesh_dependency_up{dependency="postgres"} 0')
    expect(text).toContain('logimesh_dependency_up{dependency="nats"} 1')
    expect(text).toContain("logimesh_dependency_gate_open 0")
    expect(text).toContain("logimesh_dependency_outage_seconds 15")
    expect(text.endsWith("\n")).toBe(true)
  })

  it("renders JSON with the gate, per consumer backlog / rate_per_s / eta_s, and totals", () => {
    const json = backlogJson("eu-west", report, 25_000)
    expect(json.gate).toEqual({ open: false, outage_started_at: new Date(10_000).toISOString(), outage_s: 15 })
    expect(json.consumers[0]).toMatchObject({ consumer: "eu-west_order", backlog: 120, rate_per_s: 0, eta_s: null, ack_pending: 20 })
    expect(json.consumers[1]).toMatchObject({ consumer: "eu-west_pod", backlog: null, error: "no answer within 1s 500ms" })
    expect(json.totals).toEqual({ backlog: 120, rate_per_s: 0, eta_s: null })
  })
})
