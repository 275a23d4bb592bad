/**
 * The WES of one site, logged in with its own user on its own leaf, can do
 * its job (publish its commands into SITE_EVENTS, read its work from
 * SITE_COMMANDS, which still sources from the hub) and nothing else: every
 * attack below is refused by the server (a permissions violation, no ack)
 * and leaves no trace (stream counts unchanged, the admin's subscription on
 * the target subject silent).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { NatsConnection } from "@nats-io/transport-node"
import { jetstreamManager } from "@nats-io/jetstream"
import { leafName, logCursor, logFileOf, waitFor, wesUser } from "@logimesh/topology"
import { publishAcked, REGION, type SecureMesh, SETTLE_MS, SITE_A, SITE_B, sleep, startSecureMesh, watch, wesConsumer } from "./secureMesh.ts"

let mesh: SecureMesh
let wesA: NatsConnection

beforeAll(async () => {
  mesh = await startSecureMesh("security-wes")
  wesA = await mesh.connectAs(wesUser(SITE_A), { site: SITE_A })
}, 90_000)

afterAll(async () => {
  await mesh?.stop()
}, 60_000)

const PERMISSION = /permission/i

/** The attack publishes through JetStream (it wants an ack) and must be refused without one. */
const refusedPublish = async (subject: string, domain?: string) => {
  await expect(publishAcked(wesA, subject, '{"attack":true}', domain)).rejects.toThrow(PERMISSION)
}

describe("the WES of a site on its own leaf", () => {
  it("positive control: its command reaches the hub's HUB_SITE_EVENTS, and SITE_COMMANDS still sources its work from the hub", async () => {
    const before = await mesh.count("HUB_SITE_EVENTS", "hub")
    const ack = await publishAcked(wesA, `site.${SITE_A}.evt.command`, '{"probe":1}', SITE_A)
    expect(ack.stream).toBe("SITE_EVENTS")
    await waitFor("the command sourced into HUB_SITE_EVENTS", async () => ((await mesh.count("HUB_SITE_EVENTS", "hub")) === before + 1 ? true : undefined), {
      timeoutMs: 15_000
    })

    // The region's work for the site, published at the hub, reaches the site and its WES reads it there.
    await publishAcked(mesh.admin, `sys.wes.${SITE_A}.release`, '{"order":"SO-1"}', "hub")
    const consumer = await wesConsumer(wesA, SITE_A, "security_wes_positive")
    const msg = await consumer.next({ expires: 15_000 })
    expect(msg?.subject).toBe(`sys.wes.${SITE_A}.release`)
    msg?.ack()
  })

  it("cannot publish as another site (site.<other>.…): refused, nothing stored at that site or the hub", async () => {
    const siteB = await mesh.count("SITE_EVENTS", SITE_B)
    const hub = await mesh.count("HUB_SITE_EVENTS", "hub")
    const seen = await watch(mesh.admin, `site.${SITE_B}.>`)
    await refusedPublish(`site.${SITE_B}.evt.command`, SITE_A)
    await sleep(SETTLE_MS)
    expect(await mesh.count("SITE_EVENTS", SITE_B)).toBe(siteB)
    expect(await mesh.count("HUB_SITE_EVENTS", "hub")).toBe(hub)
    expect(seen.received()).toEqual([])
  })

  it("cannot publish a module command (cmd.>): refused, COMMANDS unchanged", async () => {
    const commands = await mesh.count(`COMMANDS_${REGION}`, "hub")
    const seen = await watch(mesh.admin, "cmd.>")
    await refusedPublish(`cmd.${REGION}.order`)
    await sleep(SETTLE_MS)
    expect(await mesh.count(`COMMANDS_${REGION}`, "hub")).toBe(commands)
    expect(seen.received()).toEqual([])
  })

  it("cannot publish into INGRESS as a central system (in.*.erp): refused, INGRESS unchanged", async () => {
    const ingress = await mesh.count("INGRESS", "hub")
    const seen = await watch(mesh.admin, "in.>")
    await refusedPublish(`in.${SITE_A}.erp`)
    await sleep(SETTLE_MS)
    expect(await mesh.count("INGRESS", "hub")).toBe(ingress)
    expect(seen.received()).toEqual([])
  })

  it("cannot publish master data (md.>): refused, MASTER_DATA and its site copy unchanged", async () => {
    const hub = await mesh.count("MASTER_DATA", "hub")
    const site = await mesh.count("SITE_MASTER_DATA", SITE_A)
    const seen = await watch(mesh.admin, "md.>")
    await refusedPublish("md.item.SKU-42")
    await sleep(SETTLE_MS)
    expect(await mesh.count("MASTER_DATA", "hub")).toBe(hub)
    expect(await mesh.count("SITE_MASTER_DATA", SITE_A)).toBe(site)
    expect(seen.received()).toEqual([])
  })

  it("cannot use the hub's JetStream API ($JS.hub.API.>): listing streams and reading SYSTEMS are refused, no consumer created", async () => {
    await expect(wesA.request("$JS.hub.API.STREAM.LIST", new TextEncoder().encode("{}"), { timeout: 3_000 })).rejects.toThrow(PERMISSION)
    const systems = await (await jetstreamManager(mesh.admin, { domain: "hub" })).streams.info(`SYSTEMS_${REGION}`)
    const hubApi = await jetstreamManager(wesA, { domain: "hub", checkAPI: false })
    await expect(
      hubApi.consumers.add(`SYSTEMS_${REGION}`, { durable_name: "stolen", filter_subject: "sys.erp.>", ack_policy: "explicit" as never })
    ).rejects.toThrow(PERMISSION)
    await sleep(SETTLE_MS)
    const after = await (await jetstreamManager(mesh.admin, { domain: "hub" })).streams.info(`SYSTEMS_${REGION}`)
    expect(after.state.consumer_count).toBe(systems.state.consumer_count)
  })

  it("cannot listen beyond its own inbox (others' replies on _INBOX.>, the hub's sys.>): refused, nothing received", async () => {
    for (const subject of ["_INBOX.>", "sys.>"]) {
      const got: Array<string> = []
      const errors: Array<string> = []
      wesA.subscribe(subject, {
        callback: (error, msg) => {
          if (error !== null) errors.push(String(error))
          else got.push(msg.subject)
        }
      })
      await wesA.flush()
      // A reply to someone else at the same leaf, and a message for the hub's SYSTEMS stream.
      const siteAdmin = await mesh.connectAs("admin", { site: SITE_A })
      siteAdmin.publish("_INBOX.someone.1", "secret")
      await siteAdmin.flush()
      await publishAcked(mesh.admin, `sys.erp.probe-${subject.length}`, "{}", "hub")
      await sleep(SETTLE_MS)
      expect(errors.join("\n")).toMatch(PERMISSION)
      expect(got).toEqual([])
    }
  })

  it("cannot read another site's work through its own domain's API (a consumer on SITE_COMMANDS filtered to the other site)", async () => {
    const jsm = await jetstreamManager(wesA, { domain: SITE_A, checkAPI: false, timeout: 3_000 })
    const before = (await (await jetstreamManager(mesh.admin, { domain: SITE_A })).streams.info("SITE_COMMANDS")).state.consumer_count
    const log = logCursor(logFileOf(mesh.topology.component(leafName(SITE_A))))
    // The leaf maps `$JS.<site>.API.…` to `$JS.API.…` before its check, so the client cannot tie the refusal to
    // its request and sees no answer; the leaf logs the refusal.
    await expect(
      jsm.consumers.add("SITE_COMMANDS", { durable_name: "peek", filter_subject: `sys.wes.${SITE_B}.>`, ack_policy: "explicit" as never })
    ).rejects.toThrow()
    await waitFor(
      "the leaf's refusal in its log",
      async () => (/Publish Violation.*\$JS\.API\.CONSUMER\.CREATE\.SITE_COMMANDS\.peek/.test(log.text()) ? true : undefined),
      {
        timeoutMs: 5_000
      }
    )
    expect((await (await jetstreamManager(mesh.admin, { domain: SITE_A })).streams.info("SITE_COMMANDS")).state.consumer_count).toBe(before)
  })
})
