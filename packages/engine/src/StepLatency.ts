/**
 * Step latency: from an input reaching the engine's handler to its step
 * committed and acked (the actor's wait for its key, the group-commit
 * window and the transaction included). Kept as a ring of the most recent
 * samples, so memory stays fixed however long the engine runs.
 */
export interface StepLatencySnapshot {
  readonly count: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

export interface StepLatency {
  readonly record: (ms: number) => void
  readonly snapshot: () => StepLatencySnapshot
  /** Forgets the samples so far (e.g. between the phases of a benchmark). */
  readonly reset: () => void
}

export const makeStepLatency = (capacity = 50_000): StepLatency => {
  const samples = new Float64Array(capacity)
  let written = 0
  return {
    record: (ms) => {
      samples[written % capacity] = ms
      written += 1
    },
    snapshot: () => {
      const count = Math.min(written, capacity)
      if (count === 0) return { count: 0, p50Ms: Number.NaN, p99Ms: Number.NaN, maxMs: Number.NaN }
      const sorted = samples.slice(0, count).sort()
      const at = (p: number) => sorted[Math.min(count - 1, Math.floor(p * count))]!
      return { count: written, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted[count - 1]! }
    },
    reset: () => {
      written = 0
    }
  }
}
