/**
 * A third site added by config while the topology runs.
 * A new `sites/eu-west/dc-ghent.json` (+ its dock doors) and one command
 * (`npm run topology -- add-site dc-ghent`) -> its WAN link and leaf start,
 * the streams are applied, the region reloads `sites/` and serves the site.
 * Its first orders flow end to end (ERP -> region -> the Ghent WES through
 * its own leaf -> dispatch -> carrier -> POD) within 60 s of the command,
 * its master data (items, site, locations) is in its leaf's
 * SITE_MASTER_DATA, and no process that ran before the command was restarted
 * (pid + kernel start time). `disable-site` then stops serving it, again without a restart.
 */
import { spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestTopology, type TestTopology } from "@logimesh/testkit"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, headers as natsHeaders } from "@nats-io/transport-node"
import { orderBody } from "../flow/apiClient.ts"
import { ADMIN_USER, clientUrl, isProcessAlive, regionApiKeys, repoRoot, waitFor } from "@logimesh/topology"
import { natsAuthOptions } from "@logimesh/bus"
import { QUIET_EXCEPTIONS, runScenario, scenarioSucceeded, type SiteInfo } from "@logimesh/simulators"

const GHENT = "dc-ghent"
const ghentInfo: SiteInfo = { site: GHENT, code: "GNT", outboundDocks: ["GNT-D10", "GNT-D11"], gs1CompanyPrefix: "5412399", inventoryOwner: "ERP" }

let mesh: TestTopology
/** Reads and operator routes go as the operator the topology issued a key for. */
const operator = () => ({ headers: { authorization: `Bearer ${mesh.apiKeys.admin}` } })
/** The topology's admin (the mesh is authenticated). */
const admin = () => natsAuthOptions(mesh.topology.natsCredentials(ADMIN_USER))

const topologyCli = (...args: ReadonlyArray<string>) => {
  const result = spawnSync(
    join(repoRoot, "node_modules/.bin/node"),
    [join(repoRoot, "packages/topology/src/cli.ts"), ...args, "--state-dir", mesh.topology.stateDir],
    { encoding: "utf8", timeout: 90_000, env: process.env }
  )
  return { status: result.status, out: `${result.stdout}${result.stderr}` }
}

/** pid + start time of every process running now. */
const processes = () => mesh.topology.state.components.flatMap((c) => (c.pid === null ? [] : [{ name: c.name, pid: c.pid, startTime: c.startTime }]))

/**
 * A request to the region. Node's HTTP server closes a keep-alive socket idle for 5 s, and the CLI commands
 * below take about that long, so the first request after one can go out on a socket the region is closing
 * ("other side closed" before any answer): the region never read it, and it is sent once more.
 */
const regionFetch = async (path: string, init?: RequestInit): Promise<Response> => {
  try {
    return await fetch(`${mesh.regionUrl}${path}`, init)
  } catch (error) {
    if ((error as { readonly cause?: { readonly code?: string } }).cause?.code !== "UND_ERR_SOCKET") throw error
    return fetch(`${mesh.regionUrl}${path}`, init)
  }
}

const postOrder = (site: string, order: string) =>
  regionFetch("/v1/orders", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${mesh.apiKeys.ERP}`, "idempotency-key": `probe-${order}` },
    body: JSON.stringify({
      order,
      shipFrom: site,
      customer: "C-1",
      lines: [{ lineNumber: 1, item: "SKU-42", quantity: { amount: "2", unit: "EA" } }]
    })
  })

/** The ERP's create-order command, as a message into the hub's INGRESS for ship-from `site`. */
const sendIngress = async (site: string, order: string) => {
  const hub = await connect({ servers: mesh.hubUrl, ...admin() })
  try {
    const h = natsHeaders()
    h.set("Logimesh-Command-Path", "/v1/orders")
    h.set("Logimesh-Source-System", "ERP")
    h.set("Idempotency-Key", `ingress-${order}`)
    await jetstream(hub, { domain: "hub" }).publish(`in.${site}.erp`, new TextEncoder().encode(JSON.stringify(orderBody(order, site))), {
      msgID: `erp:${order}`,
      headers: h
    })
  } finally {
    await hub.close()
  }
}

beforeAll(async () => {
  mesh = await startTestTopology("add-site")
}, 120_000)

afterAll(async () => {
  await mesh?.stop()
}, 60_000)

describe("adding a site while the topology runs", () => {
  it("serves the new site end to end within 60 s of the command, restarting nothing; disabling it is one command too", async () => {
    const before = processes()
    expect(before.length).toBeGreaterThanOrEqual(6)

    // The region does not know Ghent yet: an order for it is refused naming the field, and one the ERP sends
    // through INGRESS is parked as UnknownSite.
    const early = await postOrder(GHENT, "SO-GHENT-EARLY")
    expect(early.status).toBe(422)
    expect(JSON.stringify(await early.json())).toContain("shipFrom")
    await sendIngress(GHENT, "SO-GHENT-INGRESS")
    const parked = await waitFor(
      "the ERP's Ghent order parked as UnknownSite",
      async () => {
        const body = (await (await fetch(`${mesh.regionUrl}/v1/parked`, operator())).json()) as {
          readonly parked: ReadonlyArray<{ readonly id: number; readonly reason: string; readonly subject: string }>
        }
        return body.parked.find((p) => p.reason === "UnknownSite" && p.subject === `in.${GHENT}.erp`)
      },
      { timeoutMs: 20_000 }
    )

    writeFileSync(
      join(mesh.sitesDir, "eu-west", `${GHENT}.json`),
      `${JSON.stringify(
        {
          id: GHENT,
          name: "Ghent cross-dock",
          region: "eu-west",
          timezone: "Europe/Brussels",
          enabled: true,
          inventoryOwner: "ERP"
        },
        null,
        2
      )}\n`
    )
    writeFileSync(
      join(mesh.sitesDir, "governance", "locations", `${GHENT}.json`),
      `${JSON.stringify(
        {
          site: GHENT,
          zones: [{ id: "GNT-OUT", kind: "outbound", docks: ghentInfo.outboundDocks }]
        },
        null,
        2
      )}\n`
    )

    const commandAt = Date.now()
    const added = topologyCli("add-site", GHENT)
    const commandMs = Date.now() - commandAt
    expect(added.status, added.out).toBe(0)
    expect(added.out).toContain(`region eu-west serves`)
    expect(added.out).toContain(GHENT)

    // The parked INGRESS order, replayed now that the site exists, is applied once (it keeps its key).
    const replayed = await regionFetch(`/v1/parked/${parked.id}/replay`, { method: "POST", ...operator() })
    expect(replayed.status).toBe(200)
    const created = await waitFor(
      "the replayed order created",
      async () => {
        const r = await fetch(`${mesh.regionUrl}/v1/orders/SO-GHENT-INGRESS`, operator())
        return r.status === 200 ? await r.json() : undefined
      },
      { timeoutMs: 20_000 }
    )
    expect(JSON.stringify(created)).toContain(GHENT)
    expect((await fetch(`${mesh.regionUrl}/v1/parked/${parked.id}/replay`, { method: "POST", ...operator() })).status).toBe(409)
    const timeline = (await (await fetch(`${mesh.regionUrl}/v1/orders/SO-GHENT-INGRESS/timeline`, operator())).json()) as {
      readonly timeline: ReadonlyArray<{ readonly type: string }>
    }
    expect(timeline.timeline.filter((e) => e.type === "OrderCreated")).toHaveLength(1)

    const leaf = mesh.topology.state.components.find((c) => c.kind === "nats-leaf" && c.site === GHENT)
    if (leaf === undefined || leaf.kind !== "nats-leaf") throw new Error(`no leaf for ${GHENT} after add-site:\n${added.out}`)
    const summary = await runScenario({
      apiUrl: mesh.regionUrl,
      apiKeys: regionApiKeys(mesh.topology.stateDir, "eu-west"),
      hubNatsUrl: mesh.hubUrl,
      leafNatsUrls: { [GHENT]: clientUrl(leaf.nats) },
      natsAuth: (user) => natsAuthOptions(mesh.topology.natsCredentials(user)),
      region: "eu-west",
      sites: [GHENT],
      siteInfos: [ghentInfo],
      orders: 3,
      seed: 11,
      runTag: "ghent",
      exceptions: QUIET_EXCEPTIONS,
      ratePerSecond: 10,
      legMs: 20,
      timeoutMs: 55_000
    })
    const flowedMs = Date.now() - commandAt
    console.log(JSON.stringify({ add_site_command_ms: commandMs, first_orders_end_to_end_ms_after_command: flowedMs, completed: summary.completed }))
    expect(summary.problems).toEqual([])
    expect(summary.completed).toBe(3)
    expect(scenarioSucceeded(summary)).toBe(true)
    // the Ghent WES did its work through its own leaf
    expect(summary.site_channels[GHENT]?.answers ?? 0).toBeGreaterThan(0)
    expect(flowedMs, "first orders of the new site delivered within 60 s of the command").toBeLessThanOrEqual(60_000)

    // The site's master data reached its own leaf, on its own stream apart from execution events.
    const md = await connect({ servers: clientUrl(leaf.nats), ...admin() })
    try {
      const jsm = await jetstreamManager(md, { domain: GHENT })
      const record = (subject: string) =>
        waitFor(
          `${subject} in ${GHENT}'s SITE_MASTER_DATA`,
          async () => {
            const m = await jsm.streams.getMessage("SITE_MASTER_DATA", { last_by_subj: subject }).catch(() => null)
            return m === null ? undefined : (JSON.parse(new TextDecoder().decode(m.data)) as Record<string, unknown>)
          },
          { timeoutMs: 15_000 }
        )
      expect(await record(`md.location.${GHENT}`)).toEqual({
        site: GHENT,
        zones: [{ zone: "GNT-OUT", kind: "outbound", docks: ["GNT-D10", "GNT-D11"] }]
      })
      expect(await record("md.item.SKU-42")).toMatchObject({ item: "SKU-42", baseUnit: "EA" })
      expect(await record(`md.site.${GHENT}`)).toMatchObject({ site: GHENT, region: "eu-west", inventoryOwner: "ERP" })
    } finally {
      await md.close()
    }

    // Nothing that ran before the command was restarted.
    for (const p of before) expect(isProcessAlive(p.pid, p.startTime ?? undefined), `${p.name} pid ${p.pid} still the same process`).toBe(true)
    const after = new Map(processes().map((p) => [p.name, p]))
    for (const p of before) expect(after.get(p.name)?.pid, p.name).toBe(p.pid)

    // Disabling: one command; the region refuses new orders for the site; its leaf and link are stopped; nothing else restarts.
    const disabled = topologyCli("disable-site", GHENT)
    expect(disabled.status, disabled.out).toBe(0)
    const late = await postOrder(GHENT, "SO-GHENT-LATE")
    expect(late.status).toBe(422)
    const sites = (await (await regionFetch("/v1/sites", operator())).json()) as { readonly sites: ReadonlyArray<{ readonly id: string }> }
    expect(sites.sites.map((s) => s.id).sort()).toEqual(["dc-antwerp", "dc-rotterdam"])
    expect(mesh.topology.state.components.filter((c) => c.name.endsWith(GHENT)).every((c) => c.pid === null)).toBe(true)
    // Its consumers are stopped: a command the ERP sends for it now stays in INGRESS, unread by the region.
    await sendIngress(GHENT, "SO-GHENT-AFTER")
    const hub = await connect({ servers: mesh.hubUrl, ...admin() })
    try {
      const jsm = await jetstreamManager(hub, { domain: "hub" })
      await new Promise((resolve) => setTimeout(resolve, 3_000))
      const info = await jsm.consumers.info("INGRESS", `region_eu-west_${GHENT}_ingress`)
      expect(info.num_pending).toBe(1)
      expect((await fetch(`${mesh.regionUrl}/v1/orders/SO-GHENT-AFTER`, operator())).status).not.toBe(200)
    } finally {
      await hub.close()
    }
    for (const p of before) expect(isProcessAlive(p.pid, p.startTime ?? undefined), `${p.name} still running`).toBe(true)
  }, 180_000)
})
