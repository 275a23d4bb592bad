/**
 * One hop to every rule: the route table, the OpenAPI document and the
 * ownership vocabulary hold exactly what the module specs declare. Each check
 * is a list of problems, run first on a control that breaks it (a spec route
 * the table and the document lack, a catalogue with a pair no spec uses and
 * without one a spec uses), then on the real region.
 */
import { Exit } from "effect"
import { describe, expect, it } from "vitest"
import { allTransitions, type OwnedTransition } from "@logimesh/governance"
import { inventoryModule } from "@logimesh/inventory"
import type { CommandRoute, ModuleSurface } from "@logimesh/modulespec"
import { orderModule } from "@logimesh/order"
import { podModule } from "@logimesh/pod"
import { shipmentModule } from "@logimesh/shipment"
import { taskModule } from "@logimesh/task"
import { commandTable } from "../src/api/commandTable.ts"
import { openApiDocument } from "../src/api/OpenApiDocument.ts"
import { moduleCatalog, moduleSpecs } from "../src/modules/moduleCatalog.ts"

type Operation = { readonly operationId?: string; readonly tags?: ReadonlyArray<string>; readonly "x-logimesh-access"?: string }
type Doc = { readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>> }

/** A command operation: a POST that is not an operator route (those are the region's own, in no module spec). */
const commandPost = (operations: Readonly<Record<string, Operation>>) => {
  const post = operations["post"]
  return post !== undefined && post["x-logimesh-access"] !== "admin" ? post : undefined
}

const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, "{$1}")
const pairName = (t: OwnedTransition) => `${t.object}.${t.transition}`

/** Spec routes missing from the route table or the OpenAPI document, and operations of either that no spec declares. */
const routeProblems = (specs: ReadonlyArray<ModuleSurface>, table: ReadonlyArray<CommandRoute>, doc: Doc): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const declared = specs.flatMap((spec) => spec.routes.map((route) => ({ spec: spec.name, route })))
  for (const { spec, route } of declared) {
    const served = table.filter((r) => r.method === route.method && r.path === route.path)
    if (served.length !== 1 || served[0]?.module !== spec) problems.push(`route table: POST ${route.path} (${spec}) served ${served.length} times`)
    const operation = doc.paths[openApiPath(route.path)]?.["post"]
    if (operation === undefined) problems.push(`OpenAPI: no POST ${openApiPath(route.path)}`)
    else if (operation.operationId !== route.tag || operation.tags?.[0] !== spec)
      problems.push(`OpenAPI: POST ${openApiPath(route.path)} documents ${operation.operationId} of ${operation.tags?.[0]}`)
  }
  const paths = new Set(declared.map(({ route }) => route.path))
  for (const route of table) if (!paths.has(route.path)) problems.push(`route table: POST ${route.path} is in no spec`)
  for (const [path, operations] of Object.entries(doc.paths)) {
    if (commandPost(operations) !== undefined && !declared.some(({ route }) => openApiPath(route.path) === path))
      problems.push(`OpenAPI: POST ${path} is in no spec`)
  }
  if (table.length !== declared.length) problems.push(`route table: ${table.length} routes, the specs declare ${declared.length}`)
  return problems
}

/** Pairs the specs use (routes, transitions without a route) that the catalogue lacks, and catalogue pairs no spec uses. */
const ownershipProblems = (specs: ReadonlyArray<ModuleSurface>, catalogue: ReadonlyArray<OwnedTransition>): ReadonlyArray<string> => {
  const used = new Set(specs.flatMap((spec) => [...spec.routes.flatMap((route) => route.transitions), ...spec.unroutedTransitions]).map(pairName))
  const known = new Set(catalogue.map(pairName))
  return [
    ...[...used].filter((pair) => !known.has(pair)).map((pair) => `catalogue lacks ${pair}`),
    ...[...known].filter((pair) => !used.has(pair)).map((pair) => `no spec uses ${pair}`)
  ]
}

describe("module specs", () => {
  const doc = openApiDocument() as unknown as Doc
  const declared = moduleSpecs.flatMap((spec) => spec.routes).length

  it("control: a spec route the table and the document lack, a table route no spec declares, are each named", () => {
    const extra = { ...orderModule.routes[0]!, path: "/v1/orders/:order/hold" }
    const withExtra: ModuleSurface = { ...orderModule, routes: [...orderModule.routes, extra] }
    expect(routeProblems([withExtra, ...moduleSpecs.slice(1)], commandTable, doc)).toEqual([
      "route table: POST /v1/orders/:order/hold (order) served 0 times",
      "OpenAPI: no POST /v1/orders/{order}/hold",
      `route table: ${declared} routes, the specs declare ${declared + 1}`
    ])
    expect(
      routeProblems(
        moduleSpecs.filter((spec) => spec.name !== "pod"),
        commandTable,
        doc
      )
    ).toEqual([
      "route table: POST /v1/shipments/:shipment/pod is in no spec",
      "OpenAPI: POST /v1/shipments/{shipment}/pod is in no spec",
      `route table: ${declared} routes, the specs declare ${declared - podModule.routes.length}`
    ])
  })

  it("the route table and the OpenAPI document hold exactly the routes of the specs", () => {
    expect(routeProblems(moduleSpecs, commandTable, doc)).toEqual([])
    expect(commandTable.map((r) => r.path)).toEqual(moduleSpecs.flatMap((spec) => spec.routes.map((r) => r.path)))
    expect(Object.values(doc.paths).filter((operations) => commandPost(operations) !== undefined)).toHaveLength(declared)
    expect(declared).toBeGreaterThan(0)
  })

  it("control: a catalogue pair no spec uses, and a used pair the catalogue lacks, are each named", () => {
    const catalogue = [
      ...allTransitions.filter((t) => pairName(t) !== "Milestone.delay"),
      { object: "SalesOrder", transition: "rename" } as unknown as OwnedTransition
    ]
    expect(ownershipProblems(moduleSpecs, catalogue)).toEqual(["catalogue lacks Milestone.delay", "no spec uses SalesOrder.rename"])
  })

  it("the ownership catalogue is exactly the pairs the specs use, with routes or without", () => {
    expect(ownershipProblems(moduleSpecs, allTransitions)).toEqual([])
    // The pairs no route performs, each with how the module performs it.
    expect(moduleSpecs.flatMap((spec) => spec.unroutedTransitions.map(pairName)).sort()).toEqual([
      "InventoryAvailability.reserve",
      "InventoryAvailability.unreserve",
      "PickTask.short_pick",
      "ShipmentPlan.cancel",
      "ShipmentPlan.plan"
    ])
  })

  it("the region runs an engine for every spec's entity, and serves every module", () => {
    expect(moduleCatalog.map((m) => m.name).sort()).toEqual(moduleSpecs.map((spec) => spec.name).sort())
  })
})

describe("a route's decoded command", () => {
  const route = (path: string) => commandTable.find((r) => r.path === path)!
  const decoded = (path: string, input: Record<string, unknown>) => {
    const exit = route(path).decode({ by: "ERP", _tag: route(path).tag, ...input })
    if (Exit.isFailure(exit)) throw new Error(`${path}: ${String(exit.cause)}`)
    return { key: exit.value.key, order: exit.value.order, ownership: exit.value.ownership }
  }

  it("takes its key from the entity, its order from the module, its ownership from the route", () => {
    expect(decoded("/v1/orders/:order/release", { order: "SO-1" })).toEqual({
      key: "SO-1",
      order: "SO-1",
      ownership: { object: "SalesOrder", transition: "release", businessKey: "SO-1" }
    })
    expect(decoded("/v1/tasks/:task/confirm-pick", { task: "SO-1-L2", picked: { amount: "3", unit: "EA" }, location: "A-1" })).toEqual({
      key: "SO-1-L2",
      order: "SO-1",
      ownership: { object: "PickTask", transition: "confirm_pick", businessKey: "SO-1-L2" }
    })
    expect(decoded("/v1/shipments/:shipment/milestones", { shipment: "S-SO-1", milestone: "delayed", at: "2026-01-01T10:00:00Z" })).toEqual({
      key: "S-SO-1",
      order: "SO-1",
      ownership: { object: "Milestone", transition: "delay", businessKey: "S-SO-1" }
    })
    expect(decoded("/v1/inventory/:site/:item/count", { site: "dc-rotterdam", item: "SKU-42", onHand: { amount: "7", unit: "EA" } })).toEqual({
      key: "dc-rotterdam/SKU-42",
      order: undefined,
      ownership: { object: "InventoryAvailability", transition: "adjust", site: "dc-rotterdam", businessKey: "dc-rotterdam/SKU-42" }
    })
  })

  it("fails with the schema's error naming the field", () => {
    const exit = route("/v1/orders/:order/release").decode({ _tag: "ReleaseOrder", by: "ERP" })
    expect(Exit.isFailure(exit)).toBe(true)
    expect(String(Exit.isFailure(exit) ? exit.cause : "")).toContain("order")
  })
})

describe("id functions of the modules", () => {
  it("a shipment is S-<order>, read back to its order", () => {
    expect(shipmentModule.ids.shipmentIdOf("SO-1")).toBe("S-SO-1")
    expect(shipmentModule.ids.orderOfShipment(shipmentModule.ids.shipmentIdOf("S-9"))).toBe("S-9")
    expect(podModule.orderOf({ _tag: "CapturePod", shipment: "S-SO-1" } as never)).toBe("SO-1")
  })

  it("a pick task is <order>-L<line>, read back to its order; the order's task key pattern matches its tasks only", () => {
    expect(taskModule.ids.taskIdOf("SO-1", 12)).toBe("SO-1-L12")
    expect(taskModule.ids.orderOfTask(taskModule.ids.taskIdOf("SO-L1", 3))).toBe("SO-L1")
    const pattern = new RegExp(taskModule.ids.taskKeysOf("SO.1"))
    expect(["SO.1-L1", "SO.1-L12"].every((k) => pattern.test(k))).toBe(true)
    expect(["SOx1-L1", "SO.1-L1-L2", "SO.1-L", "SO.12-L1"].some((k) => pattern.test(k))).toBe(false)
  })

  it("an inventory key is <site>/<item>", () => {
    expect(inventoryModule.ids.inventoryKey("dc-rotterdam", "SKU-42")).toBe("dc-rotterdam/SKU-42")
  })
})
