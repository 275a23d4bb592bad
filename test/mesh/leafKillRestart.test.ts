/**
 * A site leaf killed with SIGKILL (mid-stream, no shutdown) and restarted on
 * the same ports and store dir still has every acked message of its stream,
 * keeps numbering after it, and the hub's sourced stream converges on the
 * full set without duplicates.
 */
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { randomSuffix, startTestMesh, type TestMesh } from "@logimesh/testkit"
import { waitFor } from "@logimesh/topology"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { addHubSourcingStream, addSiteStream, messageCount, msgIdOf, readAll, siteStreamFor } from "./federationStreams.ts"

const SITE = "site-a"
const run = randomSuffix()
const stream = siteStreamFor(SITE, run)
const HUB_STREAM = `FED_${run}`
const BEFORE_KILL = 300

let mesh: TestMesh | undefined
let hubNc: NatsConnection | undefined
let hubJsm: JetStreamManager

beforeAll(async () => {
  mesh = await startTestMesh({ sites: [SITE], label: "mesh-restart" })
  hubNc = await connect({ servers: mesh.hubUrl, name: "test-hub" })
  hubJsm = await jetstreamManager(hubNc)
})

afterAll(async () => {
  await hubNc?.close()
  await mesh?.stop()
})

const withLeaf = async <A>(url: string, use: (nc: NatsConnection) => Promise<A>): Promise<A> => {
  const nc = await connect({ servers: url, name: "test-leaf", reconnect: false })
  try {
    return await use(nc)
  } finally {
    await nc.close()
  }
}

const eventId = (i: number): string => `${SITE}:${run}:${i}`
const payload = (i: number): string => JSON.stringify({ site: SITE, i, note: `carton ${i}` })

describe("leaf SIGKILL and restart", () => {
  it("keeps the stream's data and sequence across a SIGKILL", async () => {
    if (mesh === undefined) throw new Error("mesh not started")
    const leafUrl = mesh.leaf(SITE).url
    await withLeaf(leafUrl, async (nc) => {
      await addSiteStream(await jetstreamManager(nc), stream)
      const js = jetstream(nc)
      const acks = await Promise.all(
        Array.from({ length: BEFORE_KILL }, (_, i) => js.publish(`${stream.subjectPrefix}.carton`, payload(i), { msgID: eventId(i) }))
      )
      expect(acks.every((ack) => !ack.duplicate)).toBe(true)
    })
    await addHubSourcingStream(hubJsm, HUB_STREAM, [stream])

    const pid = mesh.leaf(SITE).server.process.pid
    await mesh.killLeaf(SITE)
    await mesh.waitForLeafLink(SITE, false)
    const restartedAt = Date.now()
    await mesh.restartLeaf(SITE)
    console.log(`leaf restarted and relinked in ${Date.now() - restartedAt} ms`)
    expect(mesh.leaf(SITE).server.process.pid).not.toBe(pid)

    await withLeaf(mesh.leaf(SITE).url, async (nc) => {
      const jsm = await jetstreamManager(nc)
      const info = await jsm.streams.info(stream.name)
      expect(info.state.messages).toBe(BEFORE_KILL)
      expect(info.state.last_seq).toBe(BEFORE_KILL)
      const last = await jsm.streams.getMessage(stream.name, { last_by_subj: `${stream.subjectPrefix}.carton` })
      expect(last?.string()).toBe(payload(BEFORE_KILL - 1))
      expect(last === null ? undefined : msgIdOf(last)).toBe(eventId(BEFORE_KILL - 1))
      // Publishing continues after the last acked sequence.
      const next = await jetstream(nc).publish(`${stream.subjectPrefix}.carton`, payload(BEFORE_KILL), { msgID: eventId(BEFORE_KILL) })
      expect(next.seq).toBe(BEFORE_KILL + 1)
    })
  })

  it("the hub's sourced stream converges on every message exactly once", async () => {
    const startedAt = Date.now()
    await waitFor("hub to source every message", async () => ((await messageCount(hubJsm, HUB_STREAM)) >= BEFORE_KILL + 1 ? true : undefined), {
      timeoutMs: 20_000
    })
    console.log(`hub source converged ${Date.now() - startedAt} ms after the leaf came back`)
    const ids = (await readAll(hubJsm, HUB_STREAM)).map(msgIdOf)
    expect(ids).toHaveLength(BEFORE_KILL + 1)
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: BEFORE_KILL + 1 }, (_, i) => eventId(i))))
  })
})
