/**
 * The mesh plan on a real hub with one leaf per site of `sites/`: the CLI
 * applies it (twice: the second run changes nothing), an event written in a
 * site's own domain reaches the hub stream by sourcing, and the region's hub
 * consumer delivers it through the consumer runner; a region's SYSTEMS
 * stream created after the mesh plan still feeds each site's SITE_COMMANDS
 * with that site's WES messages only.
 */
import { Duration, Effect, Exit, Scope } from "effect"
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { enabledSites, HUB_DOMAIN, loadMeshConfig } from "@logimesh/config"
import { startTestMesh, type TestMesh } from "@logimesh/testkit"
import { repoRoot, waitFor } from "@logimesh/topology"
import { ConsumerRunner } from "../src/ConsumerRunner.ts"
import { JetStreamPublisher } from "../src/JetStreamPublisher.ts"
import { NatsConnection } from "../src/NatsConnection.ts"
import { Outcome } from "../src/Outcome.ts"
import { applyStreams } from "../src/applyStreams.ts"
import { consumerTarget, limitsStream, meshStreamPlan, StreamNames } from "../src/StreamDefinitions.ts"
import { Subjects } from "../src/Subjects.ts"
import { type BusRuntime, makeBusRuntime, randomToken, run } from "./busTestRuntime.ts"

const sitesDir = join(repoRoot, "sites")
const mesh = await Effect.runPromise(loadMeshConfig(sitesDir))
const sites = enabledSites(mesh)
const plan = meshStreamPlan(mesh)

let testMesh: TestMesh | undefined
let runtime: BusRuntime | undefined

const rt = (): BusRuntime => {
  if (runtime === undefined) throw new Error("runtime not started")
  return runtime
}

const applyCli = (url: string) => {
  const result = spawnSync(join(repoRoot, "node_modules/.bin/node"), [join(repoRoot, "scripts/apply-streams.ts"), "--hub", url, "--sites", sitesDir], {
    encoding: "utf8",
    timeout: 30_000
  })
  return { status: result.status, out: `${result.stdout}${result.stderr}` }
}

beforeAll(async () => {
  // Leaves linked straight to the hub (no WAN proxies); startTestMesh waits until every link is up.
  testMesh = await startTestMesh({ sites: sites.map((site) => site.id), label: "bus-mesh" })
  runtime = makeBusRuntime(testMesh.hubUrl)
})

afterAll(async () => {
  await runtime?.dispose()
  await testMesh?.stop()
})

describe("mesh streams on hub + leaves", () => {
  it("are applied by the CLI, idempotently", async () => {
    const url = testMesh?.hubUrl ?? ""
    const first = applyCli(url)
    expect(first.status, first.out).toBe(0)
    expect(first.out.match(/^created /gm)).toHaveLength(plan.streams.length + plan.consumers.length)
    const second = applyCli(url)
    expect(second.status, second.out).toBe(0)
    expect(second.out.match(/^unchanged /gm)).toHaveLength(plan.streams.length + plan.consumers.length)
  })

  it("carry a site event from the site's domain to the region's hub consumer", async () => {
    const site = sites[0]
    const definition = plan.consumers.find((c) => c.filterSubject === Subjects.siteCommandEvents(site?.id ?? ""))
    if (site === undefined || definition === undefined) throw new Error("plan has no consumer for the first site")
    const msgId = `${site.id}:${randomToken()}`
    const ack = await run(
      rt(),
      JetStreamPublisher.use((p) => p.publish(Subjects.siteEvent(site.id, "command"), new TextEncoder().encode("pick"), { msgId, domain: site.id }))
    )
    expect(ack.stream).toBe(StreamNames.siteEvents)
    const seen: Array<string> = []
    const scope = await Effect.runPromise(Scope.make())
    await run(
      rt(),
      ConsumerRunner.use((r) =>
        r.run({
          ...consumerTarget(definition),
          handler: (m) => Effect.sync(() => seen.push(`${m.subject} ${m.msgId ?? ""}`)).pipe(Effect.as(Outcome.Ack()))
        })
      ).pipe(Scope.provide(scope))
    )
    await waitFor("hub consumer delivered the site event", async () => (seen.length > 0 ? true : undefined))
    expect(seen).toEqual([`${Subjects.siteEvent(site.id, "command")} ${msgId}`])
    await Effect.runPromise(Scope.close(scope, Exit.void))
    const hubInfo = await run(
      rt(),
      NatsConnection.use((n) => n.jetstreamManager(HUB_DOMAIN)).pipe(Effect.flatMap((m) => Effect.promise(() => m.streams.info(StreamNames.hubSiteEvents))))
    )
    expect(hubInfo.state.messages).toBe(1)
  })

  it("source each site's WES messages from its region's SYSTEMS stream into the site's SITE_COMMANDS", async () => {
    const region = mesh.regions[0]?.region.id ?? ""
    const systems = limitsStream({
      domain: HUB_DOMAIN,
      name: StreamNames.regionSystems(region),
      description: "test: the region's SYSTEMS stream, created after the mesh plan (as a region does at boot)",
      subjects: [Subjects.systemMessages],
      maxAge: Duration.hours(1),
      duplicateWindow: Duration.minutes(2)
    })
    await run(rt(), applyStreams({ streams: [systems], consumers: [] }))
    const publish = (subject: string) =>
      run(
        rt(),
        JetStreamPublisher.use((p) => p.publish(subject, new TextEncoder().encode(subject), { msgId: `${region}:${randomToken()}`, domain: HUB_DOMAIN }))
      )
    for (const site of sites) await publish(Subjects.siteWes(site.id, "order-release"))
    await publish(Subjects.centralSystem("erp", "order-status"))
    for (const site of sites) {
      const subjects = await waitFor(
        `SITE_COMMANDS of ${site.id} holds its WES message`,
        async () => {
          const jsm = await run(
            rt(),
            NatsConnection.use((n) => n.jetstreamManager(site.id))
          )
          const info = await jsm.streams.info(StreamNames.siteCommands).catch(() => undefined)
          if (info === undefined) return undefined
          if (info.state.messages < 1) return undefined
          const stored = await jsm.streams.getMessage(StreamNames.siteCommands, { seq: info.state.first_seq })
          return { count: info.state.messages, subject: stored?.subject }
        },
        { timeoutMs: 20_000 }
      )
      expect(subjects).toEqual({ count: 1, subject: Subjects.siteWes(site.id, "order-release") })
    }
  })
})
