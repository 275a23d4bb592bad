/**
 * The per-site source lag monitor over real servers: a hub and two site
 * leaves, each behind its own WAN-link fault proxy, the mesh's SITE_EVENTS
 * (per site) and HUB_SITE_EVENTS (hub, sourcing both), the region's site
 * consumer for one site, and the monitor with its `/v1/sites/lag` route served
 * in-process (short interval and stall threshold).
 *   - Both sites flowing: lag 0, not stalled, consumer progress shown.
 *   - Antwerp's link cut, events published at Antwerp's leaf: Antwerp turns stalled (its source
 *     inactive, its domain unreachable) with one warning; Rotterdam stays at lag 0, not stalled;
 *     the Prometheus lines say the same. Link restored: Antwerp catches up to lag 0, one info line.
 *   - Rotterdam reachable and linked, but its source held back by a msg id the hub already holds
 *     from Antwerp (ARCHITECTURE, "nats-server 2.9 behaviour"): the hub's own source info shows no
 *     lag, the monitor sees Rotterdam's events behind with no progress and reports it stalled, and
 *     recovered once the hub's duplicate window has passed.
 */
import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { jetstream, jetstreamManager, AckPolicy } from "@nats-io/jetstream"
import { connect, nanos, type NatsConnection as NatsClient } from "@nats-io/transport-node"
import { cpSync } from "node:fs"
import { join } from "node:path"
import { Effect, Layer, Logger, ManagedRuntime, References } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { NatsConnection } from "@logimesh/bus"
import { makeTestRunDir, startTestMesh, type TestMesh, type TestRunDir } from "@logimesh/testkit"
import { repoRoot, waitFor } from "@logimesh/topology"
import { RegionContext } from "../src/RegionContext.ts"
import { SiteLagMonitor, type SiteLag, type SiteLagSnapshot } from "../src/reconciliation/SiteLagMonitor.ts"
import { SiteLagRoutes } from "../src/reconciliation/SiteLagRoutes.ts"

const REGION = "eu-west"
const CUT = "dc-antwerp"
const OTHER = "dc-rotterdam"
const STALLED_AFTER_MS = 3_000
const HUB_DUPLICATE_WINDOW_MS = 8_000

let mesh: TestMesh
let dir: TestRunDir
let hub: NatsClient
const leaves: Record<string, NatsClient> = {}
let app: { readonly dispose: () => Promise<void>; readonly runPromise: <A>(effect: Effect.Effect<A, never, SiteLagMonitor>) => Promise<A> } | undefined
let regionUrl: string
const logged: Array<{ readonly level: string; readonly message: string; readonly site: unknown }> = []

beforeAll(async () => {
  mesh = await startTestMesh({ sites: [CUT, OTHER], viaProxy: true, label: "site-lag" })
  dir = makeTestRunDir("site-lag-sites")
  const sitesDir = join(dir.path, "sites")
  cpSync(join(repoRoot, "sites"), sitesDir, { recursive: true })
  hub = await connect({ servers: mesh.hubUrl, name: "site-lag-test" })
  const hubJsm = await jetstreamManager(hub)
  for (const site of [CUT, OTHER]) {
    leaves[site] = await connect({ servers: mesh.leafUrls[site]!, name: `site-lag-test-${site}` })
    await (await jetstreamManager(leaves[site]!)).streams.add({ name: "SITE_EVENTS", subjects: [`site.${site}.evt.>`], max_age: nanos(3_600_000) })
  }
  await hubJsm.streams.add({
    name: "HUB_SITE_EVENTS",
    subjects: [],
    max_age: nanos(3_600_000),
    // Short, so the second test's id collision clears within the test (the mesh uses minutes).
    duplicate_window: nanos(HUB_DUPLICATE_WINDOW_MS),
    sources: [CUT, OTHER].map((site) => ({ name: "SITE_EVENTS", domain: site }))
  })
  // The region's consumer of Rotterdam's events (Antwerp's is absent: reported as such).
  await hubJsm.consumers.add("HUB_SITE_EVENTS", {
    durable_name: `region_${REGION}_${OTHER}`,
    ack_policy: AckPolicy.Explicit,
    filter_subject: `site.${OTHER}.evt.>`
  })

  const capture = Logger.make(({ fiber, logLevel, message }) => {
    const parts = Array.isArray(message) ? message : [message]
    logged.push({ level: logLevel, message: parts.map(String).join(" "), site: fiber.getRef(References.CurrentLogAnnotations)["site"] })
  })
  const runtime = ManagedRuntime.make(
    HttpRouter.serve(SiteLagRoutes, { disableLogger: true }).pipe(
      Layer.provideMerge(SiteLagMonitor.layerWith({ interval: "250 millis", stalledAfter: `${STALLED_AFTER_MS} millis`, callTimeout: "1 second" })),
      Layer.provide(
        Layer.mergeAll(
          NatsConnection.layerFrom({ url: mesh.hubUrl, name: "site-lag-region" }),
          Layer.effect(RegionContext, RegionContext.load(sitesDir, REGION))
        )
      ),
      Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
      Layer.provide(Logger.layer([capture]))
    )
  )
  // Port 0: the kernel picks it as the server binds; the URL is read back from the server.
  regionUrl = await runtime.runPromise(HttpServer.addressFormattedWith(Effect.succeed))
  app = runtime
}, 60_000)

afterAll(async () => {
  await app?.dispose()
  for (const nc of [...Object.values(leaves), hub]) await nc?.close()
  await mesh?.stop()
  dir?.remove()
}, 60_000)

const lagNow = async (): Promise<SiteLagSnapshot> => {
  const response = await fetch(`${regionUrl}/v1/sites/lag?fresh=1`)
  expect(response.status).toBe(200)
  return (await response.json()) as SiteLagSnapshot
}

const siteOf = (snapshot: SiteLagSnapshot, site: string): SiteLag => {
  const found = snapshot.sites.find((s) => s.site === site)
  if (found === undefined) throw new Error(`no ${site} in ${JSON.stringify(snapshot)}`)
  return found
}

const waitForLag = (what: string, predicate: (snapshot: SiteLagSnapshot) => boolean, timeoutMs = 30_000) => {
  let last: SiteLagSnapshot | undefined
  return waitFor(
    what,
    async () => {
      last = await lagNow()
      return predicate(last) ? last : undefined
    },
    { timeoutMs }
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; last sample: ${JSON.stringify(last)}`)
  })
}

const publishAt = async (site: string, count: number, from: number) => {
  const js = jetstream(leaves[site]!)
  for (let i = from; i < from + count; i++) await js.publish(`site.${site}.evt.pick`, JSON.stringify({ i }), { msgID: `${site}:lag-test:${i}` })
}

const warnings = (site: string) => logged.filter((l) => l.site === site && l.level === "Warn" && l.message.includes("stalled"))
const recoveries = (site: string) => logged.filter((l) => l.site === site && l.level === "Info" && l.message.includes("recovered"))

describe("per-site source lag monitor", () => {
  it("reports the cut site stalled and the other at lag 0, then the cut site back to lag 0", async () => {
    await publishAt(CUT, 3, 0)
    await publishAt(OTHER, 3, 0)
    const flowing = await waitForLag("both sites sourced", (s) =>
      [CUT, OTHER].every((site) => siteOf(s, site).lag === 0 && siteOf(s, site).hub_sourced_seq === 3)
    )
    for (const site of [CUT, OTHER]) {
      expect(siteOf(flowing, site)).toMatchObject({
        reachable: true,
        site_last_seq: 3,
        hub_sourced_seq: 3,
        lag: 0,
        hub_source_lag: 0,
        stalled: false,
        reasons: []
      })
    }
    expect(siteOf(flowing, OTHER).consumer).toMatchObject({ name: `region_${REGION}_${OTHER}`, pending: 3, ack_pending: 0 })
    expect(siteOf(flowing, CUT).consumer).toBeNull()

    mesh.cutLink(CUT)
    await mesh.waitForLeafLink(CUT, false)
    await publishAt(CUT, 5, 3) // acked by Antwerp's own leaf while the hub cannot see it
    await publishAt(OTHER, 2, 3)

    const cut = await waitForLag("Antwerp stalled", (s) => siteOf(s, CUT).stalled && siteOf(s, OTHER).hub_sourced_seq === 5)
    expect(siteOf(cut, CUT)).toMatchObject({ reachable: false, site_last_seq: null, lag: null, hub_sourced_seq: 3, stalled: true })
    expect(siteOf(cut, CUT).active_ms).toBeGreaterThan(STALLED_AFTER_MS)
    expect(siteOf(cut, CUT).reasons.join(" ")).toContain("source inactive")
    expect(siteOf(cut, OTHER)).toMatchObject({ reachable: true, site_last_seq: 5, lag: 0, stalled: false, reasons: [] })
    const metrics = await app!.runPromise(
      Effect.gen(function* () {
        return yield* (yield* SiteLagMonitor).prometheus
      })
    )
    expect(metrics).toContain(`logimesh_site_source_stalled{site="${CUT}"} 1`)
    expect(metrics).toContain(`logimesh_site_source_stalled{site="${OTHER}"} 0`)
    expect(metrics).toContain(`logimesh_site_source_lag{site="${OTHER}"} 0`)
    expect(metrics).toContain(`logimesh_site_source_lag{site="${CUT}"} NaN`)

    // A few more samples while still cut: one warning for the transition, none for the other site.
    await waitForLag("more samples while cut", (s) => siteOf(s, CUT).stalled && Date.parse(s.sampled_at!) > Date.parse(cut.sampled_at!) + 1_000)
    expect(warnings(CUT)).toHaveLength(1)
    expect(warnings(OTHER)).toHaveLength(0)

    mesh.restoreLink(CUT)
    await mesh.waitForLeafLink(CUT, true)
    const restored = await waitForLag("Antwerp caught up", (s) => siteOf(s, CUT).lag === 0 && !siteOf(s, CUT).stalled)
    expect(siteOf(restored, CUT)).toMatchObject({ reachable: true, site_last_seq: 8, hub_sourced_seq: 8, lag: 0, stalled: false })
    expect(siteOf(restored, OTHER)).toMatchObject({ lag: 0, stalled: false })
    expect(warnings(CUT)).toHaveLength(1)
    expect(recoveries(CUT)).toHaveLength(1)
    expect(recoveries(OTHER)).toHaveLength(0)
  }, 90_000)

  it("reports a reachable site whose source makes no progress (an id collision) stalled, and its recovery", async () => {
    const before = await lagNow()
    const cutSeq = siteOf(before, CUT).hub_sourced_seq!
    const otherSeq = siteOf(before, OTHER).hub_sourced_seq!
    const warningsBefore = warnings(OTHER).length
    const colliding = `${CUT}:lag-test:collide`
    await jetstream(leaves[CUT]!).publish(`site.${CUT}.evt.pick`, "antwerp", { msgID: colliding })
    await waitForLag("Antwerp's event on the hub", (s) => siteOf(s, CUT).hub_sourced_seq === cutSeq + 1)
    // The same id published at Rotterdam (new to Rotterdam's own stream), then a normal event behind it.
    await jetstream(leaves[OTHER]!).publish(`site.${OTHER}.evt.pick`, "rotterdam", { msgID: colliding })
    await publishAt(OTHER, 1, 100)

    const stuck = await waitForLag("Rotterdam stalled by the collision", (s) => siteOf(s, OTHER).stalled)
    expect(siteOf(stuck, OTHER)).toMatchObject({ reachable: true, site_last_seq: otherSeq + 2, hub_sourced_seq: otherSeq, lag: 2, hub_source_lag: 0 })
    expect(siteOf(stuck, OTHER).reasons.join(" ")).toContain("2 event(s) behind with no sourced progress")
    expect(siteOf(stuck, CUT)).toMatchObject({ lag: 0, stalled: false })
    expect(warnings(OTHER)).toHaveLength(warningsBefore + 1)

    const resumed = await waitForLag("Rotterdam's source resumed after the duplicate window", (s) => !siteOf(s, OTHER).stalled && siteOf(s, OTHER).lag === 0)
    expect(siteOf(resumed, OTHER)).toMatchObject({ hub_sourced_seq: otherSeq + 2, stalled: false })
    expect(recoveries(OTHER)).toHaveLength(1)
  }, 90_000)
})
