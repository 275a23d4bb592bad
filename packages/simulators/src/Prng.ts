/**
 * Deterministic pseudo-random numbers for the simulators (never
 * `Math.random`): a 32-bit string hash (FNV-1a) to derive seeds from labels,
 * and the mulberry32 generator. `Prng.fork(label)` gives an independent
 * stream per order / per request, so a decision never depends on the order
 * in which concurrent work happened to run.
 */

/** FNV-1a over the UTF-16 code units of `text`, as an unsigned 32-bit integer. */
export const hash32 = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** A number in [0, 1) determined only by `label` (one-shot decisions: "does this attempt fail?"). */
export const unitFromLabel = (label: string): number => {
  const prng = new Prng(hash32(label))
  return prng.next()
}

export class Prng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** A new generator whose sequence depends only on this generator's seed history and `label`. */
  static from(seed: number, label: string): Prng {
    return new Prng(hash32(`${seed >>> 0}:${label}`))
  }

  fork(label: string): Prng {
    return new Prng(hash32(`${this.state}:${label}`))
  }

  /** Uniform in [0, 1). mulberry32. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    if (max < min) throw new Error(`int(${min}, ${max}): empty range`)
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(probability: number): boolean {
    return probability > 0 && this.next() < probability
  }

  pick<A>(items: ReadonlyArray<A>): A {
    if (items.length === 0) throw new Error("pick from an empty list")
    return items[Math.floor(this.next() * items.length)] as A
  }

  /** Fisher-Yates on a copy. */
  shuffle<A>(items: ReadonlyArray<A>): Array<A> {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const a = out[i] as A
      out[i] = out[j] as A
      out[j] = a
    }
    return out
  }
}
