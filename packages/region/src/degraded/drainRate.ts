/**
 * Catch-up arithmetic for one durable consumer, pure (no I/O): a bounded
 * sliding window of samples of how many deliveries the consumer has settled,
 * the drain rate over it and the ETA to an empty backlog.
 *
 *   settled  = delivered.consumer_seq - num_ack_pending   (every delivery, acked / nak'ed / term'ed)
 *   backlog  = num_pending + num_ack_pending               (not delivered yet + delivered, not settled)
 *   rate     = settled advance per second over the window (0 until two samples 1 s apart)
 *   eta      = 0 when backlog is 0; backlog / rate when rate > 0; null (never, at this rate) otherwise
 *
 * `settled` counts a redelivery as one more settled delivery, so a consumer
 * that keeps nak'ing shows a rate it does not really drain at; held messages
 * (a closed dependency gate) settle nothing and show rate 0.
 */

export interface DrainSample {
  /** Epoch ms of the read. */
  readonly at: number
  readonly settled: number
}

export interface DrainWindow {
  readonly samples: ReadonlyArray<DrainSample>
}

export const emptyWindow: DrainWindow = { samples: [] }

/** Adds a sample and drops those older than `windowMs` before it (the window stays bounded: windowMs / read interval + 1). */
export const addSample = (window: DrainWindow, sample: DrainSample, windowMs: number): DrainWindow => {
  const last = window.samples.at(-1)
  // The consumer was re-created (its delivered sequence went back): start again.
  if (last !== undefined && (sample.settled < last.settled || sample.at < last.at)) return { samples: [sample] }
  return { samples: [...window.samples.filter((s) => s.at >= sample.at - windowMs), sample] }
}

/** Settled deliveries per second across the window; 0 until it spans at least `minSpanMs`. */
export const drainRate = (window: DrainWindow, minSpanMs = 1_000): number => {
  const first = window.samples[0]
  const last = window.samples.at(-1)
  if (first === undefined || last === undefined) return 0
  const spanMs = last.at - first.at
  if (spanMs < minSpanMs) return 0
  return (last.settled - first.settled) / (spanMs / 1_000)
}

/** Seconds until the backlog is empty at `rate`: 0 when empty, null when it does not drain. */
export const etaSeconds = (backlog: number, rate: number): number | null => {
  if (backlog <= 0) return 0
  if (rate <= 0) return null
  return backlog / rate
}

/**
 * The ETA of several consumers draining side by side: the last one to finish
 * (null when any non-empty one does not drain).
 */
export const combinedEta = (etas: ReadonlyArray<number | null>): number | null => {
  let worst = 0
  for (const eta of etas) {
    if (eta === null) return null
    worst = Math.max(worst, eta)
  }
  return worst
}
