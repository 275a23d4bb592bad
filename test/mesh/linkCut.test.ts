/**
 * WAN cut between a site leaf and the hub (its TcpFaultProxy cut): the leaf
 * keeps accepting acked JetStream publishes locally, the hub's sourced stream
 * sees none of them during the cut, the other site stays linked, and after
 * the link returns the hub catches up on all of them by msg id, without
 * duplicates. Prints the catch-up time.
 */
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { hubLinkedDomains, randomSuffix, startTestMesh, type TestMesh } from "@logimesh/testkit"
import { waitFor } from "@logimesh/topology"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { addHubSourcingStream, addSiteStream, messageCount, msgIdOf, readAll, siteStreamFor } from "./federationStreams.ts"

const CUT_SITE = "site-a"
const OTHER_SITE = "site-b"
const run = randomSuffix()
const stream = siteStreamFor(CUT_SITE, run)
const HUB_STREAM = `FED_${run}`
const DURING_CUT = 1_000
/** How long the hub is watched for leaks while cut: several leaf reconnect rounds (reconnect: 1 s). */
const CUT_OBSERVATION_MS = 2_500

let mesh: TestMesh | undefined
const connections: Array<NatsConnection> = []
let hubJsm: JetStreamManager
let leafNc: NatsConnection

beforeAll(async () => {
  const startedAt = Date.now()
  mesh = await startTestMesh({ sites: [CUT_SITE, OTHER_SITE], viaProxy: true, label: "mesh-cut" })
  console.log(`2-leaf mesh via proxies up and linked in ${Date.now() - startedAt} ms`)
  const hubNc = await connect({ servers: mesh.hubUrl, name: "test-hub" })
  connections.push(hubNc)
  hubJsm = await jetstreamManager(hubNc)
  leafNc = await connect({ servers: mesh.leaf(CUT_SITE).url, name: "test-leaf" })
  connections.push(leafNc)
  await addSiteStream(await jetstreamManager(leafNc), stream)
  await addHubSourcingStream(hubJsm, HUB_STREAM, [stream])
})

afterAll(async () => {
  for (const nc of connections) await nc.close()
  await mesh?.stop()
})

const eventId = (i: number): string => `${CUT_SITE}:${run}:${i}`

describe("WAN cut between a site and the hub", () => {
  it("delays site events during the cut and loses none after it", async () => {
    if (mesh === undefined) throw new Error("mesh not started")
    const js = jetstream(leafNc)
    await js.publish(`${stream.subjectPrefix}.warmup`, "warmup", { msgID: `${CUT_SITE}:${run}:warmup` })
    await waitFor("warm-up event on the hub", async () => ((await messageCount(hubJsm, HUB_STREAM)) === 1 ? true : undefined))

    mesh.cutLink(CUT_SITE)
    await mesh.waitForLeafLink(CUT_SITE, false)
    const cutAt = Date.now()

    const acks = []
    for (let from = 0; from < DURING_CUT; from += 250) {
      acks.push(
        ...(await Promise.all(
          Array.from({ length: 250 }, (_, k) => js.publish(`${stream.subjectPrefix}.pick`, `pick ${from + k}`, { msgID: eventId(from + k) }))
        ))
      )
    }
    expect(acks).toHaveLength(DURING_CUT)
    expect(acks.every((ack) => ack.stream === stream.name && !ack.duplicate)).toBe(true)
    expect((await (await jetstreamManager(leafNc)).streams.info(stream.name)).state.messages).toBe(DURING_CUT + 1)

    // The hub sees none of them while the link is down; the other site stays linked.
    while (Date.now() - cutAt < CUT_OBSERVATION_MS) {
      expect(await messageCount(hubJsm, HUB_STREAM)).toBe(1)
      expect((await hubLinkedDomains(mesh.hub.config)).has(CUT_SITE)).toBe(false)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect((await hubLinkedDomains(mesh.hub.config)).has(OTHER_SITE)).toBe(true)

    const restoredAt = Date.now()
    mesh.restoreLink(CUT_SITE)
    await mesh.waitForLeafLink(CUT_SITE, true)
    const linkedAfterMs = Date.now() - restoredAt
    await waitFor("hub to catch up", async () => ((await messageCount(hubJsm, HUB_STREAM)) >= DURING_CUT + 1 ? true : undefined), { timeoutMs: 30_000 })
    const caughtUpMs = Date.now() - restoredAt
    console.log(`catch-up of ${DURING_CUT} events: link back ${linkedAfterMs} ms after restore, hub complete ${caughtUpMs} ms after restore`)

    const ids = (await readAll(hubJsm, HUB_STREAM)).map(msgIdOf)
    expect(ids).toHaveLength(DURING_CUT + 1)
    expect(new Set(ids)).toEqual(new Set([`${CUT_SITE}:${run}:warmup`, ...Array.from({ length: DURING_CUT }, (_, i) => eventId(i))]))
    // Per-site order holds: the hub stores them in the order the site acked them.
    expect(ids.slice(1)).toEqual(Array.from({ length: DURING_CUT }, (_, i) => eventId(i)))
  })
})
