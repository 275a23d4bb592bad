/**
 * The connection's status as `/readyz` sees it: connected, reconnecting while
 * the server is down, connected again after it returns, closed once the
 * Layer's scope is closed.
 */
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestNats, type TestNats } from "@logimesh/testkit"
import { type NatsServer, waitFor } from "@logimesh/topology"
import { NatsConnection, type NatsConnectionShape } from "../src/NatsConnection.ts"

let nats: TestNats | undefined
let restarted: NatsServer | undefined

beforeAll(async () => {
  nats = await startTestNats("bus-connection")
})

afterAll(async () => {
  await restarted?.process.kill()
  await nats?.stop()
})

describe("NatsConnection", () => {
  it("tracks connected -> reconnecting -> connected -> closed", async () => {
    if (nats === undefined) throw new Error("nats not started")
    const runtime = ManagedRuntime.make(NatsConnection.layerFrom({ url: nats.url, name: "status-test" }))
    const connection: NatsConnectionShape = await runtime.runPromise(NatsConnection.useSync((n) => n))
    const status = () => Effect.runPromise(connection.status)
    expect(await status()).toBe("connected")

    await nats.server.process.stop()
    await waitFor("status reconnecting", async () => ((await status()) === "reconnecting" ? true : undefined))

    restarted = await nats.server.restart()
    await waitFor("status connected again", async () => ((await status()) === "connected" ? true : undefined), { timeoutMs: 20_000 })

    await runtime.dispose()
    expect(await status()).toBe("closed")
  })
})
