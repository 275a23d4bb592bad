/**
 * The `/v1` command API over the local topology (hub, two site leaves behind
 * WAN proxies, the region process, Postgres):
 *   - every ownership rule: a non-owner gets a 403 problem+json for every command route, and the
 *     refusal is in the order's timeline (or, for stock counts, the ownership audit);
 *   - Idempotency-Key: the same command twice -> the same response and one effect; the same key
 *     with another body -> 422;
 *   - bad input (malformed JSON, unknown site, unknown item, wrong unit, missing caller, a command in
 *     the wrong state) -> 4xx problem+json naming the field or the state, and nothing applied.
 */
import { ssccFromPayload } from "@logimesh/model"
import { startTestTopology, type TestTopology } from "@logimesh/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api, orderBody } from "./apiClient.ts"

let mesh: TestTopology
let client: ReturnType<typeof api>

beforeAll(async () => {
  mesh = await startTestTopology("command-api")
  client = api(mesh.regionUrl, mesh.apiKeys)
}, 90_000)

afterAll(async () => {
  await mesh?.stop()
}, 60_000)

const waitFor = async <A>(what: string, probe: () => Promise<A | undefined>, timeoutMs = 15_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const timelineOf = async (order: string) => {
  const response = await client.get(`/v1/orders/${order}/timeline`)
  return (response.status === 200 ? response.body.timeline : []) as ReadonlyArray<{ kind: string; type: string; entity: string; key: string }>
}

const expectProblem = (response: { status: number; contentType: string; body: any }, status: number) => {
  expect(response.status).toBe(status)
  expect(response.contentType).toContain("application/problem+json")
  expect(response.body.status).toBe(status)
  expect(typeof response.body.title).toBe("string")
}

describe("ownership through the API", () => {
  const order = "OWN-1"
  const shipment = `S-${order}`
  const sscc = ssccFromPayload("03871234500000001")
  const at = "2026-12-02T10:00:00+01:00"
  const freight = { amount: "120.50", currency: "EUR" }
  /** [path, non-owner, body, the refused object.transition] — every command route of the API. */
  const refused: ReadonlyArray<readonly [string, string, unknown, string]> = [
    ["/v1/orders", "WES", orderBody(order), "SalesOrder.create"],
    [`/v1/orders/${order}/release`, "WES", {}, "SalesOrder.release"],
    [`/v1/orders/${order}/change`, "DISPATCH", { lines: [{ lineNumber: 1, quantity: { amount: "1", unit: "EA" } }] }, "SalesOrder.change"],
    [`/v1/orders/${order}/cancel`, "CARRIER", { reason: "customer asked" }, "SalesOrder.cancel"],
    [`/v1/tasks/${order}-L1/confirm-pick`, "ERP", { picked: { amount: "1", unit: "EA" }, location: "A-01-01" }, "PickTask.confirm_pick"],
    ["/v1/returns/RMA-OWN-1/authorize", "WES", { order, lines: [{ lineNumber: 1, quantity: { amount: "1", unit: "EA" } }] }, "ReturnAuthorization.authorize"],
    ["/v1/returns/RMA-OWN-1/receive", "ERP", { order, lines: [{ lineNumber: 1, quantity: { amount: "1", unit: "EA" } }] }, "ReturnAuthorization.receive"],
    [
      `/v1/shipments/${shipment}/cartons`,
      "DISPATCH",
      {
        sscc,
        weight: { amount: "3.2", unit: "KG" },
        dimensions: { length: { amount: "40", unit: "CM" }, width: { amount: "30", unit: "CM" }, height: { amount: "20", unit: "CM" } },
        contents: [{ lineNumber: 1, item: "SKU-42", quantity: { amount: "1", unit: "EA" } }]
      },
      "PickTask.pack_carton"
    ],
    [`/v1/shipments/${shipment}/complete-packing`, "ERP", {}, "PickTask.pack_carton"],
    [`/v1/shipments/${shipment}/tender`, "WES", { carrier: "DHLX", route: "RTM-AMS-1", freight }, "ShipmentPlan.tender"],
    [`/v1/shipments/${shipment}/tender-response`, "WES", { carrier: "DHLX", accepted: true }, "ShipmentPlan.assign_carrier"],
    [
      `/v1/shipments/${shipment}/revise`,
      "CARRIER",
      { carrier: "DHLX", route: "RTM-AMS-2", freight, deliveryCommitment: at, stagingLane: "LANE-3", loadingPriority: 2 },
      "ShipmentPlan.revise"
    ],
    [`/v1/shipments/${shipment}/confirm-load`, "DISPATCH", { dockDoor: "RTM-D10", ssccs: [sscc] }, "PickTask.pack_carton"],
    [`/v1/shipments/${shipment}/milestones`, "WES", { milestone: "departed", at }, "Milestone.depart"],
    [`/v1/shipments/${shipment}/pod`, "WES", { order, outcome: "delivered", receivedBy: "J. Jansen", at }, "ProofOfDelivery.capture"]
  ]

  it("refuses every command route to a non-owner with a 403 problem naming object, transition and owners", async () => {
    for (const [path, sender, body, transition] of refused) {
      const response = await client.post(path, sender, body)
      expect({ path, status: response.status }).toEqual({ path, status: 403 })
      expectProblem(response, 403)
      expect(`${response.body.object}.${response.body.transition}`).toBe(transition)
      expect(response.body.sender).toBe(sender)
      expect(response.body.owners).not.toContain(sender)
    }
  })

  it("records each refusal in the order's timeline, and nothing was applied", async () => {
    const timeline = await timelineOf(order)
    const rejections = timeline.filter((e) => e.kind === "ownership_rejection").map((e) => e.type)
    expect(rejections.sort()).toEqual(refused.map(([, , , t]) => t).sort())
    expect(timeline.filter((e) => e.kind !== "ownership_rejection")).toEqual([])
    expect((await client.get(`/v1/orders/${order}`)).status).toBe(404)
  })

  it("stock counts follow each site's inventory owner (WES at Rotterdam, ERP at Antwerp)", async () => {
    const count = { onHand: { amount: "100", unit: "EA" } }
    expectProblem(await client.post("/v1/inventory/dc-rotterdam/SKU-42/count", "ERP", count), 403)
    expectProblem(await client.post("/v1/inventory/dc-antwerp/SKU-42/count", "WES", count), 403)
    expect((await client.post("/v1/inventory/dc-rotterdam/SKU-42/count", "WES", count)).status).toBe(200)
    expect((await client.post("/v1/inventory/dc-antwerp/SKU-42/count", "ERP", count)).status).toBe(200)
    const audit = await client.get("/v1/governance/ownership-rejections")
    expect(audit.status).toBe(200)
    const keys = JSON.stringify(audit.body)
    expect(keys).toContain("dc-rotterdam/SKU-42")
    expect(keys).toContain("dc-antwerp/SKU-42")
  })
})

describe("Idempotency-Key", () => {
  it("the same create twice -> the same response and one OrderCreated; the same key with another body -> 422", async () => {
    const first = await client.post("/v1/orders", "ERP", orderBody("IDEM-1"), "erp-create-IDEM-1")
    const second = await client.post("/v1/orders", "ERP", orderBody("IDEM-1"), "erp-create-IDEM-1")
    expect(first.status).toBe(201)
    expect(second.status).toBe(201)
    expect(second.body).toEqual(first.body)
    const reused = await client.post("/v1/orders", "ERP", { ...orderBody("IDEM-1"), serviceLevel: "EXPRESS" }, "erp-create-IDEM-1")
    expectProblem(reused, 422)
    expect(reused.body.errors[0].path).toBe("header Idempotency-Key")
    expect((await timelineOf("IDEM-1")).filter((e) => e.type === "OrderCreated")).toHaveLength(1)
    // Without a key, a second create is a new request: the order exists, so it is refused by its state.
    const again = await client.post("/v1/orders", "ERP", orderBody("IDEM-1"))
    expectProblem(again, 409)
  })

  it("the same release twice -> one release, one pick task per line", async () => {
    const first = await client.post("/v1/orders/IDEM-1/release", "ERP", {}, "erp-release-IDEM-1")
    const second = await client.post("/v1/orders/IDEM-1/release", "ERP", {}, "erp-release-IDEM-1")
    expect(first.status).toBe(200)
    expect(second.body).toEqual(first.body)
    const timeline = await waitFor("both pick tasks and the shipment request", async () => {
      const t = await timelineOf("IDEM-1")
      return t.filter((e) => e.type === "TaskCreated").length >= 2 && t.some((e) => e.type === "ShipmentRequested") ? t : undefined
    })
    expect(timeline.filter((e) => e.type === "OrderReleased")).toHaveLength(1)
    expect(
      timeline
        .filter((e) => e.type === "TaskCreated")
        .map((e) => e.key)
        .sort()
    ).toEqual(["IDEM-1-L1", "IDEM-1-L2"])
    expect(timeline.filter((e) => e.type === "ShipmentRequested")).toHaveLength(1)
  })
})

describe("units at the edge", () => {
  it("weights in G and LB become KG before the order sees them, so the shipment's estimate adds up", async () => {
    const body = orderBody("UOM-1") as any
    body.lines[0].weight = { amount: "500", unit: "G" }
    body.lines[1].weight = { amount: "2", unit: "LB" }
    const created = await client.post("/v1/orders", "ERP", body)
    expect(created.status).toBe(201)
    expect(created.body.events[0].data.lines.map((l: any) => l.weight)).toEqual([
      { amount: "0.5", unit: "KG" },
      { amount: "0.90718474", unit: "KG" }
    ])
    expect((await client.post("/v1/orders/UOM-1/release", "ERP", {})).status).toBe(200)
    const shipment = await waitFor("the shipment request", async () => {
      const r = await client.get("/v1/shipments/S-UOM-1")
      return r.status === 200 ? r.body : undefined
    })
    expect(shipment.weightEstimate).toEqual({ amount: "1.40718474", unit: "KG" })
  })
})

describe("order timeline", () => {
  it("holds the order's own pick tasks, not those of an order whose id extends it", async () => {
    for (const order of ["TL-1", "TL-1-L1"]) {
      expect((await client.post("/v1/orders", "ERP", orderBody(order))).status).toBe(201)
      expect((await client.post(`/v1/orders/${order}/release`, "ERP", {})).status).toBe(200)
    }
    const tasks = await waitFor("TL-1's two pick tasks", async () => {
      const keys = (await timelineOf("TL-1")).filter((e) => e.entity === "task").map((e) => e.key)
      return keys.length >= 2 ? keys : undefined
    })
    await waitFor("TL-1-L1's pick tasks", async () => ((await timelineOf("TL-1-L1")).filter((e) => e.entity === "task").length >= 2 ? true : undefined))
    expect([...tasks].sort()).toEqual(["TL-1-L1", "TL-1-L2"])
    expect(
      (await timelineOf("TL-1"))
        .filter((e) => e.entity === "task")
        .map((e) => e.key)
        .sort()
    ).toEqual(["TL-1-L1", "TL-1-L2"])
  })
})

describe("bad input", () => {
  it("malformed JSON -> 400; no credentials -> 401 with WWW-Authenticate", async () => {
    const malformed = await client.postRaw("/v1/orders", "ERP", '{"order": ')
    expectProblem(malformed, 400)
    expect(malformed.body.title).toBe("malformed JSON")
    const anonymous = await client.post("/v1/orders", undefined, orderBody("BAD-0"))
    expectProblem(anonymous, 401)
    expect(anonymous.body.title).toBe("unauthenticated")
  })

  it("unknown site, unknown item, wrong unit -> 422 naming each field; nothing applied", async () => {
    const body = orderBody("BAD-1") as any
    body.shipFrom = "dc-atlantis"
    body.lines[0].item = "SKU-404"
    body.lines[1].quantity = { amount: "3", unit: "KG" }
    const response = await client.post("/v1/orders", "ERP", body)
    expectProblem(response, 422)
    const paths = (response.body.errors as ReadonlyArray<{ path: string; message: string }>).map((e) => e.path)
    expect(paths).toEqual(["shipFrom", "lines.0.item", "lines.1.quantity.unit"])
    expect(response.body.errors[0].message).toContain("dc-atlantis")
    const schemaError = await client.post("/v1/orders", "ERP", { ...orderBody("BAD-1"), serviceLevel: "TELEPORT", lines: [] })
    expectProblem(schemaError, 422)
    expect((schemaError.body.errors as ReadonlyArray<{ path: string }>).map((e) => e.path)).toEqual(expect.arrayContaining(["serviceLevel", "lines"]))
    expect((await client.get("/v1/orders/BAD-1")).status).toBe(404)
    expect(await timelineOf("BAD-1")).toEqual([])
  })

  it("a command in the wrong state -> 409 naming the state; the order is unchanged", async () => {
    expect((await client.post("/v1/orders", "ERP", orderBody("STATE-1"))).status).toBe(201)
    expect((await client.post("/v1/orders/STATE-1/release", "ERP", {})).status).toBe(200)
    await waitFor("the pick task", async () => ((await client.get("/v1/tasks/STATE-1-L1")).status === 200 ? true : undefined))
    const pick = await client.post("/v1/tasks/STATE-1-L1/confirm-pick", "WES", { picked: { amount: "24", unit: "EA" }, location: "A-01-01" })
    expect(pick.status).toBe(200)
    await waitFor("the order to record the pick", async () => ((await client.get("/v1/orders/STATE-1")).body.status === "picking" ? true : undefined))
    const before = await client.get("/v1/orders/STATE-1")
    const change = await client.post("/v1/orders/STATE-1/change", "ERP", { lines: [{ lineNumber: 1, quantity: { amount: "6", unit: "EA" } }] })
    expectProblem(change, 409)
    expect(change.body.state).toBe("picking")
    expect(change.body.title).toContain("picking")
    const after = await client.get("/v1/orders/STATE-1")
    expect(after.body.lines).toEqual(before.body.lines)
    const rejection = (await timelineOf("STATE-1")).filter((e) => e.kind === "rejection")
    expect(rejection.map((e) => e.type)).toEqual(["InvalidState"])
  })

  it("serves an OpenAPI 3.1 document whose every reference resolves", async () => {
    const response = await client.get("/v1/openapi.json")
    expect(response.status).toBe(200)
    expect(response.body.openapi).toBe("3.1.0")
    expect(Object.keys(response.body.paths)).toContain("/v1/shipments/{shipment}/pod")
    const refs = new Set<string>()
    const walk = (node: unknown): void => {
      if (typeof node !== "object" || node === null) return
      for (const [k, v] of Object.entries(node)) k === "$ref" ? refs.add(String(v)) : walk(v)
    }
    walk(response.body)
    expect(refs.size).toBeGreaterThan(5)
    for (const ref of refs) expect(response.body.components.schemas).toHaveProperty([ref.replace("#/components/schemas/", "")])
    const confirmPick = response.body.paths["/v1/tasks/{task}/confirm-pick"].post.requestBody.content["application/json"].schema
    expect(Object.keys(confirmPick.properties).sort()).toEqual(["location", "picked", "substituteItem"])
  })
})
