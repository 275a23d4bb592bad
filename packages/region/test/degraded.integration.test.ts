/**
 * Degraded mode of the region process, against a real nats-server
 * and a real Postgres reached through a TCP fault proxy (cutting the proxy
 * makes Postgres unreachable for this region only; the machine's Postgres
 * keeps running):
 *   - `/v1/backlog` and `/metrics` answer with every module consumer;
 *   - with Postgres cut the dependency gate closes (logged once), a command
 *     published meanwhile is neither handled nor redelivered, and the
 *     backlog shows it with no ETA; restored, the gate opens and the command
 *     is applied on its first delivery, nothing parked; the API key cache's
 *     revocation listener is lost with the link (logged once) and listens
 *     again once it is restored.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { cpSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  createTestDatabase,
  makeTestRunDir,
  type RegionProcess,
  startRegionProcess,
  startTestNats,
  type TestDatabase,
  type TestNats,
  type TestRunDir
} from "@logimesh/testkit"
import { repoRoot, startTcpFaultProxy, type TcpFaultProxy, waitFor } from "@logimesh/topology"
import { Effect } from "effect"
import type { SiteId } from "@logimesh/model"
import { withApiKeyStore } from "../src/auth/ApiKeyAdmin.ts"

const region = "eu-west"
const modules = ["order", "task", "shipment", "inventory", "pod"]

interface Logged {
  readonly msg: string
  readonly level: unknown
  readonly [key: string]: unknown
}

let nats: TestNats
let database: TestDatabase
let dir: TestRunDir
let proxy: TcpFaultProxy
let nc: NatsConnection
let regionProcess: RegionProcess | undefined
let api = ""
/** The operator's and the Rotterdam WES's credentials (issued once the region has migrated its database). */
let adminAuth: Record<string, string> = {}
let wesAuth: Record<string, string> = {}

const logged = (): ReadonlyArray<Logged> => (regionProcess?.logLines() ?? []) as ReadonlyArray<Logged>

const getJson = async (path: string): Promise<{ status: number; body: any }> => {
  const response = await fetch(`${api}${path}`, { headers: adminAuth, signal: AbortSignal.timeout(3_000) })
  return { status: response.status, body: await response.json() }
}

const getText = async (path: string): Promise<{ status: number; type: string; body: string }> => {
  const response = await fetch(`${api}${path}`, { headers: adminAuth, signal: AbortSignal.timeout(3_000) })
  return { status: response.status, type: response.headers.get("content-type") ?? "", body: await response.text() }
}

const consumerOf = (body: any, module: string) => (body.consumers as Array<any>).find((c) => c.consumer === `${region}_${module}`)

beforeAll(async () => {
  ;[nats, database] = await Promise.all([startTestNats("region-degraded"), createTestDatabase("region-degraded")])
  dir = makeTestRunDir("region-degraded-sites")
  cpSync(join(repoRoot, "sites"), join(dir.path, "sites"), { recursive: true })
  const pgUrl = new URL(database.url)
  proxy = await startTcpFaultProxy({ targetHost: pgUrl.hostname, targetPort: Number(pgUrl.port || "5432") })
  const viaProxy = new URL(database.url)
  viaProxy.hostname = proxy.host
  viaProxy.port = String(proxy.port)
  regionProcess = startRegionProcess(
    {
      LOGIMESH_REGION: region,
      LOGIMESH_SITES_DIR: join(dir.path, "sites"),
      NATS_URL: nats.url,
      DATABASE_URL: viaProxy.toString()
    },
    "region-degraded"
  )
  api = await regionProcess.url()
  nc = await connect({ servers: nats.url, name: "degraded-test" })
  await waitFor("region /readyz 200", async () => ((await getJson("/readyz")).status === 200 ? true : undefined), { timeoutMs: 40_000 })
  const [admin, wes] = await withApiKeyStore(database.url, (store) =>
    Effect.all([store.issue({ system: "LOGIMESH", admin: true }), store.issue({ system: "WES", site: "dc-rotterdam" as SiteId, admin: false })])
  )
  adminAuth = { authorization: `Bearer ${admin.key}` }
  wesAuth = { authorization: `Bearer ${wes.key}` }
}, 60_000)

afterAll(async () => {
  await regionProcess?.kill()
  await nc?.close()
  await proxy?.close()
  await nats?.stop()
  await database?.drop()
  dir?.remove()
}, 30_000)

describe("region degraded mode", () => {
  it("/v1/backlog and /metrics answer with every module consumer and every served site's consumers", async () => {
    const backlog = await waitFor(
      "every module consumer read",
      async () => {
        const r = await getJson("/v1/backlog")
        return r.status === 200 && modules.every((m) => consumerOf(r.body, m)?.backlog !== null) ? r.body : undefined
      },
      { timeoutMs: 10_000 }
    )
    expect(backlog.region).toBe(region)
    const consumers = backlog.consumers as Array<any>
    expect(
      consumers
        .filter((c) => c.stream === `COMMANDS_${region}`)
        .map((c) => c.consumer)
        .sort()
    ).toEqual(modules.map((m) => `${region}_${m}`).sort())
    for (const m of modules) {
      expect(consumerOf(backlog, m)).toMatchObject({ stream: `COMMANDS_${region}`, backlog: 0, eta_s: 0, error: null })
    }
    // Each served site's consumers are listed too; this region runs on a bare NATS server without the mesh
    // streams, so they cannot be read: their backlog is unknown, and so is the total ETA.
    for (const site of ["dc-rotterdam", "dc-antwerp"]) {
      expect(consumers.find((c) => c.consumer === `region_${region}_${site}`)).toMatchObject({ stream: "HUB_SITE_EVENTS", backlog: null })
      expect(consumers.find((c) => c.consumer === `region_${region}_${site}_ingress`)).toMatchObject({ stream: "INGRESS", backlog: null })
    }
    expect(backlog.totals).toMatchObject({ backlog: 0, eta_s: null })
    expect(backlog.gate).toEqual({ open: true, outage_started_at: null, outage_s: null })
    expect(backlog.dependencies.postgres.up).toBe(true)
    expect(backlog.dependencies.nats.up).toBe(true)

    const metrics = await getText("/metrics")
    expect(metrics.status).toBe(200)
    expect(metrics.type).toContain("text/plain")
    for (const m of modules) {
      expect(metrics.body).toContain(`logimesh_backlog_messages{stream="COMMANDS_${region}",consumer="${region}_${m}"} 0`)
      expect(metrics.body).toContain(`logimesh_catchup_eta_seconds{stream="COMMANDS_${region}",consumer="${region}_${m}"} 0`)
      expect(metrics.body).toContain(`logimesh_drain_rate_per_second{stream="COMMANDS_${region}",consumer="${region}_${m}"} `)
    }
    expect(metrics.body).toContain('logimesh_dependency_up{dependency="postgres"} 1')
    expect(metrics.body).toContain('logimesh_dependency_up{dependency="nats"} 1')
    expect(metrics.body).toContain("logimesh_dependency_gate_open 1")
  })

  it("closes the gate while Postgres is unreachable, holds a command without spending deliveries, applies it once back", async () => {
    const jsm = await jetstreamManager(nc)
    const consumer = `${region}_inventory`
    const before = await jsm.consumers.info(`COMMANDS_${region}`, consumer)

    proxy.cut()
    const closed = await waitFor(
      "gate closed",
      async () => {
        const r = await getJson("/v1/backlog")
        return r.body.gate.open === false ? r.body : undefined
      },
      { timeoutMs: 10_000 }
    )
    expect(closed.dependencies.postgres.up).toBe(false)
    expect(typeof closed.gate.outage_started_at).toBe("string")
    expect((await getText("/metrics")).body).toContain('logimesh_dependency_up{dependency="postgres"} 0')

    // Admission control: the HTTP command API refuses new work at once, with Retry-After, instead of waiting on it.
    const refused = await fetch(`${api}/v1/inventory/dc-rotterdam/SKU-42/count`, {
      method: "POST",
      headers: { "content-type": "application/json", ...wesAuth },
      body: JSON.stringify({ onHand: { amount: "5", unit: "EA" } }),
      signal: AbortSignal.timeout(3_000)
    })
    expect(refused.status).toBe(503)
    expect(refused.headers.get("retry-after")).toBe("5")
    expect(JSON.stringify(await refused.json())).toContain("Postgres unreachable")

    // A stock count, as the API would publish it, while Postgres is away.
    const command = { _tag: "CountStock", by: "WES", site: "dc-rotterdam", item: "SKU-42", onHand: { amount: "100", unit: "EA" } }
    await jetstream(nc).publish(`cmd.${region}.inventory`, JSON.stringify(command), { msgID: `degraded-test:count:1` })
    // Longer than the first four retry delays (0.5 + 1 + 2 + 4 s) of a consumer without the gate.
    await new Promise((resolve) => setTimeout(resolve, 8_000))
    const during = await jsm.consumers.info(`COMMANDS_${region}`, consumer)
    expect(during.num_pending + during.num_ack_pending).toBe(1)
    expect(during.delivered.consumer_seq - before.delivered.consumer_seq).toBeLessThanOrEqual(1)
    expect(during.num_redelivered).toBe(0)
    const waiting = await waitFor(
      "backlog shows the command",
      async () => {
        const r = await getJson("/v1/backlog")
        const c = consumerOf(r.body, "inventory")
        return c?.backlog === 1 ? r.body : undefined
      },
      { timeoutMs: 5_000 }
    )
    expect(consumerOf(waiting, "inventory").eta_s).toBeNull()
    expect(waiting.totals.eta_s).toBeNull()
    expect((await getText("/metrics")).body).toContain(`logimesh_catchup_eta_seconds{stream="COMMANDS_${region}",consumer="${consumer}"} +Inf`)

    proxy.restore()
    await waitFor("gate open again", async () => ((await getJson("/v1/backlog")).body.gate.open === true ? true : undefined), {
      timeoutMs: 15_000
    })
    const stock = await waitFor(
      "the count applied",
      async () => {
        const r = await getJson("/v1/inventory/dc-rotterdam/SKU-42")
        return r.status === 200 ? r.body : undefined
      },
      { timeoutMs: 15_000 }
    )
    expect(JSON.stringify(stock)).toContain("100")
    const after = await waitFor("consumer settled", async () => {
      const info = await jsm.consumers.info(`COMMANDS_${region}`, consumer)
      return info.num_pending === 0 && info.num_ack_pending === 0 ? info : undefined
    })
    // Handled on its one and only delivery.
    expect(after.delivered.consumer_seq - before.delivered.consumer_seq).toBe(1)
    expect(after.num_redelivered).toBe(0)
    expect((await getJson("/v1/parked")).body).toMatchObject({ parked: [] })

    // Each transition logged once: a warning with the error, then info with the outage duration.
    const lost = logged().filter((l) => l.msg.startsWith("postgres unreachable"))
    const back = logged().filter((l) => l.msg.startsWith("postgres reachable again"))
    expect(lost).toHaveLength(1)
    expect(typeof lost[0]?.["error"]).toBe("string")
    expect(back).toHaveLength(1)
    expect(Number(back[0]?.["outageMs"])).toBeGreaterThan(0)
    // The API key cache's revocation listener went down with the link (the admin key kept reading by the outage
    // grace), said so once, and listens again.
    expect(logged().filter((l) => l.msg.startsWith("API key revocations: listener lost"))).toHaveLength(1)
    await waitFor(
      "the API key revocation listener back",
      async () => (logged().filter((l) => l.msg.startsWith("API key revocations: listening")).length === 2 ? true : undefined),
      { timeoutMs: 15_000 }
    )
  })
})
