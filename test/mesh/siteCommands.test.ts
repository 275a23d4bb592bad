/**
 * Site systems send their `/v1` commands into their own leaf (SITE_EVENTS);
 * the region's site gateway applies them exactly like HTTP requests and
 * answers on `sys.wes.<site>.outcome`, which the leaf's SITE_COMMANDS
 * sources. Checked on the local topology (hub, WAN proxies, two leaves,
 * region, Postgres):
 *   - a refused command's answer (403, 400) comes back to the site;
 *   - with the site's WAN link cut, the leaf still takes the command
 *     (stored at the site), nothing is answered until the link returns,
 *     then it is applied and answered once;
 *   - a message naming no known command is parked where operators see it
 *     (`/v1/parked`, reason UnknownCommand), not dropped;
 *   - region-aware routing: the ERP publishes a command into the hub's
 *     INGRESS on `in.<ship-from site>.erp`; the region serving that site
 *     applies it and answers on `sys.erp.outcome`; a command for a site no
 *     region serves is parked with reason UnknownSite.
 */
import { natsAuthOptions } from "@logimesh/bus"
import { ADMIN_USER, waitFor, wesUser } from "@logimesh/topology"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestTopology, type TestTopology } from "@logimesh/testkit"
import { SiteCommandChannel } from "@logimesh/simulators"
import { orderBody } from "../flow/apiClient.ts"

const order = (id: string) => orderBody(id, "dc-rotterdam")

const SITE = "dc-rotterdam"
let mesh: TestTopology
/** Reads and operator routes go as the operator the topology issued a key for. */
const operator = () => ({ headers: { authorization: `Bearer ${mesh.apiKeys.admin}` } })
let channel: SiteCommandChannel
let leaf: NatsConnection

beforeAll(async () => {
  mesh = await startTestTopology("site-commands")
  // The WES connects as its site's own user; the test reads and injects as the admin.
  channel = new SiteCommandChannel({
    natsUrl: mesh.leafUrls[SITE] ?? "",
    natsAuth: natsAuthOptions(mesh.topology.natsCredentials(wesUser(SITE))),
    site: SITE,
    system: "WES",
    consumerPrefix: "t",
    answerTimeoutMs: 30_000
  })
  await channel.start()
  leaf = await connect({ servers: mesh.leafUrls[SITE] ?? "", ...natsAuthOptions(mesh.topology.natsCredentials(ADMIN_USER)) })
}, 120_000)

afterAll(async () => {
  await channel?.stop()
  await leaf?.close()
  await mesh?.stop()
}, 60_000)

describe("commands sent through a site's own leaf", () => {
  it("are answered back to the site: an ownership refusal (403) and malformed JSON (400)", async () => {
    const refused = await channel.send("POST", "/v1/orders", order("SO-SITE-403"), { "idempotency-key": "site-403", "x-correlation-id": "SO-SITE-403" })
    expect(refused.status).toBe(403)
    expect(JSON.stringify(refused.body)).toContain("not the owner")
    const malformed = await channel.send("POST", "/v1/orders/SO-X/release", "{not json" as unknown, { "idempotency-key": "site-400" })
    // the channel sends JSON: a string body arrives as a JSON string, which is not an object
    expect(malformed.status).toBe(400)
  }, 60_000)

  it("are stored at the site while its WAN link is cut, then applied and answered once when it returns", async () => {
    await mesh.topology.cut(SITE)
    const answersBefore = channel.stats.answers
    let answered = false
    // Rotterdam's WES owns its stock: a count it sends is applied, not refused.
    const pending = channel
      .send(
        "POST",
        `/v1/inventory/${SITE}/SKU-310/count`,
        { onHand: { amount: "77", unit: "EA" } },
        {
          "idempotency-key": "cut-count"
        }
      )
      .then((answer) => {
        answered = true
        return answer
      })
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    expect(answered, "no answer can come while the link is cut").toBe(false)
    const atSite = await (await jetstreamManager(leaf, { domain: SITE })).streams.getMessage("SITE_EVENTS", { last_by_subj: `site.${SITE}.evt.command` })
    expect(atSite?.header?.get("Idempotency-Key")).toBe("cut-count")
    const before = await (await fetch(`${mesh.regionUrl}/v1/inventory/${SITE}/SKU-310`, operator())).text()
    expect(before).not.toContain('"77"')
    await mesh.topology.restore(SITE)
    const answer = await pending
    expect(answer.status).toBe(200)
    expect(channel.stats.timeouts).toBe(0)
    const after = await waitFor(
      "the count applied",
      async () => {
        const text = await (await fetch(`${mesh.regionUrl}/v1/inventory/${SITE}/SKU-310`, operator())).text()
        return text.includes('"77"') ? text : undefined
      },
      { timeoutMs: 10_000 }
    )
    expect(after).toContain('"77"')
    // one answer for the one command, however the link behaved
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(channel.stats.answers - answersBefore).toBe(1)
  }, 60_000)

  it("parks a message it cannot apply, with its reason, for operators to see; nothing is applied", async () => {
    const parkedEntries = async () =>
      (
        (await (await fetch(`${mesh.regionUrl}/v1/parked`, operator())).json()) as {
          readonly parked: ReadonlyArray<{
            readonly reason: string
            readonly subject: string
            readonly msgId: string | null
            readonly headers: Readonly<Record<string, string>>
          }>
        }
      ).parked
    const send = async (id: string, headers: Readonly<Record<string, string>>) => {
      const h = natsHeaders()
      for (const [name, value] of Object.entries(headers)) h.set(name, value)
      await jetstream(leaf, { domain: SITE }).publish(
        `site.${SITE}.evt.command`,
        new TextEncoder().encode(JSON.stringify({ onHand: { amount: "5", unit: "EA" } })),
        {
          msgID: `${SITE}:${id}`,
          headers: h
        }
      )
    }
    const count = `/v1/inventory/${SITE}/SKU-1263/count`
    await send("bad-path", { "Logimesh-Command-Path": "/v1/nowhere", "Logimesh-Source-System": "WES", "Idempotency-Key": "site-bad-path" })
    await send("no-path", { "Logimesh-Source-System": "WES", "Idempotency-Key": "site-no-path" })
    await send("bad-sender", { "Logimesh-Command-Path": count, "Logimesh-Source-System": "SCANNER", "Idempotency-Key": "site-bad-sender" })
    await send("erp-at-site", { "Logimesh-Command-Path": count, "Logimesh-Source-System": "ERP", "Idempotency-Key": "site-erp" })
    const expected: Record<string, string> = {
      [`${SITE}:bad-path`]: "UnknownCommand",
      [`${SITE}:no-path`]: "NoCommandPath",
      // The subject names the sender (the site's WES); a header that says otherwise is refused.
      [`${SITE}:bad-sender`]: "SenderMismatch",
      [`${SITE}:erp-at-site`]: "SenderMismatch"
    }
    const entries = await waitFor(
      "all four parked",
      async () => {
        const found = (await parkedEntries()).filter((p) => p.msgId !== null && p.msgId in expected)
        return found.length === 4 ? found : undefined
      },
      { timeoutMs: 20_000 }
    )
    for (const entry of entries) {
      expect(entry.reason, entry.msgId ?? "").toBe(expected[entry.msgId ?? ""])
      expect(entry.subject).toBe(`site.${SITE}.evt.command`)
    }
    expect(entries.find((e) => e.reason === "UnknownCommand")?.headers["Logimesh-Command-Path"]).toBe("/v1/nowhere")
    // none of them was applied: no stock book for the item was written
    expect((await fetch(`${mesh.regionUrl}/v1/inventory/${SITE}/SKU-1263`, operator())).status).toBe(404)
  }, 60_000)

  it("routes an ERP command by its ship-from site to the region serving it, and parks one for an unknown site", async () => {
    const hub = await connect({ servers: mesh.hubUrl, ...natsAuthOptions(mesh.topology.natsCredentials(ADMIN_USER)) })
    try {
      const send = (site: string, order: string, path: string, body: unknown) => {
        const h = natsHeaders()
        h.set("Logimesh-Command-Path", path)
        h.set("Logimesh-Source-System", "ERP")
        h.set("Idempotency-Key", `ingress-${order}`)
        h.set("Logimesh-Correlation-Id", order)
        return jetstream(hub, { domain: "hub" }).publish(`in.${site}.erp`, new TextEncoder().encode(JSON.stringify(body)), {
          msgID: `erp:ingress-${order}`,
          headers: h
        })
      }
      const stored = await send("dc-antwerp", "SO-INGRESS-1", "/v1/orders", orderBody("SO-INGRESS-1", "dc-antwerp"))
      expect(stored.stream).toBe("INGRESS")
      const jsm = await jetstreamManager(hub, { domain: "hub" })
      const outcome = await waitFor(
        "the ERP's answer on sys.erp.outcome",
        async () => {
          const last = await jsm.streams.getMessage("SYSTEMS_eu-west", { last_by_subj: "sys.erp.outcome" }).catch(() => undefined)
          return last === undefined || last === null ? undefined : (JSON.parse(new TextDecoder().decode(last.data)) as { key: string; status: number })
        },
        { timeoutMs: 20_000 }
      )
      expect(outcome).toMatchObject({ key: "ingress-SO-INGRESS-1", status: 201 })
      const created = await fetch(`${mesh.regionUrl}/v1/orders/SO-INGRESS-1`, operator())
      expect(created.status).toBe(200)

      await send("dc-nowhere", "SO-INGRESS-2", "/v1/orders", orderBody("SO-INGRESS-2", "dc-nowhere"))
      const parked = await waitFor(
        "the command for an unknown site parked",
        async () => {
          const body = (await (await fetch(`${mesh.regionUrl}/v1/parked`, operator())).json()) as {
            readonly parked: ReadonlyArray<{ readonly reason: string; readonly subject: string; readonly detail: string }>
          }
          return body.parked.find((p) => p.reason === "UnknownSite")
        },
        { timeoutMs: 20_000, intervalMs: 250 }
      )
      expect(parked.subject).toBe("in.dc-nowhere.erp")
      expect(parked.detail).toContain("dc-nowhere")
    } finally {
      await hub.close()
    }
  }, 90_000)
})
