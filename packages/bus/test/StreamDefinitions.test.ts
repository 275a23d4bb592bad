/**
 * The stream plan derived from the real `sites/` folder: SITE_EVENTS, DLQ and
 * SITE_COMMANDS per enabled site in its own domain, hub streams sourcing
 * them, INGRESS, and consumers whose limits are safe (positive `max_deliver`
 * and `max_ack_pending`, a `backoff` list no longer than `max_deliver`).
 */
import { Duration, Effect } from "effect"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { enabledSites, HUB_DOMAIN, loadMeshConfig } from "@logimesh/config"
import { repoRoot } from "@logimesh/topology"
import { consumerProblems, meshStreamPlan, StreamNames, UNROUTED_CONSUMER } from "../src/StreamDefinitions.ts"
import { Subjects } from "../src/Subjects.ts"

const mesh = await Effect.runPromise(loadMeshConfig(join(repoRoot, "sites")))
const plan = meshStreamPlan(mesh)
const sites = enabledSites(mesh)

describe("meshStreamPlan", () => {
  it("puts SITE_EVENTS, DLQ and SITE_COMMANDS in every enabled site's domain", () => {
    for (const site of sites) {
      const own = plan.streams.filter((s) => s.domain === site.id)
      expect(own.map((s) => s.name).sort()).toEqual([StreamNames.deadLetters, StreamNames.siteCommands, StreamNames.siteEvents, StreamNames.siteMasterData])
      expect(own.find((s) => s.name === StreamNames.siteMasterData)?.sources).toEqual([{ name: StreamNames.masterData, domain: HUB_DOMAIN }])
      expect(own.find((s) => s.name === StreamNames.siteEvents)?.subjects).toEqual([Subjects.siteEvents(site.id)])
      // the site's work and answers, sourced from its region's SYSTEMS stream at the hub, only this site's
      expect(own.find((s) => s.name === StreamNames.siteCommands)?.sources).toEqual([
        { name: StreamNames.regionSystems("eu-west"), domain: HUB_DOMAIN, filterSubject: Subjects.siteWesMessages(site.id) }
      ])
    }
  })

  it("sources every site stream into the hub", () => {
    const hub = plan.streams.find((s) => s.domain === HUB_DOMAIN && s.name === StreamNames.hubSiteEvents)
    expect(hub?.subjects).toEqual([])
    expect(hub?.sources).toEqual(sites.map((site) => ({ name: StreamNames.siteEvents, domain: site.id })))
  })

  it("keeps master data as the latest value per subject, without max_age", () => {
    const master = plan.streams.filter((s) => s.name === StreamNames.masterData || s.name === StreamNames.siteMasterData)
    expect(master).toHaveLength(sites.length + 1)
    for (const stream of master) {
      expect(stream.retention).toBe("limits")
      expect(Duration.toMillis(stream.maxAge)).toBe(0)
      expect(stream.maxMsgsPerSubject).toBe(1)
    }
  })

  it("uses Limits retention, max_age = maxOutageHours and duplicate_window from mesh.json for every execution stream", () => {
    for (const stream of plan.streams.filter((s) => s.maxMsgsPerSubject === -1)) {
      expect(stream.retention).toBe("limits")
      expect(Duration.toHours(stream.maxAge)).toBe(mesh.settings.maxOutageHours)
      expect(Duration.toSeconds(stream.duplicateWindow)).toBe(mesh.settings.duplicateWindowSeconds)
    }
  })

  it("sizes every stream from streamLimits in mesh.json and refuses new messages when full", () => {
    const MiB = 1024 * 1024
    const kindOf = (domain: string | undefined, name: string) =>
      domain === HUB_DOMAIN
        ? (
            {
              [StreamNames.hubSiteEvents]: "hubSiteEvents",
              [StreamNames.ingress]: "ingress",
              [StreamNames.deadLetters]: "hubDeadLetters",
              [StreamNames.masterData]: "masterData",
              [StreamNames.deliveryExhausted]: "deliveryExhausted"
            } as const
          )[name]
        : (
            {
              [StreamNames.siteEvents]: "siteEvents",
              [StreamNames.siteCommands]: "siteCommands",
              [StreamNames.deadLetters]: "siteDeadLetters",
              [StreamNames.siteMasterData]: "siteMasterData"
            } as const
          )[name]
    expect(plan.streams).toHaveLength(sites.length * 4 + 5)
    for (const stream of plan.streams) {
      const kind = kindOf(stream.domain, stream.name)
      if (kind === undefined) throw new Error(`no stream kind for ${stream.domain}/${stream.name}`)
      const limit = mesh.settings.streamLimits[kind]
      // Delivery notices discard old: a handled notice is of no further use (StreamDefinitions.ts).
      const discard = kind === "deliveryExhausted" ? "old" : "new"
      expect([stream.name, stream.maxMsgs, stream.maxBytes, stream.discard]).toEqual([stream.name, limit.maxMessages, limit.maxMegabytes * MiB, discard])
    }
  })

  it("never lets two domains capture the same subject", () => {
    const subjects = plan.streams.flatMap((s) => s.subjects)
    expect(new Set(subjects).size).toBe(subjects.length)
  })

  it("gives every enabled site two safe hub consumers (its events, its ingress) and one shared unrouted consumer, each with its exhausted lane", () => {
    expect(plan.consumers).toHaveLength((sites.length * 2 + 1) * 2)
    for (const site of sites) {
      expect(plan.consumers.find((c) => c.filterSubject === Subjects.siteCommandEvents(site.id))?.stream).toBe(StreamNames.hubSiteEvents)
      expect(plan.consumers.find((c) => c.filterSubject === Subjects.ingressOfSite(site.id))?.stream).toBe(StreamNames.ingress)
    }
    expect(plan.consumers.filter((c) => c.filterSubject === undefined).map((c) => c.name)).toEqual([UNROUTED_CONSUMER])
    const lanes = plan.consumers.filter((c) => c.stream === StreamNames.deliveryExhausted)
    for (const consumer of plan.consumers.filter((c) => c.stream !== StreamNames.deliveryExhausted)) {
      expect(consumer.exhaustedStream).toBe(StreamNames.deliveryExhausted)
      expect(lanes.find((l) => l.filterSubject === Subjects.maxDeliveriesAdvisory(consumer.stream, consumer.name))?.name).toBe(`${consumer.name}_exhausted`)
    }
    for (const consumer of plan.consumers) {
      expect(consumerProblems(consumer)).toEqual([])
      expect(consumer.backoff.length).toBeLessThanOrEqual(consumer.maxDeliver)
      expect(consumer.deadLetterDomain).toBe(HUB_DOMAIN)
    }
  })

  it("reports unsafe consumer limits", () => {
    const base = plan.consumers[0]
    if (base === undefined) throw new Error("no consumer in plan")
    expect(consumerProblems({ ...base, maxDeliver: 1, backoff: [Duration.seconds(1), Duration.seconds(2)] })).toContain(
      "backoff has more entries than max_deliver"
    )
    expect(consumerProblems({ ...base, maxAckPending: 0 })).toContain("max_ack_pending must be a positive integer")
  })
})
