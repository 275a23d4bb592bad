/**
 * The OpenAPI 3.1 document of the `/v1` API, generated from the same Effect
 * Schemas the command routes decode with (so the document cannot drift from
 * what is enforced). The request body of a command is its schema without
 * `_tag`, `by` (from `X-Source-System`) and the path-parameter fields.
 */
import { Schema } from "effect"
import { commandTable } from "./commandTable.ts"
import { definedFields, TextLimits } from "@logimesh/model"
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
          { name: "X-Source-System", in: "header", required: true, schema: { type: "string", enum: ["ERP", "WES", "DISPATCH", "CARRIER", "PORTAL"] } },
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
          "403": problem,
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
      responses: { "200": { description: "found" }, "404": problem, "503": problem }
    }
  })
  paths["/v1/orders/{order}"] = { ...paths["/v1/orders/{order}"], ...get("order status", ["order"]) }
  paths["/v1/orders/{order}/timeline"] = get("order timeline", ["order"])
  paths["/v1/shipments/{shipment}"] = { ...paths["/v1/shipments/{shipment}"], ...get("shipment status", ["shipment"]) }
  paths["/v1/tasks/{task}"] = get("pick task status", ["task"])
  paths["/v1/inventory/{site}/{item}"] = get("available to promise", ["site", "item"])
  return {
    openapi: "3.1.0",
    info: { title: "logimesh region API", version: "1.0.0" },
    paths,
    components: { schemas }
  }
}
