/**
 * startTestNats: a standalone JetStream server that keeps its stream across
 * a kill + restart on the same ports, and leaves nothing behind after stop().
 */
import { existsSync } from "node:fs"
import { isAlive } from "@logimesh/topology"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { afterAll, describe, expect, it } from "vitest"
import { randomSuffix, startTestNats, type TestNats } from "../src/index.ts"

let nats: TestNats | undefined

afterAll(async () => {
  await nats?.stop()
})

describe("startTestNats", () => {
  it("restarts on the same ports and store, then stops cleanly", async () => {
    nats = await startTestNats("testkit-nats")
    const stream = `S_${randomSuffix()}`
    const first = await connect({ servers: nats.url, reconnect: false })
    await (await jetstreamManager(first)).streams.add({ name: stream, subjects: [`${stream}.>`] })
    await jetstream(first).publish(`${stream}.x`, "kept")
    await first.close()

    const oldPid = nats.server.process.pid
    await nats.server.process.kill()
    expect(isAlive(oldPid)).toBe(false)
    await nats.restart()
    expect(nats.server.process.pid).not.toBe(oldPid)

    const second = await connect({ servers: nats.url, reconnect: false })
    const kept = await (await jetstreamManager(second)).streams.getMessage(stream, { seq: 1 })
    expect(kept?.string()).toBe("kept")
    await second.close()

    const pid = nats.server.process.pid
    const dir = nats.server.config.storeDir
    await nats.stop()
    await nats.stop()
    expect(isAlive(pid)).toBe(false)
    expect(existsSync(dir)).toBe(false)
  })
})
