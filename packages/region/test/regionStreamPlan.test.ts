/**
 * The region's own streams (COMMANDS, EVENTS, SYSTEMS) are sized from
 * `streamLimits` in the repository's `sites/mesh.json`, refuse new messages
 * when full, and keep `max_age` = `maxOutageHours`.
 */
import { Duration, Effect } from "effect"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { loadMeshConfig } from "@logimesh/config"
import { repoRoot } from "@logimesh/topology"
import { regionStreamNames, regionStreamPlan } from "../src/modules/regionStreamPlan.ts"

const mesh = await Effect.runPromise(loadMeshConfig(join(repoRoot, "sites")))

describe("regionStreamPlan", () => {
  it("gives COMMANDS, EVENTS and SYSTEMS their limits from mesh.json, discard new; delivery notices discard old", () => {
    const plan = regionStreamPlan("eu-west", ["order"], mesh.settings, undefined)
    const names = regionStreamNames("eu-west")
    const limits = mesh.settings.streamLimits
    expect(plan.streams.map((s) => [s.name, s.maxMsgs, s.maxBytes / (1024 * 1024), s.discard, Duration.toHours(s.maxAge)])).toEqual([
      [names.commands, limits.regionCommands.maxMessages, limits.regionCommands.maxMegabytes, "new", mesh.settings.maxOutageHours],
      [names.events, limits.regionEvents.maxMessages, limits.regionEvents.maxMegabytes, "new", mesh.settings.maxOutageHours],
      [names.systems, limits.regionSystems.maxMessages, limits.regionSystems.maxMegabytes, "new", mesh.settings.maxOutageHours],
      ["DELIVERY_EXHAUSTED", limits.deliveryExhausted.maxMessages, limits.deliveryExhausted.maxMegabytes, "old", mesh.settings.maxOutageHours]
    ])
    // Every module consumer has its exhausted lane.
    expect(plan.consumers.map((c) => c.name)).toEqual(["eu-west_order", "eu-west_order_exhausted"])
    expect(plan.consumers[0]?.exhaustedStream).toBe("DELIVERY_EXHAUSTED")
  })
})
