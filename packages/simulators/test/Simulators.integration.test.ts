/**
 * The four simulated systems end to end against the real local topology (a
 * NATS hub, one leaf per site behind its WAN proxy — each WES reads the
 * SYSTEMS stream across its leafnode link — the region process with its five
 * modules, Postgres): every order reaches the final state its plan expects,
 * every planned exception is observed, retries and duplicate sends keep one
 * effect and the same answer, nothing is parked.
 */
import { natsAuthOptions } from "@logimesh/bus"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runScenario, scenarioSucceeded } from "../src/runScenario.ts"
import { isValidSscc } from "../src/SsccFactory.ts"
import { EXCEPTION_KINDS } from "../src/Knobs.ts"
import { startTestTopology, type TestTopology } from "@logimesh/testkit"

const SITES = ["dc-rotterdam", "dc-antwerp"]

describe("simulators against the region (local topology: hub, two leaves, region, Postgres)", () => {
  let mesh: TestTopology

  beforeAll(async () => {
    mesh = await startTestTopology("simulators")
  }, 90_000)

  afterAll(async () => {
    await mesh?.stop()
  }, 60_000)

  it("drives every order to its planned end, every exception included", async () => {
    const orders = 40
    const summary = await runScenario({
      apiUrl: mesh.regionUrl,
      apiKeys: mesh.apiKeys,
      hubNatsUrl: mesh.hubUrl,
      leafNatsUrls: mesh.leafUrls,
      natsAuth: (user) => natsAuthOptions(mesh.topology.natsCredentials(user)),
      region: "eu-west",
      sites: SITES,
      orders,
      seed: 5,
      exceptions: Object.fromEntries(EXCEPTION_KINDS.map((k) => [k, 0.1])),
      duplicateRate: 0.2,
      failureRate: 0.1,
      latencyMs: [0, 3],
      ratePerSecond: 40,
      holdMs: 10_000,
      legMs: 20,
      timeoutMs: 45_000
    })
    expect(summary.problems).toEqual([])
    expect(summary.completed).toBe(orders)
    expect(summary.unexplained_parked).toBe(0)
    expect(scenarioSucceeded(summary)).toBe(true)
    for (const kind of EXCEPTION_KINDS) {
      expect(summary.per_exception[kind].planned, kind).toBe(4)
      expect(summary.per_exception[kind].observed, kind).toBe(4)
    }
    expect(summary.exceptions).toBeGreaterThan(0)
    expect(summary.p50_order_ms).not.toBeNull()
    expect(summary.duplicate_mismatches).toEqual([])
    const api = Object.values(summary.api)
    expect(api.reduce((s, a) => s + a.duplicatesMatched, 0)).toBeGreaterThan(0)
    expect(api.reduce((s, a) => s + a.simulatedFailures, 0)).toBeGreaterThan(0)
    // every carton SSCC valid and unique; each loaded shipment loaded all of its cartons
    const cartons = Object.values(summary.views.wes).flatMap((views) => views.flatMap((v) => v.cartons.map((c) => c.sscc)))
    expect(cartons.length).toBeGreaterThan(0)
    expect(cartons.every(isValidSscc)).toBe(true)
    expect(new Set(cartons).size).toBe(cartons.length)
    for (const views of Object.values(summary.views.wes)) {
      for (const v of views) if (v.loaded !== undefined) expect([...v.loaded.ssccs].sort()).toEqual(v.cartons.map((c) => c.sscc).sort())
    }
    // the region sent every system message once: no system saw a message id twice except on a redelivery
    const consumers = Object.entries(summary.consumers)
    expect(consumers.length).toBeGreaterThanOrEqual(5)
    for (const [name, stats] of consumers) {
      expect(stats?.received, name).toBeGreaterThan(0)
      expect(stats?.republished, name).toBe(0)
    }
    // every WES command travelled through its site's own leaf (SITE_EVENTS) and was answered through SITE_COMMANDS
    const channels = Object.entries(summary.site_channels)
    expect(channels.length).toBe(2)
    for (const [site, channel] of channels) {
      expect(channel.sent, site).toBeGreaterThan(0)
      expect(channel.answers, site).toBeGreaterThan(0)
      expect(summary.api[`WES ${site}`]?.calls, site).toBeGreaterThan(0)
    }
    expect(summary.simulator_errors).toEqual([])
  }, 90_000)
})
