/**
 * Servers started at the same moment never collide on a port: each
 * nats-server binds ports it picks itself (`-1`) and reports them, so there
 * is no gap between choosing a port and binding it for another start to fall
 * into. Eight standalone servers are started at once, side by side with the
 * other test files of the run, and all must be up on distinct ports.
 */
import { isAlive, natsHealthy } from "@logimesh/topology"
import { afterAll, describe, expect, it } from "vitest"
import { startTestNats, type TestNats } from "../src/index.ts"

const COUNT = 8
const servers: Array<TestNats> = []

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()))
}, 60_000)

describe("nats-servers started at once", () => {
  it(`${COUNT} start together, each running and healthy on its own ports`, async () => {
    const started = await Promise.allSettled(Array.from({ length: COUNT }, (_, i) => startTestNats(`at-once-${i}`)))
    for (const result of started) if (result.status === "fulfilled") servers.push(result.value)
    expect(started.flatMap((result) => (result.status === "rejected" ? [String(result.reason)] : []))).toEqual([])

    const ports = servers.flatMap((s) => [s.server.config.port, s.server.config.monitorPort])
    expect(ports.every((port) => port > 0)).toBe(true)
    expect(new Set(ports).size).toBe(2 * COUNT)
    for (const s of servers) {
      expect(isAlive(s.server.process.pid)).toBe(true)
      expect(await natsHealthy(s.server.config)).toBe(true)
      expect(s.url).toBe(`nats://127.0.0.1:${s.server.config.port}`)
    }
  }, 90_000)
})
