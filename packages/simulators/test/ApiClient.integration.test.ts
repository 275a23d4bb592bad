/**
 * The systems' HTTP client against a loopback server that scripts its
 * answers: headers sent, 5xx / 202 retried with the same Idempotency-Key
 * (a command still 202 followed up until its outcome, bounded),
 * 4xx recorded as a rejection and not retried, a lagging precondition
 * retried with a fresh key, duplicate sends compared, simulated 503s; the
 * sent ledger keeps one entry per key with what the sender saw.
 */
import { createServer, type IncomingMessage, type Server } from "node:http"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { ApiClient, ApiUnavailable, problemText } from "../src/ApiClient.ts"

interface Seen {
  readonly method: string
  readonly path: string
  readonly key: string | undefined
  readonly source: string | undefined
  readonly correlation: string | undefined
  readonly body: string
}

let server: Server
let baseUrl = ""
let seen: Array<Seen> = []
let script: Array<{ status: number; body: unknown }> = []
let fallback: { status: number; body: unknown } = { status: 200, body: { status: "applied" } }

const read = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let text = ""
    req.on("data", (c: Buffer) => (text += c.toString("utf8")))
    req.on("end", () => resolve(text))
  })

beforeAll(async () => {
  server = createServer((req, res) => {
    void read(req).then((body) => {
      const header = (name: string) => (typeof req.headers[name] === "string" ? (req.headers[name] as string) : undefined)
      seen.push({
        method: req.method ?? "",
        path: req.url ?? "",
        key: header("idempotency-key"),
        source: header("authorization"),
        correlation: header("x-correlation-id"),
        body
      })
      const answer = script.shift() ?? fallback
      res.writeHead(answer.status, { "content-type": answer.status >= 400 ? "application/problem+json" : "application/json" })
      res.end(JSON.stringify(answer.body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  baseUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

beforeEach(() => {
  seen = []
  script = []
  fallback = { status: 200, body: { status: "applied" } }
})

const client = (extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}) =>
  new ApiClient({ baseUrl, apiKey: "lmk_test", system: "WES", seed: 1, backoffBaseMs: 5, backoffMaxMs: 20, ...extra })

describe("ApiClient", () => {
  it("sends the caller, the key and the correlation id", async () => {
    const answer = await client().post({ path: "/v1/tasks/T-1/confirm-pick", body: { a: 1 }, idempotencyKey: "k1", correlationId: "SO-1", action: "pick" })
    expect(answer.ok).toBe(true)
    expect(seen).toEqual([{ method: "POST", path: "/v1/tasks/T-1/confirm-pick", key: "k1", source: "Bearer lmk_test", correlation: "SO-1", body: '{"a":1}' }])
  })

  it("retries 5xx and 202 with the same key until an answer", async () => {
    script = [
      { status: 503, body: {} },
      { status: 202, body: { status: "accepted" } },
      { status: 200, body: { status: "applied", n: 1 } }
    ]
    const c = client()
    const answer = await c.post({ path: "/x", idempotencyKey: "k2", action: "x" })
    expect(answer).toMatchObject({ status: 200, ok: true, attempts: 3, body: { status: "applied", n: 1 } })
    expect(seen.map((s) => s.key)).toEqual(["k2", "k2", "k2"])
    expect(c.stats).toMatchObject({ retries: 2, serverErrors: 1, accepted202: 1 })
  })

  it("ends as pending when every attempt is 202 and no follow-up is allowed", async () => {
    fallback = { status: 202, body: { status: "accepted" } }
    const answer = await client({ maxAttempts: 3 }).post({ path: "/x", idempotencyKey: "k3", action: "x", commitWaitMs: 0 })
    expect(answer).toMatchObject({ status: 202, ok: true, pending: true })
    expect(seen).toHaveLength(3)
  })

  it("follows a command still 202 after every attempt up with the same key until its outcome", async () => {
    // region-kill drill: a carton stayed 202 (queued) through the outage; taken as packed, packing completed without it.
    script = [
      { status: 202, body: { status: "accepted" } },
      { status: 202, body: { status: "accepted" } },
      { status: 202, body: { status: "accepted" } },
      { status: 200, body: { status: "applied" } }
    ]
    const answer = await client({ maxAttempts: 3 }).post({ path: "/x", idempotencyKey: "k3b", action: "x", commitWaitMs: 5_000 })
    expect(answer).toMatchObject({ status: 200, ok: true, pending: false })
    expect(seen.map((s) => s.key)).toEqual(["k3b", "k3b", "k3b", "k3b"])
  })

  it("ends as pending when the follow-ups outlast commitWaitMs", async () => {
    fallback = { status: 202, body: { status: "accepted" } }
    const answer = await client({ maxAttempts: 2 }).post({ path: "/x", idempotencyKey: "k3c", action: "x", commitWaitMs: 50 })
    expect(answer).toMatchObject({ status: 202, pending: true })
    expect(seen.length).toBeGreaterThanOrEqual(4)
    expect(new Set(seen.map((s) => s.key))).toEqual(new Set(["k3c"]))
  })

  it("gives up on endless 5xx with ApiUnavailable", async () => {
    fallback = { status: 500, body: {} }
    await expect(client({ maxAttempts: 3 }).post({ path: "/x", idempotencyKey: "k4", action: "x" })).rejects.toBeInstanceOf(ApiUnavailable)
    expect(seen).toHaveLength(3)
  })

  it("records a 4xx as a rejection and does not retry it", async () => {
    script = [{ status: 409, body: { type: "about:blank", status: 409, title: 'not allowed in state "loaded"', detail: "too late" } }]
    const c = client({ system: "ERP" })
    const answer = await c.post({ path: "/v1/orders/SO-1/cancel", body: { reason: "r" }, idempotencyKey: "k5", correlationId: "SO-1", action: "cancel-order" })
    expect(answer.ok).toBe(false)
    expect(answer.rejection).toMatchObject({
      system: "ERP",
      action: "cancel-order",
      status: 409,
      title: 'not allowed in state "loaded"',
      detail: "too late",
      correlationId: "SO-1"
    })
    expect(seen).toHaveLength(1)
    expect(c.stats.rejections).toHaveLength(1)
  })

  it("retries a lagging precondition with a fresh key, then succeeds", async () => {
    script = [
      { status: 422, body: { title: "rejected: UnknownTask", rejection: { type: "UnknownTask" } } },
      { status: 422, body: { title: "rejected: UnknownTask", rejection: { type: "UnknownTask" } } }
    ]
    const c = client()
    const answer = await c.post({
      path: "/x",
      idempotencyKey: "k6",
      action: "pick",
      awaitPrecondition: (a) => /UnknownTask/.test(problemText(a.body))
    })
    expect(answer.ok).toBe(true)
    expect(seen.map((s) => s.key)).toEqual(["k6", "k6~w1", "k6~w2"])
    expect(c.stats.preconditionWaits).toBe(2)
    expect(c.stats.rejections).toHaveLength(0)
  })

  it("re-sends duplicates with the same key and compares the answers", async () => {
    const c = client({ duplicateRate: 1 })
    script = [
      { status: 200, body: { b: 1, a: 2 } },
      { status: 200, body: { a: 2, b: 1 } }
    ]
    await c.post({ path: "/x", idempotencyKey: "k7", action: "x" })
    expect(seen.map((s) => s.key)).toEqual(["k7", "k7"])
    expect(c.stats).toMatchObject({ duplicatesSent: 1, duplicatesMatched: 1 })
    script = [
      { status: 200, body: { events: [1] } },
      { status: 200, body: { events: [] } }
    ]
    await c.post({ path: "/x", idempotencyKey: "k8", action: "x" })
    expect(c.stats.duplicateMismatches).toHaveLength(1)
    expect(c.stats.duplicateMismatches[0]).toMatchObject({ key: "k8", first: { status: 200 }, second: { status: 200 } })
  })

  it("simulates 503s on the system side and still gets through", async () => {
    const c = client({ failureRate: 1, maxAttempts: 5 })
    const answer = await c.post({ path: "/x", idempotencyKey: "k9", action: "x" })
    expect(answer.ok).toBe(true)
    expect(c.stats.simulatedFailures).toBe(3)
    // some simulated failures sent the request and lost the answer: the server saw the same key more than once
    expect(seen.length).toBeGreaterThanOrEqual(1)
    expect(new Set(seen.map((s) => s.key))).toEqual(new Set(["k9"]))
  })

  it("keeps one ledger entry per key: retries and a duplicate send are the same command, a precondition wait's key is another", async () => {
    script = [
      { status: 503, body: {} },
      { status: 422, body: { title: "rejected: UnknownTask", rejection: { type: "UnknownTask" } } },
      { status: 200, body: { status: "applied", msgId: "api:abc" } },
      { status: 200, body: { status: "applied", msgId: "api:abc" } }
    ]
    const c = client({ instance: "dc-rotterdam", duplicateRate: 1 })
    await c.post({
      path: "/x",
      idempotencyKey: "k10",
      correlationId: "SO-10",
      action: "pick",
      awaitPrecondition: (a) => /UnknownTask/.test(problemText(a.body))
    })
    expect(seen.map((s) => s.key)).toEqual(["k10", "k10", "k10~w1", "k10~w1"])
    expect(c.sent.commands()).toMatchObject([
      { sender: "WES", instance: "dc-rotterdam", key: "k10", action: "pick", correlationId: "SO-10", transport: "http", sends: 2, answer: { status: 422 } },
      { sender: "WES", instance: "dc-rotterdam", key: "k10~w1", sends: 2, answer: { status: 200, msgId: "api:abc" } }
    ])
    expect(c.sent.awaitingAnswer()).toBe(0)
  })

  it("keeps a command that got no answer as sent, with its last error", async () => {
    fallback = { status: 500, body: {} }
    const c = client({ maxAttempts: 2 })
    await expect(c.post({ path: "/x", idempotencyKey: "k11", action: "x" })).rejects.toBeInstanceOf(ApiUnavailable)
    expect(c.sent.commands()).toMatchObject([{ key: "k11", sends: 2, answer: undefined, lastError: "gave up after 2 attempts: HTTP 500" }])
    expect(c.sent.awaitingAnswer()).toBe(1)
    // Long after its last send it no longer counts as out (a drill times its fault with this).
    expect(c.sent.awaitingAnswer(Date.now() + 6_000)).toBe(0)
  })
})
