/**
 * The engine fixture with `auth` (what the engine benchmark runs on): its
 * standalone nats-server refuses an anonymous client and an NKey it does not
 * know, and the fixture's user may publish the run's inputs but nothing
 * outside its allow-list (a module command `cmd.>`): the refused publish
 * gets no ack and stores nothing, counted in a stream that captures it.
 * An engine child started by the fixture logs in with the same seed and
 * parks the undecodable probe input on the run's DLQ subject.
 */
import { readFileSync, statSync } from "node:fs"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, type NatsConnection, nkeyAuthenticator } from "@nats-io/transport-node"
import { createUser } from "@nats-io/nkeys"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { natsAuthOptions } from "@logimesh/bus"
import { waitFor } from "@logimesh/topology"
import { type EngineFixture, startEngineFixture } from "./engineHarness.ts"

let fixture: EngineFixture
let engineUser: NatsConnection

beforeAll(async () => {
  fixture = await startEngineFixture({ label: "engine-fixture-auth", auth: true })
  engineUser = await connect({ servers: fixture.nats.url, reconnect: false, ...natsAuthOptions(fixture.nats.credentials) })
}, 60_000)

afterAll(async () => {
  await engineUser?.close()
  await fixture?.stop()
}, 60_000)

const AUTHORIZATION = /authorization/i
const PERMISSION = /permission/i

describe("the engine fixture's authenticated nats-server", () => {
  it("keeps the seed in a 0600 file and only the public key in the server's config", () => {
    const seedFile = fixture.nats.credentials?.seedFile
    expect(seedFile).toBeDefined()
    expect(statSync(seedFile!).mode & 0o777).toBe(0o600)
    const seed = readFileSync(seedFile!, "utf8").trim()
    const config = readFileSync(fixture.nats.server.configFile, "utf8")
    expect(config).toContain("authorization {")
    expect(config).not.toContain(seed)
  })

  it("refuses an anonymous client and an NKey it does not know", async () => {
    await expect(connect({ servers: fixture.nats.url, reconnect: false })).rejects.toThrow(AUTHORIZATION)
    const stranger = nkeyAuthenticator(createUser().getSeed())
    await expect(connect({ servers: fixture.nats.url, reconnect: false, authenticator: stranger })).rejects.toThrow(AUTHORIZATION)
  })

  it("lets the fixture's user publish an input, and refuses a publish outside its allow-list with nothing stored", async () => {
    const js = jetstream(engineUser, { timeout: 3_000 })
    const before = await fixture.streamMessages(fixture.names.stream)
    const ack = await js.publish(fixture.names.inputSubject, '{"probe":1}')
    expect(ack.stream).toBe(fixture.names.stream)
    expect(await fixture.streamMessages(fixture.names.stream)).toBe(before + 1)

    // A stream that would store the attack (the user may create streams: the JetStream API is allowed).
    const commands = `CMD_${fixture.names.token}`
    await (await jetstreamManager(engineUser)).streams.add({ name: commands, subjects: [`cmd.${fixture.names.token}.>`] })
    await expect(js.publish(`cmd.${fixture.names.token}.order`, '{"attack":true}')).rejects.toThrow(PERMISSION)
    expect(await fixture.streamMessages(commands)).toBe(0)
    expect(await fixture.streamMessages(fixture.names.stream)).toBe(before + 1)
  })

  it("starts an engine child that logs in with the fixture's seed and parks the probe on the DLQ subject", async () => {
    const child = fixture.spawnEngine()
    await child.ready
    await waitFor("the probe parked", async () => ((await fixture.streamMessages(fixture.names.dlqStream)) >= 1 ? true : undefined), { timeoutMs: 20_000 })
    expect(child.alive()).toBe(true)
    expect((await fixture.consumerInfo()).num_ack_pending).toBe(0)
  }, 60_000)
})
