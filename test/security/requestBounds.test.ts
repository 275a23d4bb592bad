/**
 * The bounds of the `/v1` command API against a real region process over
 * real NATS (hub, leaves behind WAN proxies) and Postgres, the local
 * topology with a rate limit lowered to 20 commands/s + a burst of 10 per
 * caller and a body limit of 512 KiB. Each case asserts the refusal AND that nothing was applied: no
 * command reached `COMMANDS_<region>` (counted in the stream) and the entity
 * it would have written does not exist.
 *   - a 20 MB body: 413 at once (declared length), and a chunked one past
 *     the limit too; the region answers afterwards;
 *   - 100,000 order lines: refused (413); 1,001 lines under the byte limit: 422 naming `lines`;
 *   - a 10,000-character Idempotency-Key, a malformed X-Correlation-Id: 400 naming the header;
 *   - a body that is not application/json: 415 (application/json; charset=utf-8 is taken);
 *   - a path with a malformed percent-escape: 400 over HTTP; as a message, parked as `BadPath`;
 *     a message with a malformed key or over the body limit: parked (`BadHeader`, `BodyTooLarge`);
 *   - a burst over the rate limit: some 429 with Retry-After, each allowed command applied once,
 *     another caller not limited;
 *   - a read that hits the read pool's statement timeout: a generic 503 with the correlation id,
 *     no raw error text; the cause is in the log under that id; commands are applied meanwhile.
 */
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestTopology, type TestTopology } from "@logimesh/testkit"
import { ADMIN_USER, waitFor } from "@logimesh/topology"
import { natsAuthOptions } from "@logimesh/bus"
import { orderBody } from "../flow/apiClient.ts"

const REGION = "eu-west"
const SITE = "dc-rotterdam"
const MiB = 1_048_576
/** The body limit of this topology: below NATS's 1 MiB payload limit, so a message can exceed it. */
const MAX_BODY = 512 * 1024

let mesh: TestTopology
let hub: NatsConnection
/** Credentials of the callers (the topology's API keys): the ERP, the WES of SITE, an operator. */
const keys = { erp: {} as Record<string, string>, wes: {} as Record<string, string>, admin: {} as Record<string, string> }

beforeAll(async () => {
  mesh = await startTestTopology("security-bounds", {
    prepareSites: (sitesDir) => {
      const file = join(sitesDir, "mesh.json")
      const settings = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>
      writeFileSync(file, JSON.stringify({ ...settings, api: { maxBodyBytes: MAX_BODY, rateLimit: { perSecond: 20, burst: 10 } } }, null, 2))
    }
  })
  // The operator's NATS user: it reads the streams' counts and sends the ERP's messages (the subject names the ERP).
  hub = await connect({ servers: mesh.hubUrl, ...natsAuthOptions(mesh.topology.natsCredentials(ADMIN_USER)) })
  keys.erp = { authorization: `Bearer ${mesh.apiKeys.ERP}` }
  keys.wes = { authorization: `Bearer ${mesh.apiKeys.WES[SITE] ?? ""}` }
  keys.admin = { authorization: `Bearer ${mesh.apiKeys.admin}` }
}, 120_000)

afterAll(async () => {
  await hub?.close()
  await mesh?.stop()
}, 60_000)

/** Messages `COMMANDS_<region>` holds: every command the API or a message sent to a module. */
const commandsStored = async (): Promise<number> => (await (await jetstreamManager(hub, { domain: "hub" })).streams.info(`COMMANDS_${REGION}`)).state.messages

/** Commands sent to the order module (`cmd.<region>.order`): creating an order sends none from a flow. */
const orderCommandsStored = async (): Promise<number> => {
  const info = await (await jetstreamManager(hub, { domain: "hub" })).streams.info(`COMMANDS_${REGION}`, { subjects_filter: `cmd.${REGION}.order` })
  return info.state.subjects?.[`cmd.${REGION}.order`] ?? 0
}

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly body: any
  readonly ms: number
}

const post = async (
  path: string,
  body: NonNullable<RequestInit["body"]>,
  headers: Readonly<Record<string, string>>,
  extra: RequestInit = {}
): Promise<Answer> => {
  const started = Date.now()
  const response = await fetch(`${mesh.regionUrl}${path}`, { method: "POST", headers, body, signal: AbortSignal.timeout(30_000), ...extra })
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  return { status: response.status, headers: response.headers, text, body: parsed, ms: Date.now() - started }
}

const erp = (extra: Readonly<Record<string, string>> = {}) => ({ "content-type": "application/json", ...keys.erp, ...extra })

const wes = (extra: Readonly<Record<string, string>> = {}) => ({ "content-type": "application/json", ...keys.wes, ...extra })

const status = async (path: string) => (await fetch(`${mesh.regionUrl}${path}`, { headers: keys.admin, signal: AbortSignal.timeout(10_000) })).status

const expectProblem = (answer: Answer, code: number) => {
  expect(answer.status, answer.text.slice(0, 300)).toBe(code)
  expect(answer.headers.get("content-type")).toContain("application/problem+json")
  expect(answer.body.status).toBe(code)
}

describe("body size", () => {
  it("answers a 20 MB body 413 quickly without applying it, and still answers afterwards", async () => {
    const before = await commandsStored()
    const order = "SEC-BIG-1"
    const huge = JSON.stringify({ ...orderBody(order), pad: "x".repeat(20 * MiB) })
    const answer = await post("/v1/orders", huge, erp({ "Idempotency-Key": "sec-big-1" }))
    expectProblem(answer, 413)
    expect(answer.ms).toBeLessThan(5_000)
    // a chunked body (no Content-Length) stops being read at the limit
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 20 * MiB) return controller.close()
        sent += chunk.byteLength
        controller.enqueue(sent === chunk.byteLength ? new TextEncoder().encode(`{"order":"SEC-BIG-2","pad":"`) : chunk)
      }
    })
    const chunked = await post("/v1/orders", stream, erp({ "Idempotency-Key": "sec-big-2" }), { duplex: "half" } as RequestInit)
    expectProblem(chunked, 413)
    expect(chunked.ms).toBeLessThan(10_000)
    // the region still serves, and nothing was applied
    expect(await status("/healthz")).toBe(200)
    expect(await status(`/v1/orders/${order}`)).toBe(404)
    expect(await status("/v1/orders/SEC-BIG-2")).toBe(404)
    expect(await commandsStored()).toBe(before)
    // a normal command is applied after them
    const normal = await post("/v1/orders", JSON.stringify(orderBody("SEC-AFTER-BIG")), erp({ "Idempotency-Key": "sec-after-big" }))
    expect(normal.status).toBe(201)
  }, 60_000)

  it("refuses 100,000 order lines (413) and 1,001 lines under the byte limit (422 naming lines); nothing applied", async () => {
    const before = await commandsStored()
    const line = (n: number) => ({ ...orderBody("x").lines[0], lineNumber: n })
    const many = { ...orderBody("SEC-LINES-1"), lines: Array.from({ length: 100_000 }, (_, i) => line(i + 1)) }
    const answer = await post("/v1/orders", JSON.stringify(many), erp({ "Idempotency-Key": "sec-lines-1" }))
    expect([413, 422]).toContain(answer.status)
    expectProblem(answer, answer.status)
    const justOver = { ...orderBody("SEC-LINES-2"), lines: Array.from({ length: 1_001 }, (_, i) => line(i + 1)) }
    const body = JSON.stringify(justOver)
    expect(body.length).toBeLessThan(MAX_BODY)
    const over = await post("/v1/orders", body, erp({ "Idempotency-Key": "sec-lines-2" }))
    expectProblem(over, 422)
    expect(JSON.stringify(over.body.errors)).toContain("lines")
    expect(await status("/v1/orders/SEC-LINES-1")).toBe(404)
    expect(await status("/v1/orders/SEC-LINES-2")).toBe(404)
    expect(await commandsStored()).toBe(before)
  }, 60_000)
})

describe("headers, content type and path", () => {
  it("answers a 10,000-character Idempotency-Key and a malformed X-Correlation-Id 400 naming the header; nothing applied", async () => {
    const before = await commandsStored()
    const longKey = await post("/v1/orders", JSON.stringify(orderBody("SEC-KEY-1")), erp({ "Idempotency-Key": "k".repeat(10_000) }))
    expectProblem(longKey, 400)
    expect(longKey.body.errors[0].path).toBe("header Idempotency-Key")
    const badCorrelation = await post(
      "/v1/orders",
      JSON.stringify(orderBody("SEC-KEY-2")),
      erp({ "Idempotency-Key": "sec-key-2", "X-Correlation-Id": "has spaces and ünïcode" })
    )
    expectProblem(badCorrelation, 400)
    expect(badCorrelation.body.errors[0].path).toBe("header X-Correlation-Id")
    expect(await status("/v1/orders/SEC-KEY-1")).toBe(404)
    expect(await status("/v1/orders/SEC-KEY-2")).toBe(404)
    expect(await commandsStored()).toBe(before)
  })

  it("answers a body that is not application/json 415, and takes application/json with a charset", async () => {
    const before = await commandsStored()
    const body = JSON.stringify(orderBody("SEC-CT-1"))
    const plain = await post("/v1/orders", body, { "content-type": "text/plain", ...keys.erp, "Idempotency-Key": "sec-ct-1" })
    expectProblem(plain, 415)
    const form = await post("/v1/orders", body, {
      "content-type": "application/x-www-form-urlencoded",
      ...keys.erp,
      "Idempotency-Key": "sec-ct-1"
    })
    expectProblem(form, 415)
    expect(await status("/v1/orders/SEC-CT-1")).toBe(404)
    expect(await commandsStored()).toBe(before)
    const charset = await post("/v1/orders", body, {
      "content-type": "application/json; charset=utf-8",
      ...keys.erp,
      "Idempotency-Key": "sec-ct-1"
    })
    expect(charset.status).toBe(201)
  })

  it("answers a path with a malformed percent-escape 400 naming the decode error; nothing applied", async () => {
    const before = await commandsStored()
    const answer = await post("/v1/orders/%E0%A4%A/cancel", JSON.stringify({ reason: "x" }), erp({ "Idempotency-Key": "sec-path-1" }))
    expectProblem(answer, 400)
    expect(answer.body.errors[0].path).toBe("path")
    expect(answer.body.errors[0].message).toMatch(/URIError/)
    expect(await status("/healthz")).toBe(200)
    expect(await commandsStored()).toBe(before)
  })
})

describe("commands as messages", () => {
  const parkedEntries = async () =>
    (
      (await (await fetch(`${mesh.regionUrl}/v1/parked`, { headers: keys.admin })).json()) as {
        readonly parked: ReadonlyArray<{ readonly reason: string; readonly msgId: string | null; readonly detail: string }>
      }
    ).parked

  it("parks a message whose path does not decode (BadPath), whose Idempotency-Key is malformed (BadHeader) or whose body is over the limit (BodyTooLarge); nothing applied", async () => {
    const before = await commandsStored()
    const send = (id: string, path: string, key: string, body: unknown = { reason: "customer asked" }) => {
      const h = natsHeaders()
      h.set("Logimesh-Command-Path", path)
      h.set("Idempotency-Key", key)
      return jetstream(hub, { domain: "hub" }).publish(`in.${SITE}.erp`, new TextEncoder().encode(JSON.stringify(body)), {
        msgID: `erp:${id}`,
        headers: h
      })
    }
    await send("sec-msg-path", "/v1/orders/%E0%A4%A/cancel", "sec-msg-path")
    await send("sec-msg-key", "/v1/orders/SEC-MSG-1/cancel", "k".repeat(300))
    await send("sec-msg-big", "/v1/orders", "sec-msg-big", { ...orderBody("SEC-MSG-2"), pad: "x".repeat(MAX_BODY) })
    const ids = ["erp:sec-msg-path", "erp:sec-msg-key", "erp:sec-msg-big"]
    const parked = await waitFor(
      "the three messages parked",
      async () => {
        const found = (await parkedEntries()).filter((p) => p.msgId !== null && ids.includes(p.msgId))
        return found.length === 3 ? found : undefined
      },
      { timeoutMs: 20_000 }
    )
    const byId = Object.fromEntries(parked.map((p) => [p.msgId, p]))
    expect(byId["erp:sec-msg-path"]?.reason).toBe("BadPath")
    expect(byId["erp:sec-msg-path"]?.detail).toMatch(/URIError/)
    expect(byId["erp:sec-msg-key"]?.reason).toBe("BadHeader")
    expect(byId["erp:sec-msg-key"]?.detail).toContain("Idempotency-Key")
    expect(byId["erp:sec-msg-big"]?.reason).toBe("BodyTooLarge")
    expect(await status("/v1/orders/SEC-MSG-2")).toBe(404)
    expect(await commandsStored()).toBe(before)
    // the region keeps serving messages: a good one after them is applied
    expect(await status("/healthz")).toBe(200)
  }, 60_000)
})

describe("rate limit per caller", () => {
  it("answers part of a burst 429 with Retry-After; every allowed command is applied exactly once, no refused one", async () => {
    const before = await orderCommandsStored()
    const order = (i: number) => `SEC-RL-${i}`
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => post("/v1/orders", JSON.stringify(orderBody(order(i))), erp({ "Idempotency-Key": `sec-rate-${i}` })))
    )
    const allowed = answers.flatMap((a, i) => (a.status === 201 ? [i] : []))
    const limited = answers.flatMap((a, i) => (a.status === 429 ? [i] : []))
    expect(allowed.length + limited.length, answers.map((a) => a.status).join(",")).toBe(60)
    expect(limited.length).toBeGreaterThan(0)
    expect(allowed.length).toBeGreaterThanOrEqual(10)
    for (const i of limited) {
      const answer = answers[i]!
      expectProblem(answer, 429)
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
    }
    // WES is another caller: ERP's burst does not limit it
    expect((await post(`/v1/inventory/${SITE}/SKU-42/count`, JSON.stringify({ onHand: { amount: "5", unit: "EA" } }), wes())).status).toBe(200)
    // applied once each: one command per allowed request reached the order module, each allowed order exists at
    // version 1 with one OrderCreated in its timeline, and no refused one exists
    expect(await orderCommandsStored()).toBe(before + allowed.length)
    for (const i of allowed) {
      const timeline = (await (await fetch(`${mesh.regionUrl}/v1/orders/${order(i)}/timeline`, { headers: keys.admin })).json()) as {
        timeline: Array<{ type: string }>
      }
      expect(timeline.timeline.filter((e) => e.type === "OrderCreated")).toHaveLength(1)
    }
    for (const i of limited) expect(await status(`/v1/orders/${order(i)}`)).toBe(404)
    // ERP's allowance comes back after Retry-After
    const wait = Math.max(...limited.map((i) => Number(answers[i]!.headers.get("retry-after"))))
    await new Promise((resolve) => setTimeout(resolve, wait * 1000))
    expect((await post("/v1/orders", JSON.stringify(orderBody("SEC-RATE-AFTER")), erp({ "Idempotency-Key": "sec-rate-after" }))).status).toBe(201)
  }, 60_000)
})

describe("5xx bodies", () => {
  it("answers a read that hits the statement timeout 503 with the correlation id and no raw error; commands are applied meanwhile", async () => {
    const order = "SEC-503-1"
    expect((await post("/v1/orders", JSON.stringify(orderBody(order)), erp({ "Idempotency-Key": "sec-503-1" }))).status).toBe(201)
    // A session holding an exclusive lock on a table the timeline reads: the read waits until its statement timeout.
    const client = new pg.Client({ connectionString: mesh.database.url })
    await client.connect()
    try {
      await client.query("BEGIN")
      await client.query("LOCK TABLE governance_ownership_rejection IN ACCESS EXCLUSIVE MODE")
      const reads = Array.from({ length: 6 }, (_, i) =>
        fetch(`${mesh.regionUrl}/v1/orders/${order}/timeline`, {
          headers: { ...keys.admin, "X-Correlation-Id": `sec-503-read-${i}` },
          signal: AbortSignal.timeout(20_000)
        })
      )
      // while the reads wait, the engine's writes go on: a command is applied
      const command = await post("/v1/orders", JSON.stringify(orderBody("SEC-503-2")), erp({ "Idempotency-Key": "sec-503-2" }))
      expect(command.status).toBe(201)
      const responses = await Promise.all(reads)
      for (const [i, response] of responses.entries()) {
        expect(response.status).toBe(503)
        const text = await response.text()
        const body = JSON.parse(text) as Record<string, unknown>
        expect(body).toMatchObject({ status: 503, title: "database unavailable", correlationId: `sec-503-read-${i}` })
        expect(response.headers.get("x-correlation-id")).toBe(`sec-503-read-${i}`)
        expect(text).not.toMatch(/statement timeout|canceling|governance_ownership_rejection|ResourceBusy|postgres/i)
      }
    } finally {
      await client.query("ROLLBACK").catch(() => undefined)
      await client.end()
    }
    // the cause is in the region's log under the correlation id
    const region = mesh.topology.state.components.find((c) => c.kind === "region")
    const logged = await waitFor(
      "the cause logged under the correlation id",
      async () => {
        const lines = readFileSync(region?.logFile ?? "", "utf8").split("\n")
        return lines.find((line) => line.includes('"correlationId":"sec-503-read-0"') && line.includes("statement timeout"))
      },
      { timeoutMs: 5_000 }
    )
    expect(logged).toContain("database unavailable")
    // and reads answer again once the lock is gone
    expect(await status(`/v1/orders/${order}/timeline`)).toBe(200)
  }, 60_000)
})
