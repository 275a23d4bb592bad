/**
 * The stream plan derived from the real `sites/` folder: one SITE_EVENTS and
 * one DLQ per enabled site in its own domain, hub streams sourcing them, and
 * consumers whose limits are safe (FIELD-NOTES pitfalls 6 and 8).
 */
import { Duration, Effect } from "effect"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { enabledSites, HUB_DOMAIN, loadMeshConfig } from "@logimesh/config"
import { repoRoot } from "@logimesh/topology"
import { consumerDefaults, consumerProblems, meshStreamPlan, StreamNames } from "../src/StreamDefinitions.ts"
import { Subjects } from "../src/Subjects.ts"

const mesh = await Effect.runPromise(loadMeshConfig(join(repoRoot, "sites")))
const plan = meshStreamPlan(mesh)
const sites = enabledSites(mesh)

describe("meshStreamPlan", () => {
  it("puts SITE_EVENTS and DLQ in every enabled site's domain", () => {
    for (const site of sites) {
      const own = plan.streams.filter((s) => s.domain === site.id)
      expect(own.map((s) => s.name).sort()).toEqual([StreamNames.deadLetters, StreamNames.siteEvents])
      expect(own.find((s) => s.name === StreamNames.siteEvents)?.subjects).toEqual([Subjects.siteEvents(site.id)])
    }
  })

  it("sources every site stream into the hub", () => {
    const hub = plan.streams.find((s) => s.domain === HUB_DOMAIN && s.name === StreamNames.hubSiteEvents)
    expect(hub?.subjects).toEqual([])
    expect(hub?.sources).toEqual(sites.map((site) => ({ name: StreamNames.siteEvents, domain: site.id })))
  })

  it("uses Limits retention, max_age = maxOutageHours and duplicate_window from mesh.json everywhere", () => {
    for (const stream of plan.streams) {
      expect(stream.retention).toBe("limits")
      expect(Duration.toHours(stream.maxAge)).toBe(mesh.settings.maxOutageHours)
      expect(Duration.toSeconds(stream.duplicateWindow)).toBe(mesh.settings.duplicateWindowSeconds)
    }
  })

  it("never lets two domains capture the same subject", () => {
    const subjects = plan.streams.flatMap((s) => s.subjects)
    expect(new Set(subjects).size).toBe(subjects.length)
  })

  it("gives every enabled site one safe hub consumer", () => {
    expect(plan.consumers).toHaveLength(sites.length)
    for (const consumer of plan.consumers) {
      expect(consumerProblems(consumer)).toEqual([])
      expect(consumer.backoff.length).toBeLessThanOrEqual(consumer.maxDeliver)
      expect(consumer.deadLetterDomain).toBe(HUB_DOMAIN)
    }
  })

  it("reports unsafe consumer limits", () => {
    const base = plan.consumers[0]
    if (base === undefined) throw new Error("no consumer in plan")
    expect(consumerProblems({ ...base, maxDeliver: consumerDefaults.backoff.length - 1 })).toContain(
      "backoff has more entries than max_deliver"
    )
    expect(consumerProblems({ ...base, maxAckPending: 0 })).toContain("max_ack_pending must be a positive integer")
  })
})
