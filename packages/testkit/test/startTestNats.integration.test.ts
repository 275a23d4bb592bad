/**
 * startTestNats: a standalone JetStream server that keeps its stream across
 * a kill + restart on the same ports, and leaves nothing behind after stop().
 * With `auth`: anonymous clients are refused, the user logs in with the seed
 * `credentials` names and may publish only its allow-list (also after a
 * restart); without it the config says no authorization is configured.
 */
import { existsSync, readFileSync } from "node:fs"
import { isAlive } from "@logimesh/topology"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, nkeyAuthenticator } from "@nats-io/transport-node"
import { afterAll, describe, expect, it } from "vitest"
import { randomSuffix, startTestNats, type TestNats } from "../src/index.ts"

let nats: TestNats | undefined
let authenticated: TestNats | undefined

afterAll(async () => {
  await nats?.stop()
  await authenticated?.stop()
})

describe("startTestNats", () => {
  it("restarts on the same ports and store, then stops cleanly", async () => {
    nats = await startTestNats("testkit-nats")
    expect(nats.credentials).toBeUndefined()
    expect(readFileSync(nats.server.configFile, "utf8")).toContain("# authorization: none")
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

  it("with auth, refuses anonymous clients and lets its user publish only its allow-list, also after a restart", async () => {
    const stream = `A_${randomSuffix()}`
    authenticated = await startTestNats("testkit-nats-auth", {
      auth: { user: "probe", permissions: { publish: [`${stream}.ok`, "$JS.API.>"], subscribe: ["_INBOX.>"] } }
    })
    const server = authenticated
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(/authorization/i)
    const seed = readFileSync(server.credentials?.seedFile ?? "", "utf8").trim()
    const login = () => connect({ servers: server.url, reconnect: false, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) })

    const nc = await login()
    await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${stream}.>`] })
    await jetstream(nc).publish(`${stream}.ok`, "allowed")
    await expect(jetstream(nc, { timeout: 3_000 }).publish(`${stream}.other`, "refused")).rejects.toThrow(/permission/i)
    expect((await (await jetstreamManager(nc)).streams.info(stream)).state.messages).toBe(1)
    await nc.close()

    await server.server.process.kill()
    await server.restart()
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(/authorization/i)
    const again = await login()
    await expect(jetstream(again, { timeout: 3_000 }).publish(`${stream}.other`, "refused")).rejects.toThrow(/permission/i)
    expect((await (await jetstreamManager(again)).streams.info(stream)).state.messages).toBe(1)
    await again.close()
  })
})
