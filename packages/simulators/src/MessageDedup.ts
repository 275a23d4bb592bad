/**
 * What a real system does with JetStream redeliveries: remember which
 * message ids (`Nats-Msg-Id`) it has handled. A message is `new` the first
 * time, `in-progress` while its first delivery is still being handled (the
 * redelivery is left alone; the first one acks), `done` once handled (ack
 * again, do nothing). A failed handling is forgotten so the redelivery runs
 * it again. Memory is bounded: the oldest done ids are evicted past `capacity`.
 */

export type DedupState = "new" | "in-progress" | "done"

export class MessageDedup {
  private readonly inProgress = new Set<string>()
  private readonly done = new Map<string, true>()
  private readonly capacity: number

  constructor(capacity = 200_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be >= 1, got ${capacity}`)
    this.capacity = capacity
  }

  /** Claims `id` when it is new; otherwise says why not. */
  begin(id: string): DedupState {
    if (this.done.has(id)) return "done"
    if (this.inProgress.has(id)) return "in-progress"
    this.inProgress.add(id)
    return "new"
  }

  complete(id: string): void {
    this.inProgress.delete(id)
    this.done.set(id, true)
    while (this.done.size > this.capacity) {
      const oldest = this.done.keys().next()
      if (oldest.done === true) break
      this.done.delete(oldest.value)
    }
  }

  /** The handling failed: the next delivery of `id` is handled again. */
  abandon(id: string): void {
    this.inProgress.delete(id)
  }

  get size(): number {
    return this.done.size
  }
}
