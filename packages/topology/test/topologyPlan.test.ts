/**
 * The local topology plan from the mesh config: names, the hub's dead
 * advertise address, no port numbers (each is bound by the component's first
 * start), and the region's environment (private cluster or a given server);
 * then the addresses resolved from started components: the WAN path of every
 * leaf (leaf -> its proxy -> hub leaf port), the region's NATS and database
 * URLs, and a start refused before what it needs has started.
 */
import { loadMeshConfig, type MeshConfig } from "@logimesh/config"
import { Effect } from "effect"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { renderNatsConfig } from "../src/NatsServerConfig.ts"
import { repoRoot } from "../src/renderTemplate.ts"
import { rolePasswordFile } from "../src/RegionDbRole.ts"
import { DEAD_LEAF_ADVERTISE_PORT } from "../src/TcpFaultProxy.ts"
import { resolveAddresses } from "../src/resolveAddresses.ts"
import { planTopology, UNBOUND_PORT } from "../src/TopologyPlan.ts"
import type { Component } from "../src/TopologyState.ts"

const sitesDir = join(repoRoot, "sites")
const mesh = (): Promise<MeshConfig> => Effect.runPromise(loadMeshConfig(sitesDir))
const portsOf = (c: Component): ReadonlyArray<number> => {
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
}

/** A component with its own ports bound (what a start reports), from `next`. */
const bindPorts = (c: Component, next: () => number): Component => {
  switch (c.kind) {
    case "nats-hub":
      return { ...c, nats: { ...c.nats, port: next(), monitorPort: next(), leafPort: next() } }
    case "nats-leaf":
      return { ...c, nats: { ...c.nats, port: next(), monitorPort: next() } }
    case "wan-link":
      return { ...c, listenPort: next(), controlPort: next() }
    case "postgres":
      return { ...c, port: next() }
    case "region":
      return { ...c, httpPort: next() }
  }
}

const byKind = <K extends Component["kind"]>(components: ReadonlyArray<Component>, kind: K) =>
  components.filter((c): c is Extract<Component, { kind: K }> => c.kind === kind)

describe("planTopology", () => {
  it("routes every leaf through its own WAN link to the hub's leaf port", async () => {
    const plan = planTopology(await mesh(), { stateDir: "/tmp/state", sitesDir, regionMain: "/x/main.ts" })
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
    // No port is chosen ahead: nats-server is told to pick (-1) and write what it bound.
    const rendered = renderNatsConfig(hub.nats, { portsFileDir: "/tmp/hub" })
    expect(rendered).toContain(`listen: "127.0.0.1:-1"`)
    expect(rendered).toContain(`http: "127.0.0.1:-1"`)
    expect(rendered).toContain(`ports_file_dir: "/tmp/hub"`)
    for (const leaf of byKind(plan.components, "nats-leaf")) {
      expect(leaf.nats.domain).toBe(leaf.site)
      expect(leaf.nats.serverName).toBe(`logimesh-leaf-${leaf.site}`)
    }
    expect(plan.components.flatMap(portsOf).every((port) => port === UNBOUND_PORT)).toBe(true)
    expect(plan.components.every((c) => c.pid === null)).toBe(true)
  })

  it("resolves each component's addresses from the ports the components before it bound", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "logimesh-plan-"))
    const plan = planTopology(await mesh(), { stateDir, sitesDir, regionMain: "/x/main.ts" })
    // As the runner records them after each start, in plan order.
    let port = 40_000
    const components: Array<Component> = []
    for (const planned of plan.components) {
      const resolved = resolveAddresses(planned, components)
      components.push(bindPorts(resolved, () => ++port))
    }
    const [hub] = byKind(components, "nats-hub")
    if (hub === undefined) throw new Error("no hub")
    for (const leaf of byKind(components, "nats-leaf")) {
      const wan = byKind(components, "wan-link").find((w) => w.site === leaf.site)
      expect(wan?.targetPort).toBe(hub.nats.leafPort)
      expect(leaf.nats.hubLeafAddress).toBe(`127.0.0.1:${wan?.listenPort}`)
      expect(renderNatsConfig(leaf.nats)).toContain(`url: "nats-leaf://127.0.0.1:${wan?.listenPort}"`)
    }
    const [pg] = byKind(components, "postgres")
    const [region] = byKind(components, "region")
    // the region's own role, with the password generated into the state folder (0600)
    const password = readFileSync(rolePasswordFile(stateDir, "eu-west"), "utf8").trim()
    expect(password).toMatch(/^[0-9a-f]{32}$/)
    expect(statSync(rolePasswordFile(stateDir, "eu-west")).mode & 0o777).toBe(0o600)
    expect(region?.databaseUrl).toBe(`postgres://logimesh_region:${password}@127.0.0.1:${pg?.port}/logimesh_eu_west`)
    rmSync(stateDir, { recursive: true, force: true })
    expect(region?.natsUrl).toBe(`nats://127.0.0.1:${hub.nats.port}`)
    const ports = components.flatMap(portsOf)
    expect(new Set(ports).size).toBe(ports.length)
  })

  it("refuses to resolve a component before what it needs has started", async () => {
    const plan = planTopology(await mesh(), { stateDir: "/tmp/state", sitesDir, regionMain: "/x/main.ts" })
    const [wan] = byKind(plan.components, "wan-link")
    const [leaf] = byKind(plan.components, "nats-leaf")
    if (wan === undefined || leaf === undefined) throw new Error("no site")
    expect(() => resolveAddresses(wan, plan.components)).toThrow(/needs the port of nats-hub, which has not started yet: start nats-hub first/)
    expect(() => resolveAddresses(leaf, plan.components)).toThrow(new RegExp(`start ${wan.name} first`))
  })

  it("uses a given Postgres server instead of private clusters, and leaves regions out without an entry point", async () => {
    const external = planTopology(await mesh(), {
      stateDir: "/tmp/state",
      sitesDir,
      regionMain: "/x/main.ts",
      databaseUrl: "postgres://admin:secret@db.example:5432/postgres"
    })
    expect(byKind(external.components, "postgres")).toEqual([])
    expect(byKind(external.components, "region")[0]?.databaseUrl).toBe("postgres://admin:secret@db.example:5432/logimesh_eu_west")
    const noRegion = planTopology(await mesh(), { stateDir: "/tmp/state", sitesDir, regionMain: undefined })
    expect(byKind(noRegion.components, "region")).toEqual([])
  })
})
