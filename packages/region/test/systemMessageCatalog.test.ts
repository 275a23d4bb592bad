/**
 * The catalog of system messages: every message type the flows send has a
 * name, a schema and a JSON Schema; subjects map to their (system, type);
 * variants of one name decode as a union (and a payload matching no variant
 * is refused). Real messages round-trip through these schemas in
 * test/flow/orderToDelivery.test.ts.
 */
import { Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { systemMessageAddress, systemMessageJsonSchemas, systemMessageSchemaOf, systemMessageSchemas } from "../src/flows/systemMessageCatalog.ts"

describe("system message catalog", () => {
  it("names every message type the flows send", () => {
    expect([...systemMessageSchemas.keys()].sort()).toEqual([
      "carrier/tender@1",
      "customer/notification@1",
      "dispatch/delivery-failed@1",
      "dispatch/load-confirmed@1",
      "dispatch/ready-to-ship@1",
      "dispatch/shipment-cancelled@1",
      "dispatch/shipment-request@1",
      "dispatch/tender-accepted@1",
      "dispatch/tender-rejected@1",
      "erp/credit-trigger@1",
      "erp/delivery-failed@1",
      "erp/freight-updated@1",
      "erp/fulfilment-progress@1",
      "erp/inventory-mismatch@1",
      "erp/order-cancelled@1",
      "erp/pod-attached@1",
      "erp/shipment-confirmed@1",
      "wes/labels-revised@1",
      "wes/order-cancelled@1",
      "wes/order-change@1",
      "wes/order-release@1",
      "wes/put-away@1",
      "wes/return-expected@1"
    ])
  })

  it("reads (system, type) from a subject, and nothing from a subject that is not a system message", () => {
    expect(systemMessageAddress("sys.erp.credit-trigger")).toEqual({ system: "erp", type: "credit-trigger" })
    expect(systemMessageAddress("sys.wes.dc-rotterdam.order-release")).toEqual({ system: "wes", type: "order-release" })
    expect(systemMessageAddress("sys.carrier.DHLX.tender")).toEqual({ system: "carrier", type: "tender" })
    expect(systemMessageAddress("sys.wes.order-release")).toBeUndefined()
    expect(systemMessageAddress("cmd.eu-west.order")).toBeUndefined()
    expect(systemMessageSchemaOf("sys.erp.credit-trigger", 2)).toBeUndefined()
  })

  it("decodes each variant of a shared name, and refuses a payload of none", () => {
    const notification = systemMessageSchemaOf("sys.customer.notification", 1)!
    const decode = Schema.decodeUnknownResult(notification)
    expect(Result.isSuccess(decode({ type: "notification", kind: "shipped", order: "SO-1", shipment: "S-SO-1", carrier: "DHLX" }))).toBe(true)
    expect(Result.isSuccess(decode({ type: "notification", kind: "delayed", order: "SO-1", shipment: "S-SO-1" }))).toBe(true)
    expect(Result.isSuccess(decode({ type: "notification", kind: "delivered", order: "SO-1", shipment: "S-SO-1", pod: "POD-S-SO-1-1" }))).toBe(true)
    // Control: a kind no variant has, and a shipped one without its carrier.
    expect(Result.isFailure(decode({ type: "notification", kind: "lost", order: "SO-1", shipment: "S-SO-1" }))).toBe(true)
    expect(Result.isFailure(decode({ type: "notification", kind: "shipped", order: "SO-1", shipment: "S-SO-1" }))).toBe(true)
  })

  it("exports a standalone JSON Schema per name: the message's type required, every $ref resolved in its own $defs", () => {
    const schemas = systemMessageJsonSchemas() as Record<string, Record<string, unknown>>
    expect(Object.keys(schemas)).toHaveLength(systemMessageSchemas.size)
    const refsOf = (node: unknown): Array<string> =>
      Array.isArray(node)
        ? node.flatMap(refsOf)
        : typeof node === "object" && node !== null
          ? Object.entries(node).flatMap(([k, v]) => (k === "$ref" && typeof v === "string" ? [v] : refsOf(v)))
          : []
    for (const [name, schema] of Object.entries(schemas)) {
      expect(schema["$schema"], name).toBe("https://json-schema.org/draft/2020-12/schema")
      const required = (schema["required"] ?? (schema["anyOf"] as Array<Record<string, unknown>> | undefined)?.[0]?.["required"]) as Array<string>
      expect(required, name).toContain("type")
      const defs = (schema["$defs"] ?? {}) as Record<string, unknown>
      for (const ref of refsOf(schema)) {
        expect(ref.startsWith("#/$defs/"), `${name}: ${ref}`).toBe(true)
        const key = ref.slice("#/$defs/".length).replaceAll("~1", "/").replaceAll("~0", "~")
        expect(defs[key], `${name}: ${ref}`).toBeDefined()
      }
    }
    expect(JSON.stringify(schemas["wes/order-release@1"])).toContain("tasks")
  })
})
