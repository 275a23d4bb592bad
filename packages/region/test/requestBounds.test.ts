/**
 * The request bounds as pure checks (the HTTP and message paths apply them;
 * test/security/requestBounds.test.ts shows them end to end) and the rate
 * limiter's sustained rate plus burst.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { makeRateLimits } from "../src/api/RateLimits.ts"
import { canonicalPath, checkBodySize, checkCommandHeaders, checkContentType, checkDeclaredLength, checkPath } from "../src/api/RequestBounds.ts"

describe("request bounds", () => {
  it("path: every percent-escape must decode", () => {
    expect(checkPath("/v1/orders/SO-1/cancel")).toBeUndefined()
    expect(checkPath("/v1/orders/SO%2F1/cancel?x=%zz")).toBeUndefined()
    const refused = checkPath("/v1/orders/%E0%A4%A/cancel")
    expect(refused).toMatchObject({ status: 400, reason: "BadPath" })
    expect(refused?.detail).toMatch(/URIError/)
  })

  it("headers: Idempotency-Key 1-200 visible ASCII, correlation id 1-128 of A-Z a-z 0-9 . _ : / -", () => {
    expect(checkCommandHeaders({ idempotencyKey: "erp:order-1/v2~x", correlationId: "SO-1.a_b:c/2" })).toBeUndefined()
    expect(checkCommandHeaders({ idempotencyKey: undefined, correlationId: undefined })).toBeUndefined()
    expect(checkCommandHeaders({ idempotencyKey: "k".repeat(200), correlationId: "c".repeat(128) })).toBeUndefined()
    for (const key of ["", "k".repeat(201), "has space", "tab\tkey", "ünï"]) {
      expect(checkCommandHeaders({ idempotencyKey: key, correlationId: undefined })?.errors[0]?.path).toBe("header Idempotency-Key")
    }
    for (const id of ["", "c".repeat(129), "a\\b", "a b", "a\nb"]) {
      expect(checkCommandHeaders({ idempotencyKey: undefined, correlationId: id })?.errors[0]?.path).toBe("header X-Correlation-Id")
    }
    const names = { idempotencyKey: "Idempotency-Key", correlationId: "Logimesh-Correlation-Id" }
    expect(checkCommandHeaders({ idempotencyKey: undefined, correlationId: "a b" }, names)?.errors[0]?.path).toBe("header Logimesh-Correlation-Id")
  })

  it("content type: application/json with or without parameters", () => {
    expect(checkContentType("application/json")).toBeUndefined()
    expect(checkContentType("Application/JSON; charset=utf-8")).toBeUndefined()
    for (const type of [undefined, "text/plain", "application/jsonp", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      expect(checkContentType(type)).toMatchObject({ status: 415, reason: "UnsupportedMediaType" })
    }
  })

  it("body size: a declared length or a body over the limit", () => {
    expect(checkDeclaredLength("1024", 1024)).toBeUndefined()
    expect(checkDeclaredLength(undefined, 1024)).toBeUndefined()
    expect(checkDeclaredLength("1025", 1024)).toMatchObject({ status: 413, reason: "BodyTooLarge" })
    expect(checkBodySize(1025, 1024)).toMatchObject({ status: 413 })
    expect(checkBodySize(1024, 1024)).toBeUndefined()
  })
})

describe("rate limits", () => {
  it("allows the sustained rate plus the burst, then answers how long to wait; callers are apart", async () => {
    const limits = makeRateLimits({ perSecond: 5, burst: 3 })
    const decisions = await Effect.runPromise(Effect.forEach(Array.from({ length: 12 }), () => limits.take("ERP")))
    expect(decisions.filter((d) => d._tag === "Allowed")).toHaveLength(8)
    const limited = decisions.filter((d) => d._tag === "Limited")
    expect(limited).toHaveLength(4)
    for (const d of limited) expect(d._tag === "Limited" && d.retryAfterS >= 1).toBe(true)
    expect((await Effect.runPromise(limits.take("WES")))._tag).toBe("Allowed")
  })
})

describe("canonicalPath: the path access is decided on is the path the router matches", () => {
  it("takes a plain path, without its query", () => {
    expect(canonicalPath("/v1/orders/SO-1/timeline?x=1")).toBe("/v1/orders/SO-1/timeline")
    expect(canonicalPath("/healthz")).toBe("/healthz")
  })
  it("refuses what URL parsing and the router read apart: ; (the router cuts there), dot segments, \\, #, absolute form", () => {
    for (const url of [
      "/v1/parked;/../../healthz",
      "/metrics;/../healthz",
      "/v1/parked/7/replay;/../../../../healthz",
      "/v1/parked/../../healthz",
      "/v1/parked/%2e%2e/%2e%2e/healthz",
      "/v1/./parked",
      "/v1\\parked",
      "http://region/v1/parked",
      "*"
    ]) {
      const refused = canonicalPath(url)
      expect(typeof refused === "string" ? refused : refused.status, url).toBe(400)
    }
  })
})
