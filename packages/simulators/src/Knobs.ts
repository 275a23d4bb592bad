/**
 * The knobs of a simulated run, in one options object: volume, seed,
 * latency, duplicate sends, simulated system-side failures and the share of
 * each business exception. Defaults are a realistic mix (a few percent of
 * orders hit each exception).
 */

export const EXCEPTION_KINDS = [
  "short_pick",
  "substitution",
  "cancel_before_pick",
  "cancel_after_pick",
  "change_after_release",
  "tender_rejection",
  "failed_delivery",
  "inventory_mismatch",
  "return"
] as const
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number]

export type ExceptionRates = { readonly [K in ExceptionKind]: number }

export const DEFAULT_EXCEPTION_RATES: ExceptionRates = {
  short_pick: 0.05,
  substitution: 0.03,
  cancel_before_pick: 0.02,
  cancel_after_pick: 0.02,
  change_after_release: 0.03,
  tender_rejection: 0.05,
  failed_delivery: 0.04,
  inventory_mismatch: 0.02,
  return: 0.03
}

/** A latency added before each HTTP call: a fixed number of ms, or a [min, max] range (deterministic jitter). */
export type Latency = number | readonly [number, number]

export interface Knobs {
  /** Number of orders the ERP creates. */
  readonly orders: number
  /** Seeds every decision (plans, failures, duplicates, jitter). */
  readonly seed: number
  /** Added before each HTTP call, per system. */
  readonly latencyMs: Latency
  /** Share of commands re-sent with the same Idempotency-Key (the response must be the same). */
  readonly duplicateRate: number
  /** Share of call attempts failing with a simulated 503 on the system side (half before sending, half losing the response). */
  readonly failureRate: number
  /** Share of orders hitting each exception. */
  readonly exceptions: ExceptionRates
  /** Share of order lines the ERP sends in cases (CS) instead of eaches. */
  readonly caseUnitShare: number
}

export const DEFAULT_KNOBS: Knobs = {
  orders: 50,
  seed: 42,
  latencyMs: [2, 15],
  duplicateRate: 0.05,
  failureRate: 0.02,
  exceptions: DEFAULT_EXCEPTION_RATES,
  caseUnitShare: 0.1
}

export interface KnobsInput {
  readonly orders?: number
  readonly seed?: number
  readonly latencyMs?: Latency
  readonly duplicateRate?: number
  readonly failureRate?: number
  readonly exceptions?: Partial<ExceptionRates>
  readonly caseUnitShare?: number
}

const rate = (name: string, value: number): number => {
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new Error(`${name} must be a share in [0, 1], got ${value}`)
  return value
}

/** Defaults filled in and every value checked (shares in [0, 1], a whole number of orders). */
export const resolveKnobs = (input: KnobsInput = {}): Knobs => {
  const orders = input.orders ?? DEFAULT_KNOBS.orders
  if (!Number.isSafeInteger(orders) || orders < 0) throw new Error(`orders must be a whole number >= 0, got ${orders}`)
  const seed = input.seed ?? DEFAULT_KNOBS.seed
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`)
  const exceptions = { ...DEFAULT_EXCEPTION_RATES, ...input.exceptions }
  for (const kind of EXCEPTION_KINDS) rate(`exceptions.${kind}`, exceptions[kind])
  return {
    orders,
    seed,
    latencyMs: input.latencyMs ?? DEFAULT_KNOBS.latencyMs,
    duplicateRate: rate("duplicateRate", input.duplicateRate ?? DEFAULT_KNOBS.duplicateRate),
    failureRate: rate("failureRate", input.failureRate ?? DEFAULT_KNOBS.failureRate),
    exceptions,
    caseUnitShare: rate("caseUnitShare", input.caseUnitShare ?? DEFAULT_KNOBS.caseUnitShare)
  }
}

/** No exceptions, no failures, no duplicates, no latency: the happy path only. */
export const QUIET_EXCEPTIONS: ExceptionRates = Object.fromEntries(EXCEPTION_KINDS.map((k) => [k, 0])) as unknown as ExceptionRates
