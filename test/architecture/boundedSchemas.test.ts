/**
 * Every input a command can carry is bounded: in the OpenAPI document the
 * region serves (`GET /v1/openapi.json`), every string of every command
 * operation (body, path parameters, headers; through every `$ref`) has a
 * `maxLength` (or is an `enum` / `const`), and every array a `maxItems`. The
 * same holds for the JSON Schema of every command route (the schema the
 * region decodes with, `_tag` and `by` included). The walker is shown to
 * catch an unbounded string and array in a control schema first.
 */
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { commandTable, openApiDocument } from "@logimesh/region"

type Json = Record<string, unknown>

/** Paths of the unbounded strings and arrays under `node`, following `$ref`s through `resolve` (each once). */
const unboundedIn = (node: unknown, path: string, resolve: (ref: string) => unknown, seen: Set<string> = new Set()): ReadonlyArray<string> => {
  if (Array.isArray(node)) return node.flatMap((item, i) => unboundedIn(item, `${path}[${i}]`, resolve, seen))
  if (typeof node !== "object" || node === null) return []
  const schema = node as Json
  const found: Array<string> = []
  const ref = schema["$ref"]
  if (typeof ref === "string" && !seen.has(ref)) {
    seen.add(ref)
    found.push(...unboundedIn(resolve(ref), ref, resolve, seen))
  }
  const bounded = schema["enum"] !== undefined || schema["const"] !== undefined
  const types = Array.isArray(schema["type"]) ? (schema["type"] as ReadonlyArray<unknown>) : [schema["type"]]
  if (types.includes("string") && !bounded && typeof schema["maxLength"] !== "number") found.push(`${path}: string without maxLength`)
  if (types.includes("array") && typeof schema["maxItems"] !== "number") found.push(`${path}: array without maxItems`)
  for (const [key, value] of Object.entries(schema)) {
    if (key !== "$ref" && key !== "examples" && key !== "default") found.push(...unboundedIn(value, `${path}/${key}`, resolve, seen))
  }
  return found
}

/** A JSON pointer (`#/components/schemas/X`, `#/$defs/X`) resolved in `document`. */
const pointerIn = (document: Json) => (ref: string) =>
  ref
    .replace(/^#\//, "")
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<unknown>((at, part) => (typeof at === "object" && at !== null ? (at as Json)[part] : undefined), document)

/** The unbounded inputs of every command operation (those with a request body) of an OpenAPI document. */
const unboundedCommandInputs = (document: Json): ReadonlyArray<string> => {
  const resolve = pointerIn(document)
  return Object.entries(document["paths"] as Record<string, Record<string, Json>>).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([, operation]) => operation["requestBody"] !== undefined)
      .flatMap(([method, operation]) => [
        ...unboundedIn(operation["parameters"], `${method} ${path} parameters`, resolve),
        ...unboundedIn(operation["requestBody"], `${method} ${path} body`, resolve)
      ])
  )
}

/** The unbounded inputs of one Effect Schema, through its JSON Schema document. */
const unboundedInSchema = (schema: Schema.Top): ReadonlyArray<string> => {
  const document = Schema.toJsonSchemaDocument(schema) as unknown as { schema: Json; definitions?: Json }
  return unboundedIn(document.schema, "#", pointerIn({ $defs: document.definitions ?? {} }))
}

describe("bounded command inputs", () => {
  it("the walker finds an unbounded string and an unbounded array (control), through a $ref, and passes bounded ones", () => {
    const Note = Schema.String.annotate({ identifier: "Note" })
    const Control = Schema.Struct({
      id: Schema.String.pipe(Schema.check(Schema.isMaxLength(64))),
      kind: Schema.Literals(["a", "b"]),
      note: Note,
      tags: Schema.Array(Schema.String.pipe(Schema.check(Schema.isMaxLength(10))))
    })
    const found = unboundedInSchema(Control)
    expect(found).toHaveLength(2)
    expect(found.join("\n")).toMatch(/Note: string without maxLength/)
    expect(found.join("\n")).toMatch(/tags: array without maxItems/)

    const document: Json = {
      paths: {
        "/v1/x": {
          post: {
            parameters: [{ name: "Idempotency-Key", in: "header", schema: { type: "string" } }],
            requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/X" } } } }
          },
          get: { parameters: [{ name: "free", in: "query", schema: { type: "string" } }] }
        }
      },
      components: { schemas: { X: { type: "object", properties: { lines: { type: "array", maxItems: 5, items: { type: "string" } } } } } }
    }
    // a GET has no body: not a command, not counted
    expect(unboundedCommandInputs(document)).toEqual([
      "post /v1/x parameters[0]/schema: string without maxLength",
      "#/components/schemas/X/properties/lines/items: string without maxLength"
    ])
  })

  it("every string and array of every command operation in the OpenAPI document is bounded", () => {
    const document = openApiDocument()
    const operations = Object.values(document["paths"] as Record<string, Record<string, Json>>).flatMap((ops) =>
      Object.values(ops).filter((op) => op["requestBody"] !== undefined)
    )
    expect(operations).toHaveLength(commandTable.length)
    expect(unboundedCommandInputs(document)).toEqual([])
  })

  it("every command route's schema is bounded, and the order lines are capped", () => {
    for (const route of commandTable) expect({ route: route.path, unbounded: unboundedInSchema(route.schema) }).toEqual({ route: route.path, unbounded: [] })
    const createOrder = commandTable.find((route) => route.tag === "CreateOrder")
    expect(JSON.stringify(Schema.toJsonSchemaDocument(createOrder?.schema ?? Schema.Never))).toContain('"maxItems":1000')
  })
})
