/**
 * How a run judges each order: completed when it reached the planned final
 * state with every planned exception seen; explained when it deviated only
 * because the region rejected the exception's own action; else unexplained.
 */
import { describe, expect, it } from "vitest"
import type { Rejection } from "../src/ApiClient.ts"
import type { ErpOrderView } from "../src/ErpSimulator.ts"
import { QUIET_EXCEPTIONS } from "../src/Knobs.ts"
import { classifyOrder, type OrderEvidence } from "../src/runScenario.ts"
import { type OrderPlan, planScenario } from "../src/Scenario.ts"

const base = planScenario({ orders: 1, seed: 1, sites: ["dc-rotterdam"], rates: QUIET_EXCEPTIONS, nowMs: Date.UTC(2025, 0, 6) }).orders[0]!

const erpView = (plan: OrderPlan, patch: Partial<ErpOrderView>): ErpOrderView => ({
  order: plan.order,
  site: plan.site,
  exceptions: plan.exceptions,
  expectedFinal: plan.expectedFinal,
  createdAtMs: 1_000,
  status: "delivered",
  created: true,
  released: true,
  confirmation: undefined,
  picked: undefined,
  readyToShip: undefined,
  freight: undefined,
  invoicedAt: "2025-01-06T10:00:00Z",
  pod: "POD-x-1",
  deliveryFailures: 0,
  credits: [],
  cancelled: undefined,
  changed: false,
  returnAuthorized: false,
  final: "delivered",
  finishedAtMs: 1_900,
  received: [],
  rejections: [],
  notes: [],
  ...patch
})

const evidence = (plan: OrderPlan, erp: ErpOrderView | undefined, rejectedActions: ReadonlyArray<string> = []): OrderEvidence => ({
  plan,
  erp,
  wes: undefined,
  dispatch: undefined,
  mismatchSeen: false,
  rejectedActions: new Set(rejectedActions)
})

const rejection = (action: string): Rejection => ({
  system: "ERP",
  action,
  path: "/p",
  status: 409,
  title: 'not allowed in state "loaded"',
  detail: "",
  correlationId: base.order,
  idempotencyKey: "k",
  at: ""
})

describe("classifyOrder", () => {
  it("a delivered plain order is completed, with its duration", () => {
    const r = classifyOrder(evidence(base, erpView(base, {})))
    expect(r).toMatchObject({ outcome: "completed", final: "delivered", durationMs: 900, observed: [] })
  })

  it("an order that never became final is unexplained", () => {
    const r = classifyOrder(evidence(base, erpView(base, { final: undefined, finishedAtMs: undefined, status: "shipped" })))
    expect(r.outcome).toBe("unexplained")
    expect(r.why[0]).toContain("not final (ERP status shipped)")
    expect(classifyOrder(evidence(base, undefined)).outcome).toBe("unexplained")
  })

  it("a cancel the region refused (too late) that ends delivered is explained", () => {
    const plan: OrderPlan = { ...base, exceptions: ["cancel_after_pick"], expectedFinal: "cancelled" }
    const view = erpView(plan, { rejections: [rejection("cancel-order")] })
    expect(classifyOrder(evidence(plan, view, ["cancel-order"]))).toMatchObject({ outcome: "explained", final: "delivered" })
    expect(classifyOrder(evidence(plan, view, [])).outcome).toBe("unexplained")
  })

  it("a cancelled order observes its cancel; a planned exception not seen is unexplained", () => {
    const plan: OrderPlan = { ...base, exceptions: ["cancel_before_pick"], expectedFinal: "cancelled" }
    const view = erpView(plan, { final: "cancelled", status: "cancelled", cancelled: { reason: "r", afterPick: false } })
    expect(classifyOrder(evidence(plan, view))).toMatchObject({ outcome: "completed", observed: ["cancel_before_pick"] })
    const failing: OrderPlan = { ...base, exceptions: ["failed_delivery"] }
    expect(classifyOrder(evidence(failing, erpView(failing, {}))).outcome).toBe("unexplained")
    expect(classifyOrder(evidence(failing, erpView(failing, { deliveryFailures: 1 }))).outcome).toBe("completed")
  })
})
