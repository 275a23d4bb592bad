/**
 * Small async building blocks the simulators share: `sleep`, a counting
 * `Semaphore`, a one-shot `Signal` that can be awaited with a timeout, and a
 * `JobTracker` that remembers in-flight work so `stop()` can wait for it
 * (bounded) instead of leaving promises behind.
 */

export const sleep = (ms: number): Promise<void> => (ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms)))

export class Semaphore {
  private available: number
  private readonly waiting: Array<() => void> = []

  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1) throw new Error(`a semaphore needs >= 1 permit, got ${permits}`)
    this.available = permits
  }

  acquire(): Promise<void> {
    if (this.available > 0) {
      this.available--
      return Promise.resolve()
    }
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  release(): void {
    const next = this.waiting.shift()
    if (next !== undefined) next()
    else this.available++
  }

  async with<A>(work: () => Promise<A>): Promise<A> {
    await this.acquire()
    try {
      return await work()
    } finally {
      this.release()
    }
  }
}

/** Set once; `wait(ms)` resolves true when set, false on timeout. */
export class Signal<A = void> {
  private value: { readonly v: A } | undefined = undefined
  private readonly listeners: Array<(v: A) => void> = []

  get isSet(): boolean {
    return this.value !== undefined
  }

  get current(): A | undefined {
    return this.value?.v
  }

  set(v: A): void {
    if (this.value !== undefined) return
    this.value = { v }
    for (const listener of this.listeners.splice(0)) listener(v)
  }

  wait(timeoutMs: number): Promise<boolean> {
    if (this.value !== undefined) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.listeners.indexOf(done)
        if (i >= 0) this.listeners.splice(i, 1)
        resolve(false)
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        resolve(true)
      }
      this.listeners.push(done)
    })
  }
}

/** Keyed signals created on first use (`signals.get("SO-1")`). */
export class SignalMap<A = void> {
  private readonly signals = new Map<string, Signal<A>>()

  get(key: string): Signal<A> {
    let signal = this.signals.get(key)
    if (signal === undefined) {
      signal = new Signal<A>()
      this.signals.set(key, signal)
    }
    return signal
  }
}

export class JobTracker {
  private readonly running = new Set<Promise<unknown>>()
  private failures = 0
  private readonly onError: (error: unknown) => void

  constructor(onError: (error: unknown) => void = () => undefined) {
    this.onError = onError
  }

  get size(): number {
    return this.running.size
  }

  get failed(): number {
    return this.failures
  }

  /** Runs `work` in the background; its failure is counted and reported, never unhandled. */
  run(work: () => Promise<unknown>): void {
    const job: Promise<unknown> = work()
      .catch((error: unknown) => {
        this.failures++
        this.onError(error)
      })
      .finally(() => this.running.delete(job))
    this.running.add(job)
  }

  /** Waits until nothing runs or `timeoutMs` passed; true when drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (this.running.size > 0) {
      const left = deadline - Date.now()
      if (left <= 0) return false
      await Promise.race([Promise.allSettled([...this.running]), sleep(Math.min(left, 250))])
    }
    return true
  }
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Runs work for one key at a time (others keys in parallel): a count read-then-write per site/item. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>()

  async run<A>(key: string, work: () => Promise<A>): Promise<A> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    const current = previous.then(work, work)
    const tail = current.catch(() => undefined)
    this.tails.set(key, tail)
    try {
      return await current
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }
}
