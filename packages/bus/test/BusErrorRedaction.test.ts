/**
 * A BusError built from a client error that quotes a NATS URL with a user
 * and password (or a token) does not carry the secret; the raw error does
 * (control).
 */
import { describe, expect, it } from "vitest"
import { classifyBusError } from "../src/index.ts"

describe("BusError text", () => {
  it("leaves out the password of a NATS URL the cause names", () => {
    const cause = new Error("CONNECTION_REFUSED nats://region:n4ts-Pa55@127.0.0.1:4222 and nats://t0ken-xyz@127.0.0.1:4223")
    expect(cause.message).toContain("n4ts-Pa55")
    const error = classifyBusError("publish", cause)
    expect(error.message).not.toContain("n4ts-Pa55")
    expect(error.message).not.toContain("t0ken-xyz")
    expect(error.message).toContain("nats://region:[REDACTED]@127.0.0.1:4222")
  })
})
