/**
 * Classification of what the NATS client throws into retryable and terminal
 * reasons (shapes as the client builds them: error `name`, API `code`, `cause`).
 */
import { describe, expect, it } from "vitest"
import { classifyBusError } from "../src/BusError.ts"

const named = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name }, extra)

describe("classifyBusError", () => {
  it.each([
    [named("TimeoutError", "timeout"), "Timeout", true],
    [named("RequestError", "request failed", { cause: named("NoResponders", "no responders: 'x'") }), "NoResponders", true],
    [named("JetStreamApiError", "stream not found", { code: 10059 }), "StreamNotFound", true],
    [named("ClosedConnectionError", "closed connection"), "Disconnected", true],
    [named("JetStreamApiError", "wrong last sequence: 3", { code: 10071 }), "WrongLastSequence", false],
    [named("JetStreamApiError", "consumer not found", { code: 10014 }), "ConsumerNotFound", false],
    [named("JetStreamApiError", "subjects overlap", { code: 10065 }), "BadRequest", false],
    [named("JetStreamApiError", "maximum messages exceeded", { code: 10077 }), "StreamFull", false],
    [named("JetStreamApiError", "maximum bytes exceeded", { code: 10077 }), "StreamFull", false],
    [named("JetStreamApiError", "resource limits exceeded for account", { code: 10002 }), "StreamFull", false],
    [named("JetStreamApiError", "insufficient resources", { code: 10023 }), "StreamFull", false],
    [named("JetStreamApiError", "message size exceeds maximum allowed", { code: 10077 }), "BadRequest", false]
  ])("%s -> %s", (cause, tag, retryable) => {
    const error = classifyBusError("test", cause)
    expect(error.reason._tag).toBe(tag)
    expect(error.isRetryable).toBe(retryable)
    expect(error.message).toContain("test: ")
  })
})
