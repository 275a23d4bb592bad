/**
 * The local topology plan from the mesh config: names, the WAN path of every
 * leaf (leaf -> its proxy -> hub leaf port), the hub's dead advertise address,
 * distinct ports, and the region's environment (private cluster or a given server).
 */
import { loadMeshConfig, type MeshConfig } from "@logimesh/config"
import { Effect } from "effect"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { renderNatsConfig } from "../src/NatsServerConfig.ts"
import { repoRoot } from "../src/renderTemplate.ts"
import { DEAD_LEAF_ADVERTISE_PORT } from "../src/TcpFaultProxy.ts"
import { planTopology } from "../src/TopologyPlan.ts"
import type { Component } from "../src/TopologyState.ts"

const sitesDir = join(repoRoot, "sites")
const mesh = (): Promise<MeshConfig> => Effect.runPromise(loadMeshConfig(sitesDir))
const byKind = <K extends Component["kind"]>(components: ReadonlyArray<Component>, kind: K) =>
  components.filter((c): c is Extract<Component, { kind: K }> => c.kind === kind)

describe("planTopology", () => {
  it("routes every leaf through its own WAN link to the hub's leaf port", async () => {
    const plan = await planTopology(await mesh(), { stateDir: "/tmp/state", sitesDir, regionMain: "/x/main.ts" })
    expect(plan.components.map((c) => c.name)).toEqual([
      "nats-hub",
      "wan-dc-antwerp",
      "nats-leaf-dc-antwerp",
      "wan-dc-rotterdam",
      "nats-leaf-dc-rotterdam",
      "postgres-eu-west",
      "region-eu-west"
    ])
    const [hub] = byKind(plan.components, "nats-hub")
    if (hub === undefined) throw new Error("no hub")
    expect(hub.nats.serverName).toBe("logimesh-hub")
    expect(hub.nats.leafAdvertise).toBe(`127.0.0.1:${DEAD_LEAF_ADVERTISE_PORT}`)
    expect(renderNatsConfig(hub.nats)).toContain(`advertise: "127.0.0.1:${DEAD_LEAF_ADVERTISE_PORT}"`)
    for (const leaf of byKind(plan.components, "nats-leaf")) {
      const wan = byKind(plan.components, "wan-link").find((w) => w.site === leaf.site)
      expect(wan?.targetPort).toBe(hub.nats.leafPort)
      expect(leaf.nats.domain).toBe(leaf.site)
      expect(leaf.nats.serverName).toBe(`logimesh-leaf-${leaf.site}`)
      expect(leaf.nats.hubLeafAddress).toBe(`127.0.0.1:${wan?.listenPort}`)
      expect(renderNatsConfig(leaf.nats)).toContain(`url: "nats-leaf://127.0.0.1:${wan?.listenPort}"`)
    }
    const ports = plan.components.flatMap((c) => {
      switch (c.kind) {
        case "nats-hub":
          return [c.nats.port, c.nats.monitorPort, c.nats.leafPort]
        case "nats-leaf":
          return [c.nats.port, c.nats.monitorPort]
        case "wan-link":
          return [c.listenPort, c.controlPort]
        case "postgres":
          return [c.port]
        case "region":
          return [c.httpPort]
      }
    })
    expect(new Set(ports).size).toBe(ports.length)
    const [pg] = byKind(plan.components, "postgres")
    const [region] = byKind(plan.components, "region")
    expect(region?.databaseUrl).toBe(`postgres://postgres@127.0.0.1:${pg?.port}/logimesh_eu_west`)
    expect(region?.natsUrl).toBe(`nats://127.0.0.1:${hub.nats.port}`)
    expect(plan.components.every((c) => c.pid === null)).toBe(true)
  })

  it("uses a given Postgres server instead of private clusters, and leaves regions out without an entry point", async () => {
    const external = await planTopology(await mesh(), {
      stateDir: "/tmp/state",
      sitesDir,
      regionMain: "/x/main.ts",
      databaseUrl: "postgres://admin:secret@db.example:5432/postgres"
    })
    expect(byKind(external.components, "postgres")).toEqual([])
    expect(byKind(external.components, "region")[0]?.databaseUrl).toBe("postgres://admin:secret@db.example:5432/logimesh_eu_west")
    const noRegion = await planTopology(await mesh(), { stateDir: "/tmp/state", sitesDir, regionMain: undefined })
    expect(byKind(noRegion.components, "region")).toEqual([])
  })
})
