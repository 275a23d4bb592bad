/**
 * The benchmark's verdict, a pure function: what the engine published and
 * the final states it holds, compared with what the workload expects (the
 * fold of every command exactly once, in line order).
 *
 * Every output is counted two ways:
 *   - by content, i.e. by the input it answers (order key + the command's line, read from the
 *     payload): `lost` = expected inputs with no output at all, `duplicate_effects` = outputs of an
 *     input beyond its first (a command applied twice, or one effect published twice),
 *     `unexpected_effects` = outputs that answer no input of the workload (or do not decode);
 *   - by position (order key, `Logimesh-Event-Seq`): `exact_effects` = expected (key, seq) slots
 *     holding exactly the expected event (line, amount and running total) once; `missing_by_seq` =
 *     the other expected slots; `misplaced_effects` = outputs that are not such an exact first copy
 *     (a second copy of a slot, a slot nobody expected, a wrong total).
 * And every final state is compared with the expected fold (`state_mismatches`: a key whose total
 * or line count differs, or whose state is missing), as is the sum of all totals. `ok` only when
 * every count is as expected and nothing else was seen.
 */
import type { OrderTotalState } from "./OrderTotalDecider.ts"

export interface ExpectedEvent {
  readonly line: number
  readonly amount: number
  /** Running total after this event. */
  readonly total: number
}

export interface ExpectedOrder {
  /** The events in order: seq n is `events[n - 1]`. */
  readonly events: ReadonlyArray<ExpectedEvent>
  readonly state: OrderTotalState
}

export interface ObservedOutput {
  /** `Logimesh-Entity-Key` */
  readonly key: string
  /** `Logimesh-Event-Seq` */
  readonly seq: number
  /** The message body (the event as the engine encoded it). */
  readonly payload: string
}

export interface EffectCheck {
  readonly expected_effects: number
  readonly observed_effects: number
  readonly exact_effects: number
  readonly lost: number
  readonly duplicate_effects: number
  readonly unexpected_effects: number
  readonly missing_by_seq: number
  readonly misplaced_effects: number
  readonly state_mismatches: number
  readonly expected_total: number
  readonly observed_total: number
  readonly ok: boolean
}

const decodeEvent = (payload: string): ExpectedEvent | undefined => {
  let value: unknown
  try {
    value = JSON.parse(payload)
  } catch {
    return undefined
  }
  if (typeof value !== "object" || value === null) return undefined
  const { line, amount, total } = value as Record<string, unknown>
  return typeof line === "number" && typeof amount === "number" && typeof total === "number" ? { line, amount, total } : undefined
}

const sameEvent = (a: ExpectedEvent, b: ExpectedEvent): boolean => a.line === b.line && a.amount === b.amount && a.total === b.total

export const checkEffects = (
  expected: ReadonlyMap<string, ExpectedOrder>,
  outputs: ReadonlyArray<ObservedOutput>,
  states: ReadonlyMap<string, OrderTotalState>
): EffectCheck => {
  const expectedLines = new Map<string, ReadonlySet<number>>()
  for (const [key, order] of expected) expectedLines.set(key, new Set(order.events.map((e) => e.line)))
  const perInput = new Map<string, number>()
  const perSlot = new Map<string, number>()
  let exact = 0
  let duplicates = 0
  let unexpected = 0
  let misplaced = 0
  for (const output of outputs) {
    const event = decodeEvent(output.payload)
    if (event === undefined || expectedLines.get(output.key)?.has(event.line) !== true) {
      unexpected += 1
      continue
    }
    const input = `${output.key}\u0000${event.line}`
    const copies = (perInput.get(input) ?? 0) + 1
    perInput.set(input, copies)
    if (copies > 1) duplicates += 1
    const slot = `${output.key}\u0000${output.seq}`
    const slotCopies = (perSlot.get(slot) ?? 0) + 1
    perSlot.set(slot, slotCopies)
    const want = expected.get(output.key)?.events[output.seq - 1]
    if (slotCopies === 1 && want !== undefined && sameEvent(want, event)) exact += 1
    else misplaced += 1
  }
  let expectedEffects = 0
  let lost = 0
  let stateMismatches = 0
  let expectedTotal = 0
  let observedTotal = 0
  for (const [key, order] of expected) {
    expectedEffects += order.events.length
    for (const event of order.events) if (!perInput.has(`${key}\u0000${event.line}`)) lost += 1
    const state = states.get(key)
    expectedTotal += order.state.total
    observedTotal += state?.total ?? 0
    if (state === undefined || state.total !== order.state.total || state.lines !== order.state.lines) stateMismatches += 1
  }
  // States of keys nobody sent a command to.
  for (const [key, state] of states) {
    if (expected.has(key)) continue
    stateMismatches += 1
    observedTotal += state.total
  }
  const missingBySeq = expectedEffects - exact
  return {
    expected_effects: expectedEffects,
    observed_effects: outputs.length,
    exact_effects: exact,
    lost,
    duplicate_effects: duplicates,
    unexpected_effects: unexpected,
    missing_by_seq: missingBySeq,
    misplaced_effects: misplaced,
    state_mismatches: stateMismatches,
    expected_total: expectedTotal,
    observed_total: observedTotal,
    ok:
      lost === 0 &&
      duplicates === 0 &&
      unexpected === 0 &&
      missingBySeq === 0 &&
      misplaced === 0 &&
      stateMismatches === 0 &&
      expectedTotal === observedTotal &&
      outputs.length === expectedEffects
  }
}
