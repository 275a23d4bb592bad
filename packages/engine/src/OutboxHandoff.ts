/**
 * Committed outbox rows handed from the group committers to the outbox relay
 * of the same process, so the relay publishes them from memory instead of
 * reading their payloads back from Postgres.
 *
 * Only a shortcut, never the record: a row stays unsent in `engine_outbox`
 * until the relay has published it and marked it sent. Whatever the hand-off
 * does not deliver (the queue is full, the process dies, the relay is
 * elsewhere) the relay's claim round finds in Postgres. Who offers: the group
 * committers, right after a commit that wrote outbox rows; who takes: the
 * relay (`runOutboxRelay`), which also waits on `wakeUp`.
 *
 * Once it has lost rows (a full queue, a hand-off round that failed) the
 * hand-off is `behind`: it refuses further rows, and the relay publishes by
 * claiming from Postgres in id order until it has caught up, then `resume`s
 * it. So a key's later effects are not handed over ahead of earlier ones
 * the hand-off lost.
 */
import { Context, Latch, Layer } from "effect"

export interface CommittedOutboxRow {
  /** `engine_outbox.id` (the msg id is `<region>:<id>`). */
  readonly id: string
  readonly subject: string
  readonly payload: Uint8Array
  readonly headers: Readonly<Record<string, string>>
}

export interface OutboxHandoffShape {
  /** Queues committed rows; rows beyond the capacity, or offered while `behind`, are left to the claim rounds (counted in `dropped`). */
  readonly offer: (rows: ReadonlyArray<CommittedOutboxRow>) => void
  /** Up to `max` queued rows, oldest first. */
  readonly take: (max: number) => ReadonlyArray<CommittedOutboxRow>
  readonly size: () => number
  /** Rows not queued because the queue was full. */
  readonly dropped: () => number
  /** Opened by `offer`; the relay closes it before each round and waits on it when idle. */
  readonly wakeUp: Latch.Latch
  /** True once rows were lost (see the header) until `resume`: offers are refused meanwhile. */
  readonly behind: () => boolean
  /** The relay lost rows it had taken (a failed round): refuse offers and drop what is queued until `resume`. */
  readonly markBehind: () => void
  /** The relay has claimed everything committed so far: take offers again. */
  readonly resume: () => void
}

/** Default capacity: rows queued at most (about two seconds of the engine's throughput; beyond that, reading them back costs no more). */
export const defaultHandoffCapacity = 20_000

export const makeOutboxHandoff = (capacity: number = defaultHandoffCapacity): OutboxHandoffShape => {
  // Chunks as offered (one per commit), the first read from `offset`; a chunk is let go once read.
  const chunks: Array<ReadonlyArray<CommittedOutboxRow>> = []
  let offset = 0
  let queued = 0
  let dropped = 0
  let behind = false
  const wakeUp = Latch.makeUnsafe(false)
  const fallBehind = () => {
    behind = true
    // What is queued is in Postgres too: the relay's claim rounds publish it, in id order with the rest.
    chunks.length = 0
    offset = 0
    queued = 0
  }
  return {
    offer: (rows) => {
      if (rows.length === 0) return
      if (!behind && queued + rows.length > capacity) fallBehind()
      if (behind) {
        dropped += rows.length
      } else {
        chunks.push(rows)
        queued += rows.length
      }
      Latch.openUnsafe(wakeUp)
    },
    take: (max) => {
      const out: Array<CommittedOutboxRow> = []
      while (out.length < max && chunks.length > 0) {
        const chunk = chunks[0]!
        const n = Math.min(max - out.length, chunk.length - offset)
        for (let i = 0; i < n; i++) out.push(chunk[offset + i]!)
        offset += n
        if (offset === chunk.length) {
          chunks.shift()
          offset = 0
        }
      }
      queued -= out.length
      return out
    },
    size: () => queued,
    dropped: () => dropped,
    wakeUp,
    behind: () => behind,
    markBehind: () => {
      fallBehind()
      Latch.openUnsafe(wakeUp)
    },
    resume: () => {
      behind = false
    }
  }
}

/**
 * The process's hand-off as a service: the region provides one to every module engine and to its one
 * relay. An engine that runs its own relay makes its own.
 */
export class OutboxHandoff extends Context.Service<OutboxHandoff, OutboxHandoffShape>()("logimesh/engine/OutboxHandoff") {
  static readonly layer: Layer.Layer<OutboxHandoff> = Layer.sync(OutboxHandoff, () => makeOutboxHandoff())
}
