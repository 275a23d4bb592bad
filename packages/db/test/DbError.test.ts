/**
 * `classifyDbError` sorts what pg, pg-pool and Node sockets throw into
 * reasons that say whether a retry can help.
 */
import { describe, expect, it } from "vitest"
import { classifyDbError } from "../src/index.ts"

const pgError = (code: string, message = `error ${code}`) => Object.assign(new Error(message), { code })

describe("classifyDbError", () => {
  it.each([
    ["40001", "SerializationFailure"],
    ["40P01", "Deadlock"],
    ["08006", "ConnectionLost"],
    ["57P01", "ConnectionLost"],
    ["ECONNREFUSED", "ConnectionLost"],
    ["53300", "ResourceBusy"],
    ["53100", "ResourceBusy"],
    ["57014", "ResourceBusy"],
    ["55P03", "ResourceBusy"]
  ])("code %s is %s and retryable", (code, tag) => {
    const error = classifyDbError("op", pgError(code))
    expect(error.reason._tag).toBe(tag)
    expect(error.isRetryable).toBe(true)
  })

  it.each([
    ["23505", "UniqueViolation"],
    ["23503", "ConstraintViolation"],
    ["42P01", "QueryFailed"],
    ["22P02", "QueryFailed"]
  ])("code %s is %s and terminal", (code, tag) => {
    const error = classifyDbError("op", pgError(code))
    expect(error.reason._tag).toBe(tag)
    expect(error.isRetryable).toBe(false)
  })

  it("treats an exhausted pool (pg-pool's connect timeout) as retryable", () => {
    const error = classifyDbError("op", new Error("timeout exceeded when trying to connect"))
    expect(error.reason._tag).toBe("ResourceBusy")
    expect(error.isRetryable).toBe(true)
  })

  it("treats a dropped connection without a code as retryable", () => {
    expect(classifyDbError("op", new Error("Connection terminated unexpectedly")).reason._tag).toBe("ConnectionLost")
  })

  it("keeps the operation and the message", () => {
    const error = classifyDbError("order.append", pgError("23505", 'duplicate key value violates unique constraint "pk"'))
    expect(error.operation).toBe("order.append")
    expect(error.message).toContain("duplicate key value")
  })
})
