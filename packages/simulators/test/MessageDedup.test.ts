/**
 * Redeliveries are recognised by Nats-Msg-Id: handled once, a redelivery of
 * a handled message is only acked, a redelivery while the first delivery is
 * still in progress is held and settled with it (never dropped), a failed
 * handling runs again and its failures are counted. The consumer's durable
 * never lets the server give up on a message by itself.
 */
import { describe, expect, it } from "vitest"
import { MessageDedup } from "../src/MessageDedup.ts"
import { systemConsumerConfig } from "../src/SystemConsumer.ts"

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

  it("holds a redelivery that arrives while the first delivery is handled, and settles it with the first", () => {
    const dedup = new MessageDedup<string>()
    expect(dedup.begin("eu-west:1221", "delivery-1")).toBe("new")
    expect(dedup.begin("eu-west:1221", "delivery-2")).toBe("in-progress")
    expect(dedup.held()).toEqual(["delivery-1", "delivery-2"])
    expect(dedup.complete("eu-west:1221")).toEqual(["delivery-1", "delivery-2"])
    expect(dedup.held()).toEqual([])
    expect(dedup.begin("eu-west:1221", "delivery-3")).toBe("done")
    expect(dedup.held()).toEqual([])
  })

  it("hands every held delivery back when the handling fails, and counts the failures of an id", () => {
    const dedup = new MessageDedup<string>()
    dedup.begin("x", "d1")
    dedup.begin("x", "d2")
    expect(dedup.abandon("x")).toEqual({ deliveries: ["d1", "d2"], failures: 1 })
    expect(dedup.held()).toEqual([])
    expect(dedup.begin("x", "d3")).toBe("new")
    expect(dedup.abandon("x")).toEqual({ deliveries: ["d3"], failures: 2 })
    dedup.begin("x", "d4")
    expect(dedup.complete("x")).toEqual(["d4"])
    dedup.giveUp("y")
    expect(dedup.begin("y")).toBe("done")
  })

  it("creates durables the server never gives up on (a cut leaf link burns server-side deliveries)", () => {
    // Root cause seen in the leaf-link-cut drill: with max_deliver 50 the hub delivered one
    // labels-revised message 50 times into the dead leaf route within ~0.2 s (advisory
    // CONSUMER.MAX_DELIVERIES, stream_seq 236, deliveries 50) and dropped it; the WES never saw it.
    const config = systemConsumerConfig({ durable: "sim_wes_dc-rotterdam", filterSubject: "sys.wes.dc-rotterdam.>" })
    expect(config.max_deliver).toBe(-1)
    expect(config.ack_policy).toBe("explicit")
  })
})
