/**
 * The commit notifier: a waiter wakes when its message id is announced, not
 * for another id; several waiters of one id all wake; a released waiter is
 * forgotten (nothing left waiting).
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { makeCommitNotifier } from "../src/index.ts"

describe("CommitNotifier", () => {
  it("wakes the waiters of an announced id only, and forgets released ones", async () => {
    const notifier = makeCommitNotifier()
    const [a1, a2, b] = await Promise.all(["m-a", "m-a", "m-b"].map((id) => Effect.runPromise(notifier.expect(id))))
    expect(notifier.waiting()).toBe(2)
    const woke: Array<string> = []
    const wakes = [
      ["a1", a1!],
      ["a2", a2!],
      ["b", b!]
    ].map(([name, waiter]) => Effect.runPromise((waiter as typeof a1)!.committed).then(() => woke.push(name as string)))
    notifier.announce(["m-a", "m-x"])
    await Promise.all(wakes.slice(0, 2))
    // Announcing wakes synchronously scheduled fibers; one more macrotask lets a wrong wake-up of b show.
    await new Promise((resolve) => setImmediate(resolve))
    expect(woke.sort()).toEqual(["a1", "a2"])
    for (const waiter of [a1!, a2!, b!]) await Effect.runPromise(waiter.release)
    expect(notifier.waiting()).toBe(0)
    // A released waiter is not woken any more.
    notifier.announce(["m-b"])
    await new Promise((resolve) => setImmediate(resolve))
    expect(woke).not.toContain("b")
  })
})
