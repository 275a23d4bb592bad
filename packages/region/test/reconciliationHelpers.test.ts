/**
 * The pure parts of reconciliation and the lag monitor: system of record of
 * a subject, order of a message, outbox id of a msg id, origin sequence of a
 * sourced message, the API's parameters, the outbox-retention rule for a
 * window, and the Prometheus lines.
 */
import { describe, expect, it } from "vitest"
import { prunedWindow } from "../src/reconciliation/ReconciliationReport.ts"
import { reconciliationParams } from "../src/reconciliation/ReconciliationRoutes.ts"
import { siteLagPrometheus, type SiteLagSnapshot } from "../src/reconciliation/SiteLagMonitor.ts"
import { orderOf, outboxIdOf, sourcedSequenceOf, systemOf, wesSiteOf } from "../src/reconciliation/systemOfRecord.ts"

describe("systemOf", () => {
  it("names the system of record of every sys subject", () => {
    expect(systemOf("sys.erp.fulfilment-progress")).toBe("erp")
    expect(systemOf("sys.dispatch.shipment-request")).toBe("dispatch")
    expect(systemOf("sys.customer.notification")).toBe("customer")
    expect(systemOf("sys.wes.dc-rotterdam.order-release")).toBe("wes:dc-rotterdam")
    expect(systemOf("sys.carrier.DHLX.tender")).toBe("carrier:DHLX")
    expect(systemOf("sys.billing.invoice")).toBe("other:billing")
    expect(systemOf("cmd.eu-west.order")).toBe("other")
    expect(wesSiteOf("wes:dc-antwerp")).toBe("dc-antwerp")
    expect(wesSiteOf("erp")).toBeUndefined()
  })
})

describe("orderOf", () => {
  it("reads the payload's order, else the order entity's key, else none", () => {
    expect(orderOf(JSON.stringify({ type: "tender", order: "SO-1", shipment: "S-SO-1" }), {})).toBe("SO-1")
    expect(orderOf(new TextEncoder().encode(JSON.stringify({ order: "SO-2" })), {})).toBe("SO-2")
    expect(orderOf('{"type":"x"}', { "Logimesh-Entity-Type": "order", "Logimesh-Entity-Key": "SO-3" })).toBe("SO-3")
    expect(orderOf('{"site":"dc-antwerp","item":"SKU-1"}', { "Logimesh-Entity-Type": "inventory", "Logimesh-Entity-Key": "dc-antwerp/SKU-1" })).toBeNull()
    expect(orderOf("not json", {})).toBeNull()
  })
})

describe("outboxIdOf", () => {
  it("accepts only <region>:<positive integer>", () => {
    expect(outboxIdOf("eu-west", "eu-west:42")).toBe("42")
    expect(outboxIdOf("eu-west", "eu-west:outcome:abc")).toBeUndefined()
    expect(outboxIdOf("eu-west", "eu-west:replay:7")).toBeUndefined()
    expect(outboxIdOf("eu-west", "eu-east:42")).toBeUndefined()
    expect(outboxIdOf("eu", "eu-west:42")).toBeUndefined()
    expect(outboxIdOf("eu-west", "eu-west:0")).toBeUndefined()
    expect(outboxIdOf("eu-west", "")).toBeUndefined()
  })
})

describe("sourcedSequenceOf", () => {
  it("reads the origin sequence of a Nats-Stream-Source header", () => {
    expect(sourcedSequenceOf("SITE_EVENTS:x1TzAtgz 73")).toBe(73)
    expect(sourcedSequenceOf("SITE_EVENTS 5 > >")).toBe(5)
    expect(sourcedSequenceOf("SITE_EVENTS")).toBeUndefined()
    expect(sourcedSequenceOf(undefined)).toBeUndefined()
  })
})

describe("reconciliationParams", () => {
  const now = new Date("2026-12-01T12:00:00Z")

  it("defaults to the last 24 hours", () => {
    const parsed = reconciliationParams(new URLSearchParams(), now)
    expect(parsed).toEqual({ params: { since: new Date("2026-11-30T12:00:00Z"), until: now } })
  })

  it("takes since, until, order, grace and the message cap", () => {
    const parsed = reconciliationParams(
      new URLSearchParams({ since: "2026-12-01T08:00:00Z", until: "2026-12-01T10:00:00+01:00", order: "SO-9", grace_s: "5", max_messages: "10" }),
      now
    )
    expect(parsed).toEqual({
      params: { since: new Date("2026-12-01T08:00:00Z"), until: new Date("2026-12-01T09:00:00Z"), order: "SO-9", graceMs: 5_000, maxMessages: 10 }
    })
  })

  it("names every bad parameter", () => {
    const parsed = reconciliationParams(new URLSearchParams({ since: "2026-12-02T00:00:00Z", order: "", grace_s: "x", max_messages: "0" }), now)
    expect("issues" in parsed && parsed.issues.map((i) => i.path).sort()).toEqual(["grace_s", "max_messages", "order", "since"])
  })
})

describe("siteLagPrometheus", () => {
  it("writes one gauge line per site and metric; an unknown lag is NaN", () => {
    const site = (id: string, lag: number | null, stalled: boolean) => ({
      site: id,
      reachable: lag !== null,
      site_last_seq: null,
      hub_sourced_seq: null,
      lag,
      hub_source_lag: 0,
      active_ms: stalled ? 40_000 : 500,
      consumer: null,
      stalled,
      since: "2026-12-01T12:00:00.000Z",
      reasons: [],
      problems: [],
      sampled_at: "2026-12-01T12:00:00.000Z"
    })
    const snapshot: SiteLagSnapshot = {
      region: "eu-west",
      sampled_at: "2026-12-01T12:00:00.000Z",
      interval_ms: 5_000,
      stalled_after_ms: 30_000,
      sites: [site("dc-antwerp", null, true), site("dc-rotterdam", 0, false)]
    }
    const lines = siteLagPrometheus(snapshot).trimEnd().split("\n")
    expect(lines.filter((l) => !l.startsWith("#"))).toEqual([
      'logimesh_site_source_lag{site="dc-antwerp"} NaN',
      'logimesh_site_source_lag{site="dc-rotterdam"} 0',
      'logimesh_site_source_stalled{site="dc-antwerp"} 1',
      'logimesh_site_source_stalled{site="dc-rotterdam"} 0',
      'logimesh_site_source_active_seconds{site="dc-antwerp"} 40',
      'logimesh_site_source_active_seconds{site="dc-rotterdam"} 0.5',
      'logimesh_site_reachable{site="dc-antwerp"} 0',
      'logimesh_site_reachable{site="dc-rotterdam"} 1'
    ])
    expect(lines.filter((l) => l.startsWith("# TYPE")).every((l) => l.endsWith(" gauge"))).toBe(true)
  })
})

describe("prunedWindow", () => {
  it("refuses a window that starts before the outbox horizon, and only that", () => {
    const prunedBefore = Date.parse("2026-12-01T00:00:00Z")
    expect(prunedWindow(new Date(prunedBefore), prunedBefore, 168)).toBeUndefined()
    const refused = prunedWindow(new Date(prunedBefore - 1), prunedBefore, 168)
    expect(refused?._tag).toBe("WindowPruned")
    expect(refused?.prunedBefore).toBe("2026-12-01T00:00:00.000Z")
    expect(refused?.message).toContain("168 h")
  })
})
