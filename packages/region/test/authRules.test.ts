/**
 * The pure rules of the region's auth module: which access each request
 * needs (`RouteAccess`), the principal a subject or a token's claims name,
 * API key parsing, and that every command route has an object-site rule.
 * The HTTP behaviour is tested end to end in test/security/.
 */
import { describe, expect, it } from "vitest"
import { openApiDocument } from "../src/api/OpenApiDocument.ts"
import { parseApiKey } from "../src/auth/ApiKeyStore.ts"
import { principalOfClaims } from "../src/auth/JwtVerifier.ts"
import { commandRoutesWithoutRule, querySiteRules } from "../src/auth/ObjectAccess.ts"
import { accessOf, routeAccessTable } from "../src/auth/RouteAccess.ts"
import { principalOfSubject } from "../src/auth/SubjectPrincipal.ts"

describe("route access", () => {
  it("health and the OpenAPI document are public; commands and queries need a principal; operator routes an admin", () => {
    expect(accessOf("GET", "/healthz")).toBe("public")
    expect(accessOf("GET", "/readyz")).toBe("public")
    expect(accessOf("GET", "/v1/openapi.json")).toBe("public")
    expect(accessOf("POST", "/v1/orders")).toBe("principal")
    expect(accessOf("GET", "/v1/orders/SO-1/timeline")).toBe("principal")
    for (const [method, path] of [
      ["GET", "/v1/parked"],
      ["GET", "/v1/parked/12"],
      ["POST", "/v1/parked/12/replay"],
      ["POST", "/v1/sites/reload"],
      ["GET", "/v1/sites/lag"],
      ["GET", "/v1/backlog"],
      ["GET", "/metrics"],
      ["GET", "/v1/reconciliation"],
      ["POST", "/v1/reconciliation/repair"],
      ["GET", "/v1/governance/ownership-rejections"]
    ] as const) {
      expect({ method, path, access: accessOf(method, path) }).toEqual({ method, path, access: "admin" })
    }
  })

  it("a spelling no row matches, another verb on an admin path, or HEAD never opens an operator route", () => {
    expect(accessOf("GET", "/v1/parked/")).toBe("admin")
    expect(accessOf("GET", "/v1//parked")).toBe("admin")
    expect(accessOf("GET", "/v1/%70arked")).toBe("admin")
    expect(accessOf("HEAD", "/v1/parked")).toBe("admin")
    expect(accessOf("DELETE", "/v1/parked/1")).toBe("admin")
    expect(accessOf("GET", "/v1/nothing-here")).toBe("admin")
  })

  it("every principal GET route has an object-site rule, and every command route too", () => {
    const queries = routeAccessTable.filter((r) => r.access === "principal" && r.method === "GET").map((r) => r.path)
    expect(queries.sort()).toEqual(Object.keys(querySiteRules).sort())
    expect(commandRoutesWithoutRule()).toEqual([])
  })
})

describe("the principal of a command message is its subject's", () => {
  it("a site's command subject names that site's WES; INGRESS names the central system", () => {
    expect(principalOfSubject("site.dc-antwerp.evt.command")).toEqual({ id: "wes@dc-antwerp", system: "WES", site: "dc-antwerp", admin: false })
    expect(principalOfSubject("in.dc-antwerp.erp")).toEqual({ id: "erp", system: "ERP", admin: false })
    expect(principalOfSubject("in.dc-antwerp.dispatch")).toEqual({ id: "dispatch", system: "DISPATCH", admin: false })
  })

  it("anything else names nobody", () => {
    for (const subject of [
      "in.dc-antwerp.wes",
      "in.dc-antwerp.toString",
      "in.dc-antwerp.constructor",
      "site.dc-antwerp.evt.other",
      "cmd.eu-west.order",
      "in..erp"
    ]) {
      expect({ subject, principal: principalOfSubject(subject) }).toEqual({ subject, principal: undefined })
    }
  })
})

describe("the principal a JWT's claims name", () => {
  it("system, site and the admin role", () => {
    expect(principalOfClaims({ sub: "a", logimesh_system: "WES", logimesh_site: "dc-antwerp" })).toEqual({
      id: "jwt:a",
      system: "WES",
      site: "dc-antwerp",
      admin: false
    })
    expect(principalOfClaims({ sub: "ops", logimesh_system: "LOGIMESH", logimesh_roles: ["admin"] })).toEqual({
      id: "jwt:ops",
      system: "LOGIMESH",
      admin: true
    })
  })

  it("refuses a WES without a site, an unknown system, a malformed site or roles, no sub", () => {
    expect(typeof principalOfClaims({ sub: "a", logimesh_system: "WES" })).toBe("string")
    expect(typeof principalOfClaims({ sub: "a", logimesh_system: "ROOT" })).toBe("string")
    expect(typeof principalOfClaims({ sub: "a", logimesh_system: "ERP", logimesh_site: "../x" })).toBe("string")
    expect(typeof principalOfClaims({ sub: "a", logimesh_system: "ERP", logimesh_roles: "admin" })).toBe("string")
    expect(typeof principalOfClaims({ logimesh_system: "ERP" })).toBe("string")
  })
})

describe("API keys", () => {
  it("parse as lmk_<16 hex>_<43 base64url> only", () => {
    const secret = "A".repeat(43)
    expect(parseApiKey(`lmk_0123456789abcdef_${secret}`)).toEqual({ id: "0123456789abcdef", secret })
    expect(parseApiKey(`lmk_0123456789abcdef_${secret}x`)).toBeUndefined()
    expect(parseApiKey(`lmk_0123456789ABCDEF_${secret}`)).toBeUndefined()
    expect(parseApiKey("Bearer something")).toBeUndefined()
  })
})

describe("the OpenAPI document", () => {
  const doc = openApiDocument() as {
    readonly paths: Readonly<Record<string, Readonly<Record<string, { readonly security?: ReadonlyArray<unknown>; readonly "x-logimesh-access"?: string }>>>>
    readonly components: { readonly securitySchemes: Readonly<Record<string, unknown>> }
  }

  it("declares the bearer JWT, bearer API key and X-Api-Key schemes", () => {
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["apiKey", "bearerApiKey", "bearerJwt"])
  })

  it("lists every route of the access table with its security; admin routes say so", () => {
    for (const route of routeAccessTable) {
      const operation = doc.paths[route.path.replace(/:([A-Za-z]+)/g, "{$1}")]?.[route.method.toLowerCase()]
      expect({ route: `${route.method} ${route.path}`, listed: operation !== undefined }).toEqual({ route: `${route.method} ${route.path}`, listed: true })
      expect(operation?.security?.length ?? -1).toBe(route.access === "public" ? 0 : 3)
      if (route.access === "admin") expect(operation?.["x-logimesh-access"]).toBe("admin")
    }
    const operations = Object.values(doc.paths).flatMap((ops) => Object.values(ops))
    expect(operations.every((op) => Array.isArray(op.security))).toBe(true)
  })
})
