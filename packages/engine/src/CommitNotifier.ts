/**
 * Who is waiting for which input to commit, in this process: the API
 * registers a message id before it publishes the command, the group
 * committer announces the message ids of the steps it committed, and the
 * waiter wakes at once instead of polling Postgres. A step committed in
 * another process is never announced here; waiters keep a slow poll for that.
 */
import { Context, Deferred, Effect, Exit, Layer } from "effect"

export interface CommitWaiter {
  /** Completes when a step that applied the message id has committed in this process. */
  readonly committed: Effect.Effect<void>
  /** Stop waiting (always call it, committed or not). */
  readonly release: Effect.Effect<void>
}

export interface CommitNotifierShape {
  readonly expect: (msgId: string) => Effect.Effect<CommitWaiter>
  /** Called by the committer after each commit, with the message ids its steps applied. */
  readonly announce: (msgIds: ReadonlyArray<string>) => void
  /** Message ids being waited for (a gauge; tests). */
  readonly waiting: () => number
}

export const makeCommitNotifier = (): CommitNotifierShape => {
  const waiters = new Map<string, Set<Deferred.Deferred<void>>>()
  return {
    expect: (msgId) =>
      Effect.map(Deferred.make<void>(), (done): CommitWaiter => {
        const set = waiters.get(msgId) ?? new Set()
        set.add(done)
        waiters.set(msgId, set)
        return {
          committed: Deferred.await(done),
          release: Effect.sync(() => {
            const current = waiters.get(msgId)
            current?.delete(done)
            if (current !== undefined && current.size === 0) waiters.delete(msgId)
          })
        }
      }),
    announce: (msgIds) => {
      if (waiters.size === 0) return
      for (const msgId of msgIds) {
        const set = waiters.get(msgId)
        if (set === undefined) continue
        for (const done of set) Deferred.doneUnsafe(done, Exit.void)
      }
    },
    waiting: () => waiters.size
  }
}

export class CommitNotifier extends Context.Service<CommitNotifier, CommitNotifierShape>()("logimesh/engine/CommitNotifier") {
  static readonly layer: Layer.Layer<CommitNotifier> = Layer.sync(CommitNotifier, makeCommitNotifier)
}
