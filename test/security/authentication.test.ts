/**
 * Who may call the region at all, against the real region process on the
 * local topology (NATS hub, two site leaves, Postgres), JWTs signed by a key
 * this file publishes on a loopback JWKS. Each attack asserts the refusal and
 * that nothing was applied (messages on COMMANDS_eu-west and message ids the
 * engines applied stand still; the order it tried to create does not exist):
 *   - every non-public route without credentials: 401 + WWW-Authenticate, one generic body;
 *   - JWTs: expired, another audience, another issuer, signed by a key the JWKS does not hold, unsigned;
 *   - a revoked API key (it worked before the revocation);
 *   - a WES key sending `X-Source-System: ERP` to create an order;
 *   - a non-admin (ERP, WES) on every admin route: 403;
 * with positive controls: a valid JWT and a valid API key each create an order, the admin key reads the
 * admin routes, `/healthz`, `/readyz` and the OpenAPI document answer without credentials.
 */
import { statSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { dirname } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { apiKeysFilePath, waitFor } from "@logimesh/topology"
import { UnsecuredJWT } from "jose"
import { routeAccessTable, withApiKeyStore } from "@logimesh/region"
import type { TestTopology } from "@logimesh/testkit"
import { orderBody } from "../flow/apiClient.ts"
import { bearer, type EvidenceReader, http, type Jwks, openEvidence, startJwks, startSecureTopology } from "./securityHarness.ts"

let jwks: Jwks
let mesh: TestTopology
let evidence: EvidenceReader

beforeAll(async () => {
  jwks = await startJwks()
  mesh = await startSecureTopology("security-authn", jwks)
  evidence = await openEvidence(mesh)
}, 120_000)

afterAll(async () => {
  await evidence?.close()
  await mesh?.stop()
  await jwks?.close()
}, 60_000)

/** Sends `attempt`, expects `status`, and checks nothing was taken in or applied and `order` does not exist. */
const refusedWithoutEffect = async (status: number, order: string, attempt: () => Promise<{ status: number }>) => {
  const before = await evidence.settled()
  const answer = await attempt()
  expect(answer.status).toBe(status)
  expect(await evidence.settled()).toEqual(before)
  expect(await evidence.snapshot("order", order)).toBeUndefined()
  return answer
}

const createOrder = (order: string, headers: Record<string, string>) =>
  http(mesh.regionUrl, "POST", "/v1/orders", { headers: { ...headers, "idempotency-key": `create-${order}` }, body: orderBody(order) })

/** A concrete path of a route pattern (`:order` -> a made-up id). */
const concrete = (path: string) =>
  path.replace(/:([A-Za-z]+)/g, (_, name: string) => (name === "site" ? "dc-antwerp" : name === "item" ? "SKU-42" : `X-${name}`))

describe("positive controls", () => {
  it("a valid JWT (ERP) creates an order; the sender is the token's system", async () => {
    const token = await jwks.sign({ sub: "svc-erp", logimesh_system: "ERP" })
    const answer = await createOrder("SEC-JWT-OK", bearer(token))
    expect(answer.status).toBe(201)
    expect(await evidence.snapshot("order", "SEC-JWT-OK")).toBeDefined()
  })

  it("a valid API key (ERP) creates an order, by Authorization and by X-Api-Key", async () => {
    expect((await createOrder("SEC-KEY-OK", bearer(mesh.apiKeys.ERP))).status).toBe(201)
    expect((await createOrder("SEC-KEY-OK2", { "x-api-key": mesh.apiKeys.ERP })).status).toBe(201)
    expect(await evidence.snapshot("order", "SEC-KEY-OK2")).toBeDefined()
  })

  it("the topology's keys file is private to its owner (0600 in a 0700 directory)", () => {
    const file = apiKeysFilePath(mesh.topology.stateDir)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700)
  })

  it("health, readiness and the OpenAPI document answer without credentials; the admin key opens admin routes", async () => {
    for (const path of ["/healthz", "/readyz", "/v1/openapi.json"]) expect((await http(mesh.regionUrl, "GET", path)).status).toBe(200)
    for (const path of ["/v1/backlog", "/metrics", "/v1/parked", "/v1/governance/ownership-rejections", "/v1/sites/lag"]) {
      expect({ path, status: (await http(mesh.regionUrl, "GET", path, { headers: bearer(mesh.apiKeys.admin) })).status }).toEqual({ path, status: 200 })
    }
  })
})

describe("no or bad credentials: 401, nothing applied", () => {
  it("every non-public route without credentials answers 401 with WWW-Authenticate and one generic body", async () => {
    const before = await evidence.settled()
    const bodies = new Set<string>()
    for (const route of routeAccessTable.filter((r) => r.access !== "public")) {
      const answer = await http(mesh.regionUrl, route.method, concrete(route.path), route.method === "POST" ? { body: {} } : {})
      expect({ route: `${route.method} ${route.path}`, status: answer.status }).toEqual({ route: `${route.method} ${route.path}`, status: 401 })
      expect(answer.headers.get("www-authenticate")).toContain("Bearer")
      bodies.add(answer.text)
    }
    expect(bodies.size).toBe(1)
    expect(await evidence.settled()).toEqual(before)
  })

  it("an expired JWT", async () => {
    const token = await jwks.sign({}, { expiresIn: Math.floor(Date.now() / 1000) - 120 })
    await refusedWithoutEffect(401, "SEC-EXPIRED", () => createOrder("SEC-EXPIRED", bearer(token)))
  })

  it("a JWT for another audience", async () => {
    const token = await jwks.sign({}, { audience: "some-other-api" })
    await refusedWithoutEffect(401, "SEC-AUDIENCE", () => createOrder("SEC-AUDIENCE", bearer(token)))
  })

  it("a JWT of another issuer", async () => {
    const token = await jwks.sign({}, { issuer: "https://evil.example" })
    await refusedWithoutEffect(401, "SEC-ISSUER", () => createOrder("SEC-ISSUER", bearer(token)))
  })

  it("a JWT signed by a key the JWKS does not hold (under the published kid)", async () => {
    const token = await jwks.signWithRogueKey({ logimesh_roles: ["admin"] })
    await refusedWithoutEffect(401, "SEC-ROGUE", () => createOrder("SEC-ROGUE", bearer(token)))
  })

  it("an unsigned JWT (alg none)", async () => {
    const token = new UnsecuredJWT({ sub: "svc-erp", logimesh_system: "ERP" })
      .setIssuer("https://idp.logimesh.test")
      .setAudience("logimesh-eu-west")
      .setExpirationTime("1h")
      .encode()
    await refusedWithoutEffect(401, "SEC-NONE", () => createOrder("SEC-NONE", bearer(token)))
  })

  it("the refusals do not say which check failed", async () => {
    const expired = await jwks.sign({}, { expiresIn: Math.floor(Date.now() / 1000) - 120 })
    const rogue = await jwks.signWithRogueKey()
    const texts = new Set<string>()
    for (const headers of [{}, bearer(expired), bearer(rogue), bearer("lmk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]) {
      texts.add((await http(mesh.regionUrl, "GET", "/v1/orders/SEC-JWT-OK", { headers })).text)
    }
    expect(texts.size).toBe(1)
  })

  it("a revoked API key (accepted until it was revoked)", async () => {
    const issued = await withApiKeyStore(mesh.database.url, (store) => store.issue({ system: "ERP", admin: false, principal: "erp-revoked" }))
    expect((await createOrder("SEC-BEFORE-REVOKE", bearer(issued.key))).status).toBe(201)
    expect(await withApiKeyStore(mesh.database.url, (store) => store.revoke(issued.id))).toBe(true)
    // The region hears of the revocation by a Postgres notification (it had the key cached): milliseconds, not
    // zero. A read shows when it has, then the command is refused with nothing applied.
    await waitFor(
      "the revocation heard",
      async () => ((await http(mesh.regionUrl, "GET", "/v1/sites", { headers: bearer(issued.key) })).status === 401 ? true : undefined),
      { timeoutMs: 5_000 }
    )
    await refusedWithoutEffect(401, "SEC-REVOKED", () => createOrder("SEC-REVOKED", bearer(issued.key)))
  })

  it("a rotated API key: the old one is refused, the new one works", async () => {
    const issued = await withApiKeyStore(mesh.database.url, (store) => store.issue({ system: "ERP", admin: false, principal: "erp-rotated" }))
    const rotated = await withApiKeyStore(mesh.database.url, (store) => store.rotate(issued.id))
    expect(rotated?.principal.id).toBe("erp-rotated")
    await refusedWithoutEffect(401, "SEC-OLD-KEY", () => createOrder("SEC-OLD-KEY", bearer(issued.key)))
    expect((await createOrder("SEC-NEW-KEY", bearer(rotated?.key ?? ""))).status).toBe(201)
  })
})

describe("a spoofed sender", () => {
  it("a WES key with X-Source-System: ERP cannot create an order (403), nothing applied", async () => {
    const answer = await refusedWithoutEffect(403, "SEC-SPOOF", () =>
      createOrder("SEC-SPOOF", { ...bearer(mesh.apiKeys.WES["dc-rotterdam"] ?? ""), "x-source-system": "ERP" })
    )
    expect(JSON.stringify(answer)).not.toContain("SEC-SPOOF")
  })

  it("a WES key without the header is the WES: not the order's owner (403), nothing applied", async () => {
    await refusedWithoutEffect(403, "SEC-WES-CREATE", () => createOrder("SEC-WES-CREATE", bearer(mesh.apiKeys.WES["dc-rotterdam"] ?? "")))
  })

  it("a WES JWT with logimesh_system WES and X-Source-System: ERP is refused as well", async () => {
    const token = await jwks.sign({ sub: "wes-rtm", logimesh_system: "WES", logimesh_site: "dc-rotterdam" })
    await refusedWithoutEffect(403, "SEC-SPOOF-JWT", () => createOrder("SEC-SPOOF-JWT", { ...bearer(token), "x-source-system": "ERP" }))
  })
})

/** A request sent with its path exactly as written (fetch would resolve dot segments first). */
const rawRequest = (method: string, path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL(mesh.regionUrl)
    const request = httpRequest({ host: url.hostname, port: url.port, method, path, headers: { "content-type": "application/json" } }, (response) => {
      let body = ""
      response.on("data", (chunk) => (body += String(chunk)))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }))
    })
    request.on("error", reject)
    request.end(method === "POST" ? "{}" : undefined)
  })

describe("paths read apart by the access check and the router", () => {
  it("an admin route behind a public path (`;`, dot segments, encoded dots) is refused 400 without credentials; nothing applied", async () => {
    const attacks: ReadonlyArray<readonly [string, string]> = [
      ["GET", "/v1/parked;/../../healthz"],
      ["GET", "/v1/sites/lag;/../../../healthz"],
      ["GET", "/metrics;/../healthz"],
      ["GET", "/v1/backlog/%2e%2e/healthz"],
      ["POST", "/v1/parked/1/replay;/../../../../healthz"],
      ["POST", "/v1/reconciliation/repair;/../../healthz"],
      ["POST", "/v1/sites/reload;/../../healthz"]
    ]
    const before = await evidence.settled()
    for (const [method, path] of attacks) {
      const answer = await rawRequest(method, path)
      expect(answer.status, `${method} ${path}: ${answer.body.slice(0, 200)}`).toBe(400)
      expect(JSON.parse(answer.body)).toMatchObject({ status: 400, title: "malformed path" })
    }
    expect(await evidence.settled()).toEqual(before)
    // Control: the same requests without the trick reach the access check: 401.
    expect((await rawRequest("GET", "/v1/parked")).status).toBe(401)
    expect((await rawRequest("GET", "/healthz")).status).toBe(200)
  })
})

describe("admin routes", () => {
  it("a non-admin principal (ERP key, WES key, a JWT without the admin role) gets 403 on every admin route; nothing applied", async () => {
    const token = await jwks.sign({ sub: "svc-erp", logimesh_system: "ERP", logimesh_roles: ["reader"] })
    const callers = { ERP: bearer(mesh.apiKeys.ERP), WES: bearer(mesh.apiKeys.WES["dc-rotterdam"] ?? ""), JWT: bearer(token) }
    const admin = routeAccessTable.filter((r) => r.access === "admin")
    expect(admin.length).toBe(10)
    const before = await evidence.settled()
    for (const [who, headers] of Object.entries(callers)) {
      for (const route of admin) {
        const answer = await http(mesh.regionUrl, route.method, concrete(route.path).replace("X-id", "1"), {
          headers,
          ...(route.method === "POST" ? { body: {} } : {})
        })
        expect({ who, route: `${route.method} ${route.path}`, status: answer.status }).toEqual({ who, route: `${route.method} ${route.path}`, status: 403 })
      }
    }
    expect(await evidence.settled()).toEqual(before)
  })

  it("a JWT with the admin role reads an admin route (control)", async () => {
    const token = await jwks.sign({ sub: "ops", logimesh_system: "LOGIMESH", logimesh_roles: ["admin"] })
    expect((await http(mesh.regionUrl, "GET", "/v1/backlog", { headers: bearer(token) })).status).toBe(200)
    // An operator sends no commands: LOGIMESH is the region itself.
    await refusedWithoutEffect(403, "SEC-OPERATOR", () => createOrder("SEC-OPERATOR", bearer(token)))
  })
})
