/**
 * What a real system does with JetStream redeliveries: remember which
 * message ids (`Nats-Msg-Id`) it has handled, and which deliveries of an id
 * it is still holding.
 *
 * - `new` the first time: the caller handles it; its delivery is held.
 * - `in-progress` while an earlier delivery is still being handled: the
 *   redelivery is held too (kept alive by the caller, never dropped) and is
 *   settled together with the first one when the handling ends.
 * - `done` once handled: ack again, do nothing.
 *
 * `complete` hands back every held delivery to ack; `abandon` (the handling
 * failed) hands them back to nak and forgets the claim, so the next delivery
 * runs the handling again, and counts the failed attempts of that id (reset
 * when it completes) so a caller can give up loudly instead of forever.
 * Memory is bounded: the oldest done ids are evicted past `capacity`.
 */

export type DedupState = "new" | "in-progress" | "done"

export interface Abandoned<D> {
  /** Every delivery of the id held while it was in progress (the first one included). */
  readonly deliveries: ReadonlyArray<D>
  /** Failed handlings of this id so far (this one included). */
  readonly failures: number
}

export class MessageDedup<D = unknown> {
  private readonly inProgress = new Map<string, Array<D>>()
  private readonly done = new Map<string, true>()
  private readonly failures = new Map<string, number>()
  private readonly capacity: number

  constructor(capacity = 200_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be >= 1, got ${capacity}`)
    this.capacity = capacity
  }

  /** Claims `id` when it is new; otherwise says why not. A delivery of an id in progress is held with it. */
  begin(id: string, delivery?: D): DedupState {
    if (this.done.has(id)) return "done"
    const held = this.inProgress.get(id)
    if (held !== undefined) {
      if (delivery !== undefined) held.push(delivery)
      return "in-progress"
    }
    this.inProgress.set(id, delivery === undefined ? [] : [delivery])
    return "new"
  }

  /** The handling succeeded: returns the held deliveries (to ack). */
  complete(id: string): ReadonlyArray<D> {
    const held = this.inProgress.get(id) ?? []
    this.inProgress.delete(id)
    this.failures.delete(id)
    this.markDone(id)
    return held
  }

  /** The handling failed: the next delivery of `id` is handled again. Returns the held deliveries (to nak). */
  abandon(id: string): Abandoned<D> {
    const held = this.inProgress.get(id) ?? []
    this.inProgress.delete(id)
    const failures = (this.failures.get(id) ?? 0) + 1
    this.failures.set(id, failures)
    while (this.failures.size > this.capacity) {
      const oldest = this.failures.keys().next()
      if (oldest.done === true) break
      this.failures.delete(oldest.value)
    }
    return { deliveries: held, failures }
  }

  /** Gives up on `id` after too many failed handlings (the caller terminates its deliveries): it counts as done. */
  giveUp(id: string): void {
    this.inProgress.delete(id)
    this.failures.delete(id)
    this.markDone(id)
  }

  /** Deliveries held by ids still in progress (to keep alive). */
  held(): ReadonlyArray<D> {
    return [...this.inProgress.values()].flat()
  }

  get inProgressCount(): number {
    return this.inProgress.size
  }

  get size(): number {
    return this.done.size
  }

  private markDone(id: string): void {
    this.done.set(id, true)
    while (this.done.size > this.capacity) {
      const oldest = this.done.keys().next()
      if (oldest.done === true) break
      this.done.delete(oldest.value)
    }
  }
}
