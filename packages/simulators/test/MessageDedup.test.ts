/**
 * Redeliveries are recognised by Nats-Msg-Id: handled once, a redelivery of
 * a handled message is only acked, a redelivery while the first delivery is
 * still in progress is left alone, a failed handling runs again.
 */
import { describe, expect, it } from "vitest"
import { MessageDedup } from "../src/MessageDedup.ts"

describe("MessageDedup", () => {
  it("handles an id once", () => {
    const dedup = new MessageDedup()
    expect(dedup.begin("eu-west:1")).toBe("new")
    expect(dedup.begin("eu-west:1")).toBe("in-progress")
    dedup.complete("eu-west:1")
    expect(dedup.begin("eu-west:1")).toBe("done")
    expect(dedup.begin("eu-west:2")).toBe("new")
  })

  it("runs a failed handling again", () => {
    const dedup = new MessageDedup()
    expect(dedup.begin("x")).toBe("new")
    dedup.abandon("x")
    expect(dedup.begin("x")).toBe("new")
  })

  it("forgets the oldest ids past its capacity", () => {
    const dedup = new MessageDedup(3)
    for (const id of ["a", "b", "c", "d"]) {
      dedup.begin(id)
      dedup.complete(id)
    }
    expect(dedup.size).toBe(3)
    expect(dedup.begin("a")).toBe("new")
    expect(dedup.begin("d")).toBe("done")
  })
})
