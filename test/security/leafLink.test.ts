/**
 * The leafnode links: TLS verified at both ends (a leaf without a
 * certificate the mesh CA signed never links), and the per-site leaf user's
 * permissions, whose direction nats-server 2.9.10 takes from the LEAF's side
 * (measured here): `publish` limits what the leaf sends up to the hub,
 * `subscribe` what the hub sends down to the leaf. An unrestricted client
 * (the admin) on either side cannot push anything else across.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import {
  ADMIN_USER,
  hubLinkedDomains,
  leafSecurity,
  logCursor,
  logFileOf,
  makeForeignLeafCertificate,
  type NatsServer,
  secretsDirOf,
  startNatsServer,
  waitFor
} from "@logimesh/topology"
import { publishAcked, type SecureMesh, SETTLE_MS, SITE_A, sleep, startSecureMesh, watch } from "./secureMesh.ts"

let mesh: SecureMesh
const impostors: Array<NatsServer> = []

beforeAll(async () => {
  mesh = await startSecureMesh("security-leaf")
}, 90_000)

afterAll(async () => {
  await Promise.all(impostors.map((server) => server.process.kill()))
  await mesh?.stop()
}, 60_000)

const hub = () => {
  const found = mesh.topology.state.components.find((c) => c.kind === "nats-hub")
  if (found?.kind !== "nats-hub") throw new Error("no hub")
  return found
}

/** A leaf of a made-up site that links straight to the hub with `tls` as its remote's TLS (or none). */
const startImpostorLeaf = async (name: string, tls: "foreign" | "none"): Promise<NatsServer> => {
  const dir = join(mesh.topology.stateDir, "impostors", name)
  const secretsDir = secretsDirOf(mesh.topology.stateDir)
  // The real credentials of site A's leaf user: only the certificate is wrong.
  const genuine = leafSecurity(SITE_A, { secretsDir, clientTls: false })
  const server = await startNatsServer(
    {
      role: "leaf",
      serverName: name,
      host: "127.0.0.1",
      port: 0,
      monitorPort: 0,
      storeDir: join(dir, "js"),
      domain: name,
      hubLeafAddress: `127.0.0.1:${hub().nats.leafPort}`
    },
    {
      workDir: dir,
      security: {
        ...genuine,
        // It trusts the mesh CA (so it would accept the hub), but its own certificate comes from another CA.
        leafTls: tls === "foreign" ? { ...makeForeignLeafCertificate(join(dir, "tls")), caFile: genuine.leafTls?.caFile ?? "" } : undefined
      }
    }
  )
  impostors.push(server)
  return server
}

const impostorLogFile = (server: NatsServer): string => join(mesh.topology.stateDir, "impostors", server.config.serverName, `${server.config.serverName}.log`)

describe("leafnode links", () => {
  it("positive control: both sites are linked over TLS, and a site's event is sourced into the hub", async () => {
    expect([...(await hubLinkedDomains(hub().nats))].sort()).toEqual(["dc-antwerp", "dc-rotterdam"])
    const before = await mesh.count("HUB_SITE_EVENTS", "hub")
    const siteAdmin = await mesh.connectAs(ADMIN_USER, { site: SITE_A })
    await publishAcked(siteAdmin, `site.${SITE_A}.evt.command`, '{"probe":1}', SITE_A)
    await waitFor("sourced into HUB_SITE_EVENTS", async () => ((await mesh.count("HUB_SITE_EVENTS", "hub")) === before + 1 ? true : undefined), {
      timeoutMs: 15_000
    })
  })

  it("a leaf presenting a certificate of another CA never links (refused by the hub's TLS verification)", async () => {
    const hubLog = logCursor(logFileOf(mesh.topology.component("nats-hub")))
    const impostor = await startImpostorLeaf("dc-impostor", "foreign")
    await waitFor(
      "the hub refusing the impostor's certificate",
      async () => (/TLS leafnode handshake error.*certificate/i.test(hubLog.text()) ? true : undefined),
      {
        timeoutMs: 10_000
      }
    )
    await sleep(3_000)
    expect((await hubLinkedDomains(hub().nats)).has("dc-impostor")).toBe(false)
    // The impostor's every attempt ends in the handshake; none is ever registered as a link.
    const impostorLog = readFileSync(impostorLogFile(impostor), "utf8")
    expect(impostorLog).toMatch(/Leafnode connection closed/)
    expect(impostorLog).not.toMatch(/JetStream.*domain|Remote leafnode .* (added|connected)/i)
  })

  it("a leaf without a certificate never links (the hub requires TLS on leaf links)", async () => {
    const impostor = await startImpostorLeaf("dc-plain", "none")
    await sleep(4_000)
    expect((await hubLinkedDomains(hub().nats)).has("dc-plain")).toBe(false)
    expect(readFileSync(impostorLogFile(impostor), "utf8")).toMatch(/Leafnode connection closed/)
  })

  it("leaf -> hub carries only what the leaf user may publish: an unrestricted client at the site cannot reach INGRESS", async () => {
    const siteAdmin = await mesh.connectAs(ADMIN_USER, { site: SITE_A })
    const ingress = await mesh.count("INGRESS", "hub")
    const seen = await watch(mesh.admin, "in.>")
    // No stream at the site captures in.>, and the link does not carry it to the hub's INGRESS: no answer at all.
    await expect(publishAcked(siteAdmin, `in.${SITE_A}.erp`, '{"attack":true}')).rejects.toThrow()
    await sleep(SETTLE_MS)
    expect(await mesh.count("INGRESS", "hub")).toBe(ingress)
    expect(seen.received()).toEqual([])
  })

  it("hub -> leaf carries only what the leaf user may subscribe to: a replayed site command arrives, a DLQ entry does not", async () => {
    const events = await mesh.count("SITE_EVENTS", SITE_A)
    const dlq = await mesh.count("DLQ", SITE_A)
    const siteAdmin = await mesh.connectAs(ADMIN_USER, { site: SITE_A })
    const seenAtSite = await watch(siteAdmin, `dlq.${SITE_A}.>`)
    // Allowed down the link (the region replays a site command it parked): stored in the site's SITE_EVENTS.
    const ack = await publishAcked(mesh.admin, `site.${SITE_A}.evt.command`, '{"replay":1}')
    expect(ack.domain).toBe(SITE_A)
    expect(await mesh.count("SITE_EVENTS", SITE_A)).toBe(events + 1)
    // Not allowed down the link: the site's DLQ subjects.
    await expect(publishAcked(mesh.admin, `dlq.${SITE_A}.SITE_EVENTS.x`, '{"attack":true}')).rejects.toThrow()
    await sleep(SETTLE_MS)
    expect(await mesh.count("DLQ", SITE_A)).toBe(dlq)
    expect(seenAtSite.received()).toEqual([])
  })
})
