/**
 * Commands carried as messages: which Idempotency-Key a message stands for
 * (so a redelivery or an operator's replay is the same command, never a new
 * one), and what a replay of a parked message carries over.
 */
import { describe, expect, it } from "vitest"
import { replayHeaders } from "@logimesh/engine"
import { commandKeyOf } from "../src/sites/CommandMessageHandler.ts"

const message = (headers: Record<string, string>, msgId: string | undefined) => ({ headers, msgId, stream: "INGRESS", streamSequence: 42 })

describe("commandKeyOf", () => {
  it("uses the sender's Idempotency-Key first", () => {
    expect(commandKeyOf(message({ "Idempotency-Key": "erp-1" }, "erp:m1"))).toBe("erp-1")
  })
  it("else the message id, else the stream position: stable across redeliveries", () => {
    expect(commandKeyOf(message({}, "erp:m1"))).toBe("erp:m1")
    expect(commandKeyOf(message({}, undefined))).toBe("INGRESS:42")
  })
  it("for a replay of a keyless command, the original message id: the replay is the same command", () => {
    const replayed = replayHeaders({ "Nats-Msg-Id": "erp:m1", "Logimesh-Command-Path": "/v1/orders" }, 7, false)
    expect(commandKeyOf(message(replayed, "eu-west:replay:7"))).toBe("erp:m1")
  })
})

describe("replayHeaders", () => {
  const parked = {
    "Nats-Msg-Id": "erp:m1",
    "Logimesh-Command-Path": "/v1/orders",
    "Logimesh-Source-System": "ERP",
    "Idempotency-Key": "erp-1",
    "Logimesh-Park-Reason": "UnknownSite"
  }
  it("keeps the command's path, sender and key, drops the server's and the park bookkeeping", () => {
    const h = replayHeaders(parked, 7, false)
    expect(h).toMatchObject({ "Logimesh-Command-Path": "/v1/orders", "Logimesh-Source-System": "ERP", "Idempotency-Key": "erp-1", "Logimesh-Replay-Of": "7" })
    expect(h["Nats-Msg-Id"]).toBeUndefined()
    expect(h["Logimesh-Park-Reason"]).toBeUndefined()
  })
  it("gives a replay with a corrected body a key of its own (the same key with another body is refused)", () => {
    expect(replayHeaders(parked, 7, true)["Idempotency-Key"]).toBe("erp-1~replay:7")
  })
})
