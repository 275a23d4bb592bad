/**
 * The engine benchmark's checker (`bench/checkEffects.ts`) can fail: run on
 * the benchmark's own rig (authenticated, as the benchmark runs) and workload at a small size (300 commands of a
 * running total, 10% re-sent under new message ids, 5% of the steps nak'ed),
 * it passes a healthy engine and catches an engine broken on purpose — its
 * duplicate check off (every re-send applied again) and outbox rows dropped.
 * A pure case first: each kind of wrong output is counted where it belongs.
 */
import { Duration } from "effect"
import { describe, expect, it } from "vitest"
import { checkEffects, type ExpectedOrder } from "../../bench/checkEffects.ts"
import { makeTotalsWorkload } from "../../bench/makeTotalsWorkload.ts"
import { startBenchRig } from "../../bench/startBenchRig.ts"

const runOnce = async (label: string, faults: string) => {
  const rig = await startBenchRig({ label, ackWait: Duration.seconds(5), maxAckPending: 1_000, auth: true })
  try {
    expect(rig.natsCredentials?.seedFile).toBeDefined()
    const workload = makeTotalsWorkload({
      token: rig.names.token,
      subject: rig.names.inputSubject,
      keyPrefix: "o",
      orders: 75,
      lines: 4,
      resendRate: 0.1,
      resendLag: 20,
      seed: 7
    })
    const engine = await rig.startEngine({
      concurrency: 32,
      groupCommit: { maxBatch: 50, committers: 2 },
      faults: ["nak:0.05", faults].filter((f) => f !== "").join(","),
      retryDelay: Duration.millis(50)
    })
    await rig.publish(workload.messages)
    await rig.waitSettled(30_000)
    const stats = await engine.stats()
    await engine.stop()
    const { outputs } = await rig.readOutputs()
    const check = checkEffects(workload.expected, outputs, await rig.readStates([...workload.expected.keys()]))
    return { workload, stats, check }
  } finally {
    await rig.stop()
  }
}

describe("bench checker", () => {
  it("counts each kind of wrong output where it belongs", () => {
    const expected = new Map<string, ExpectedOrder>([
      [
        "a",
        {
          events: [
            { line: 1, amount: 5, total: 5 },
            { line: 2, amount: 3, total: 8 }
          ],
          state: { total: 8, lines: 2 }
        }
      ],
      ["b", { events: [{ line: 1, amount: 4, total: 4 }], state: { total: 4, lines: 1 } }]
    ])
    const out = (key: string, seq: number, line: number, amount: number, total: number) => ({
      key,
      seq,
      payload: JSON.stringify({ _tag: "AmountAdded", line, amount, total })
    })
    const exact = [out("a", 1, 1, 5, 5), out("a", 2, 2, 3, 8), out("b", 1, 1, 4, 4)]
    const healthy = new Map([
      ["a", { total: 8, lines: 2 }],
      ["b", { total: 4, lines: 1 }]
    ])
    expect(checkEffects(expected, exact, healthy)).toMatchObject({ ok: true, exact_effects: 3, lost: 0, duplicate_effects: 0 })

    // a's line 2 applied twice (an extra seq, a wrong total), b's effect never published, an output nobody expected.
    const broken = [out("a", 1, 1, 5, 5), out("a", 2, 2, 3, 8), out("a", 3, 2, 3, 11), out("c", 1, 1, 1, 1)]
    expect(
      checkEffects(
        expected,
        broken,
        new Map([
          ["a", { total: 11, lines: 3 }],
          ["b", { total: 4, lines: 1 }]
        ])
      )
    ).toEqual({
      expected_effects: 3,
      observed_effects: 4,
      exact_effects: 2,
      lost: 1,
      duplicate_effects: 1,
      unexpected_effects: 1,
      missing_by_seq: 1,
      misplaced_effects: 1,
      state_mismatches: 1,
      expected_total: 12,
      observed_total: 15,
      ok: false
    })
    // The same effect published twice: a duplicate by input and by (key, seq).
    expect(checkEffects(expected, [...exact, out("b", 1, 1, 4, 4)], healthy)).toMatchObject({ duplicate_effects: 1, misplaced_effects: 1, ok: false })
  })

  it("passes a healthy engine under re-sends and naks", async () => {
    const { workload, stats, check } = await runOnce("bench-check-healthy", "")
    expect(workload.resends).toBeGreaterThanOrEqual(0.05 * workload.originals)
    // The faults happened: re-sends dropped as duplicates, steps nak'ed and redelivered.
    expect(stats.outcomes.duplicate).toBeGreaterThanOrEqual(workload.resends)
    expect(stats.outcomes.nak).toBeGreaterThan(0)
    expect(check).toMatchObject({ ok: true, lost: 0, duplicate_effects: 0, state_mismatches: 0, exact_effects: workload.originals })
  })

  it("catches an engine that applies re-sends again", async () => {
    const { workload, check } = await runOnce("bench-check-dupes", "unsafe-apply-duplicates:1")
    expect(check.ok).toBe(false)
    // Every re-send applied again but those that met their original while it was held as an early arrival
    // (the held check is not switched off); each one an extra output.
    expect(check.duplicate_effects).toBeGreaterThan(0)
    expect(check.duplicate_effects).toBeLessThanOrEqual(workload.resends)
    expect(check.duplicate_effects).toBe(check.observed_effects - check.expected_effects)
    expect(check.state_mismatches).toBeGreaterThan(0)
    expect(check.observed_total).toBeGreaterThan(check.expected_total)
    expect(check.lost).toBe(0)
  })

  it("catches an engine that drops outbox rows", async () => {
    const { check } = await runOnce("bench-check-dropped", "unsafe-drop-outbox:0.1")
    expect(check.ok).toBe(false)
    expect(check.lost).toBeGreaterThan(0)
    expect(check.lost).toBe(check.expected_effects - check.observed_effects)
    expect(check.duplicate_effects).toBe(0)
    // The engine applied every command; only its effects are missing.
    expect(check.state_mismatches).toBe(0)
  })
})
