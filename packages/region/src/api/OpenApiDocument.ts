/**
 * The OpenAPI 3.1 document of the `/v1` API, generated from the same Effect
 * Schemas the command routes decode with (so the document cannot drift from
 * what is enforced). The request body of a command is its schema without
 * `_tag`, `by` (the authenticated principal's system) and the path-parameter fields.
 * Every route of `auth/RouteAccess.ts` is listed with its `security`: public
 * ones none, the others a bearer JWT, a bearer API key or `X-Api-Key`;
 * operator routes say they need an admin principal (`x-logimesh-access: admin`).
 */
import { Schema } from "effect"
import { definedFields, TextLimits } from "@logimesh/model"
import { type Access, routeAccessTable } from "../auth/RouteAccess.ts"
import { commandTable } from "./commandTable.ts"
import { CORRELATION_ID_MAX_LENGTH, correlationIdFormat, IDEMPOTENCY_KEY_MAX_LENGTH, idempotencyKeyFormat } from "./RequestBounds.ts"

type JsonObject = Record<string, unknown>

const problem = { description: "RFC 9457 problem", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } }

/** Every path parameter is an id (order, shipment, task, return, site, item). */
const pathParameter = { type: "string", maxLength: TextLimits.id }

const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, "{$1}")

/** JSON Schema definition name -> OpenAPI component name (no "/": `logimesh/task/X` -> `logimesh.task.X`). */
const componentName = (name: string) => name.replace(/\//g, ".")
const pointerName = (ref: string) => (ref.split("/").pop() ?? "").replace(/~1/g, "/").replace(/~0/g, "~")

/** Rewrites every `#/$defs/<name>` reference to `#/components/schemas/<component name>`. */
const rewriteRefs = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(rewriteRefs)
  if (typeof node !== "object" || node === null) return node
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) =>
      k === "$ref" && typeof v === "string" && v.startsWith("#/$defs/") ? [k, `#/components/schemas/${componentName(pointerName(v))}`] : [k, rewriteRefs(v)]
    )
  )
}

const bodySchema = (schema: Schema.Top, omit: ReadonlyArray<string>): { schema: JsonObject; defs: JsonObject } => {
  const document = Schema.toJsonSchemaDocument(schema) as unknown as { schema: JsonObject; definitions?: JsonObject }
  const defs: JsonObject = Object.fromEntries(Object.entries(document.definitions ?? {}).map(([name, def]) => [componentName(name), rewriteRefs(def)]))
  const strip = (node: JsonObject): JsonObject => {
    const properties = node["properties"] as JsonObject | undefined
    if (properties === undefined) return node
    const kept = Object.fromEntries(Object.entries(properties).filter(([k]) => !omit.includes(k)))
    const required = (node["required"] as ReadonlyArray<string> | undefined)?.filter((k) => !omit.includes(k))
    return { ...node, properties: kept, ...definedFields({ required }) }
  }
  let root = rewriteRefs(document.schema) as JsonObject
  const ref = document.schema["$ref"]
  if (typeof ref === "string") {
    const target = defs[componentName(pointerName(ref))] as JsonObject | undefined
    if (target !== undefined) root = target
  }
  return { schema: strip(root), defs }
}

export const openApiDocument = (): JsonObject => {
  const paths: Record<string, JsonObject> = {}
  let schemas: JsonObject = {
    Problem: {
      type: "object",
      properties: {
        type: { type: "string" },
        title: { type: "string" },
        status: { type: "integer" },
        detail: { type: "string" },
        errors: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } }
      }
    }
  }
  for (const route of commandTable) {
    const params = Object.keys(route.pathFields)
    const { schema, defs } = bodySchema(route.schema, ["_tag", "by", ...Object.values(route.pathFields)])
    schemas = { ...schemas, ...defs }
    paths[openApiPath(route.path)] = {
      [route.method.toLowerCase()]: {
        operationId: route.tag,
        summary: route.summary,
        tags: [route.module],
        parameters: [
          ...params.map((name) => ({ name, in: "path", required: true, schema: pathParameter })),
          {
            name: "X-Source-System",
            in: "header",
            required: false,
            description: "not needed: the sender is the authenticated principal's system; a different value is refused (403)",
            schema: { type: "string", enum: ["ERP", "WES", "DISPATCH", "CARRIER", "PORTAL"] }
          },
          {
            name: "Idempotency-Key",
            in: "header",
            required: false,
            schema: { type: "string", minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH, pattern: idempotencyKeyFormat.source }
          },
          {
            name: "X-Correlation-Id",
            in: "header",
            required: false,
            schema: { type: "string", minLength: 1, maxLength: CORRELATION_ID_MAX_LENGTH, pattern: correlationIdFormat.source }
          }
        ],
        requestBody: { required: true, content: { "application/json": { schema } } },
        responses: {
          [route.created === true ? "201" : "200"]: { description: "applied (or unchanged: a replay); the events it caused" },
          "202": { description: "accepted, not committed within the wait; repeat with the same Idempotency-Key" },
          "400": problem,
          "401": problem,
          "403": problem,
          "404": { ...problem, description: "an object of a site the principal is not confined to (answered as if it did not exist)" },
          "409": problem,
          "413": problem,
          "415": problem,
          "422": problem,
          "429": problem,
          "503": problem
        }
      }
    }
  }
  const get = (summary: string, params: ReadonlyArray<string>) => ({
    get: {
      summary,
      parameters: params.map((name) => ({ name, in: "path", required: true, schema: pathParameter })),
      responses: { "200": { description: "found" }, "401": problem, "404": problem, "429": problem, "503": problem }
    }
  })
  paths["/v1/orders/{order}"] = { ...paths["/v1/orders/{order}"], ...get("order status", ["order"]) }
  paths["/v1/orders/{order}/timeline"] = get("order timeline", ["order"])
  paths["/v1/shipments/{shipment}"] = { ...paths["/v1/shipments/{shipment}"], ...get("shipment status", ["shipment"]) }
  paths["/v1/tasks/{task}"] = get("pick task status", ["task"])
  paths["/v1/inventory/{site}/{item}"] = get("available to promise", ["site", "item"])
  for (const route of routeAccessTable) {
    const path = openApiPath(route.path)
    const method = route.method.toLowerCase()
    const entry = (paths[path] ?? {}) as Record<string, JsonObject>
    const params = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] ?? "")
    const operation: JsonObject = entry[method] ?? {
      summary: otherSummaries[`${route.method} ${path}`] ?? route.path,
      parameters: params.map((name) => ({ name, in: "path", required: true, schema: pathParameter })),
      responses: { "200": { description: "ok" }, "401": problem, "429": problem, "503": problem }
    }
    entry[method] = withSecurity(operation, route.access)
    paths[path] = entry
  }
  return {
    openapi: "3.1.0",
    info: { title: "logimesh region API", version: "1.0.0" },
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerJwt: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "a token of the region's issuer (auth.jwt in region.json)" },
        bearerApiKey: { type: "http", scheme: "bearer", bearerFormat: "lmk_<id>_<secret>", description: "an API key (npm run credentials)" },
        apiKey: { type: "apiKey", in: "header", name: "X-Api-Key", description: "an API key, for clients that cannot set Authorization" }
      }
    }
  }
}

const authenticated = [{ bearerJwt: [] }, { bearerApiKey: [] }, { apiKey: [] }]

const withSecurity = (operation: JsonObject, access: Access): JsonObject => {
  if (access === "public") return { ...operation, security: [] }
  const responses = operation["responses"] as JsonObject
  return {
    ...operation,
    security: authenticated,
    "x-logimesh-access": access,
    ...(access === "admin"
      ? { description: "Operator route: needs an admin principal (API key issued with --admin, or a JWT with the admin role); others get 403." }
      : {}),
    responses: { ...responses, "401": problem, ...(access === "admin" ? { "403": problem } : {}) }
  }
}

const otherSummaries: Readonly<Record<string, string>> = {
  "GET /healthz": "liveness (public)",
  "GET /readyz": "readiness: NATS and Postgres reachable (public)",
  "GET /v1/openapi.json": "this document (public)",
  "GET /v1/system-messages.json": "JSON Schema of every message logimesh sends to outside systems",
  "GET /v1/sites": "the sites served (a site-confined principal sees its own)",
  "POST /v1/sites/reload": "read sites/ again (admin)",
  "GET /v1/sites/lag": "per-site source lag (admin)",
  "GET /v1/parked": "parked messages (admin)",
  "GET /v1/parked/{id}": "one parked message (admin)",
  "POST /v1/parked/{id}/replay": "replay a parked message once (admin)",
  "GET /v1/governance/ownership-rejections": "changes refused for ownership (admin)",
  "GET /v1/backlog": "backlog, drain rate and catch-up ETA per consumer (admin)",
  "GET /metrics": "Prometheus metrics (admin)",
  "GET /v1/reconciliation": "reconciliation report (admin)",
  "POST /v1/reconciliation/repair": "re-publish verified gaps from the outbox (admin)"
}
