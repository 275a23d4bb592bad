/**
 * The step-latency ring: percentiles over the most recent samples, fixed
 * memory, and a reset between benchmark phases.
 */
import { describe, expect, it } from "vitest"
import { makeStepLatency } from "../src/StepLatency.ts"

describe("StepLatency", () => {
  it("reports p50, p99 and max of the samples", () => {
    const latency = makeStepLatency(1_000)
    for (let i = 1; i <= 100; i++) latency.record(i)
    expect(latency.snapshot()).toEqual({ count: 100, p50Ms: 51, p99Ms: 100, maxMs: 100 })
  })

  it("keeps only the most recent samples", () => {
    const latency = makeStepLatency(10)
    for (let i = 0; i < 10; i++) latency.record(1_000)
    for (let i = 0; i < 10; i++) latency.record(5)
    const snapshot = latency.snapshot()
    expect(snapshot.count).toBe(20)
    expect(snapshot.maxMs).toBe(5)
  })

  it("forgets everything on reset", () => {
    const latency = makeStepLatency(10)
    latency.record(7)
    latency.reset()
    expect(latency.snapshot().count).toBe(0)
    latency.record(3)
    expect(latency.snapshot()).toEqual({ count: 1, p50Ms: 3, p99Ms: 3, maxMs: 3 })
  })
})
