/**
 * Central systems at the hub, each with its own NKey user: the ERP sends
 * commands into INGRESS as the ERP (`in.<site>.erp`) and reads its own
 * messages from SYSTEMS_<region>; it cannot speak as dispatch, read another
 * system's messages, or publish module commands. Anonymous clients are
 * refused by the hub and by every leaf.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { NatsConnection } from "@nats-io/transport-node"
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { waitFor } from "@logimesh/topology"
import { publishAcked, REGION, type SecureMesh, SETTLE_MS, SITE_A, SITE_B, sleep, startSecureMesh, watch } from "./secureMesh.ts"

let mesh: SecureMesh
let erp: NatsConnection

beforeAll(async () => {
  mesh = await startSecureMesh("security-central")
  erp = await mesh.connectAs("erp", "hub")
}, 90_000)

afterAll(async () => {
  await mesh?.stop()
}, 60_000)

const PERMISSION = /permission/i
const SYSTEMS = `SYSTEMS_${REGION}`

describe("central systems at the hub", () => {
  it("positive control: the ERP's command reaches INGRESS, and it reads its own messages through its durable", async () => {
    const ingress = await mesh.count("INGRESS", "hub")
    const ack = await publishAcked(erp, `in.${SITE_A}.erp`, '{"order":"SO-9"}', "hub")
    expect(ack.stream).toBe("INGRESS")
    expect(await mesh.count("INGRESS", "hub")).toBe(ingress + 1)

    await publishAcked(mesh.admin, "sys.erp.confirmation", '{"order":"SO-9"}', "hub")
    const jsm = await jetstreamManager(erp, { domain: "hub" })
    await jsm.consumers.add(SYSTEMS, {
      durable_name: "erp_probe",
      filter_subject: "sys.erp.>",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All
    })
    const msg = await (await jetstream(erp, { domain: "hub" }).consumers.get(SYSTEMS, "erp_probe")).next({ expires: 10_000 })
    expect(msg?.subject).toBe("sys.erp.confirmation")
    msg?.ack()
  })

  it("the ERP cannot publish as dispatch (in.<site>.dispatch): refused, INGRESS unchanged", async () => {
    const ingress = await mesh.count("INGRESS", "hub")
    const seen = await watch(mesh.admin, `in.${SITE_B}.dispatch`)
    await expect(publishAcked(erp, `in.${SITE_B}.dispatch`, '{"attack":true}', "hub")).rejects.toThrow(PERMISSION)
    await sleep(SETTLE_MS)
    expect(await mesh.count("INGRESS", "hub")).toBe(ingress)
    expect(seen.received()).toEqual([])
  })

  it("the ERP cannot publish a module command (cmd.>): refused, COMMANDS unchanged", async () => {
    const commands = await mesh.count(`COMMANDS_${REGION}`, "hub")
    await expect(publishAcked(erp, `cmd.${REGION}.order`, '{"attack":true}', "hub")).rejects.toThrow(PERMISSION)
    await sleep(SETTLE_MS)
    expect(await mesh.count(`COMMANDS_${REGION}`, "hub")).toBe(commands)
  })

  it("the ERP cannot read dispatch's messages (a consumer on SYSTEMS filtered to sys.dispatch.>): refused, no consumer", async () => {
    const before = (await (await jetstreamManager(mesh.admin, { domain: "hub" })).streams.info(SYSTEMS)).state.consumer_count
    const jsm = await jetstreamManager(erp, { domain: "hub", checkAPI: false, timeout: 3_000 })
    await expect(jsm.consumers.add(SYSTEMS, { durable_name: "peek", filter_subject: "sys.dispatch.>", ack_policy: AckPolicy.Explicit })).rejects.toThrow()
    await sleep(SETTLE_MS)
    expect((await (await jetstreamManager(mesh.admin, { domain: "hub" })).streams.info(SYSTEMS)).state.consumer_count).toBe(before)
  })

  it("an anonymous client is refused by the hub and by each leaf", async () => {
    for (const url of [mesh.hubUrl, mesh.leafUrl(SITE_A), mesh.leafUrl(SITE_B)]) {
      await expect(connect({ servers: url, timeout: 3_000, reconnect: false })).rejects.toThrow(/authorization/i)
    }
    // And so is a client whose key the servers do not know.
    const { createUser } = await import("@nats-io/nkeys")
    const { nkeyAuthenticator } = await import("@nats-io/transport-node")
    const stranger = nkeyAuthenticator(createUser().getSeed())
    await expect(connect({ servers: mesh.hubUrl, timeout: 3_000, reconnect: false, authenticator: stranger })).rejects.toThrow(/authorization/i)
    await waitFor("the hub still serving its users", async () => ((await mesh.count("INGRESS", "hub")) >= 0 ? true : undefined), { timeoutMs: 1_000 })
  })
})
