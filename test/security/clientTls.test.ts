/**
 * The client TLS option (`up --nats-client-tls`): every NATS server's client
 * listener requires TLS with the mesh's server certificate, clients verify it
 * against the mesh CA (`NATS_CA_FILE`), and the mesh works as before (leaf
 * links, sourcing). A client that does not trust the mesh CA cannot connect,
 * even with valid credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { connect, nkeyAuthenticator } from "@nats-io/transport-node"
import { ADMIN_USER, logFileOf, waitFor, wesUser } from "@logimesh/topology"
import { publishAcked, type SecureMesh, SITE_A, startSecureMesh } from "./secureMesh.ts"

let mesh: SecureMesh

beforeAll(async () => {
  mesh = await startSecureMesh("security-client-tls", { natsClientTls: true })
}, 90_000)

afterAll(async () => {
  await mesh?.stop()
}, 60_000)

describe("TLS on the client listeners", () => {
  it("positive control: clients with the mesh CA connect over TLS, and a site's command is sourced into the hub", async () => {
    expect(mesh.topology.natsCredentials(ADMIN_USER).caFile).toBeDefined()
    const hubConfig = readFileSync(logFileOf(mesh.topology.component("nats-hub")).replace(/\.log$/, ".conf"), "utf8")
    expect(hubConfig).toMatch(/^tls \{\n {2}cert_file: ".*server\.pem"/m)
    const wes = await mesh.connectAs(wesUser(SITE_A), { site: SITE_A })
    expect(wes.info?.tls_required).toBe(true)
    const before = await mesh.count("HUB_SITE_EVENTS", "hub")
    await publishAcked(wes, `site.${SITE_A}.evt.command`, '{"probe":1}', SITE_A)
    await waitFor("sourced into HUB_SITE_EVENTS", async () => ((await mesh.count("HUB_SITE_EVENTS", "hub")) === before + 1 ? true : undefined), {
      timeoutMs: 15_000
    })
  })

  it("a client that does not trust the mesh CA is refused, even with valid credentials", async () => {
    const seed = new TextEncoder().encode(readFileSync(mesh.topology.natsCredentials(ADMIN_USER).seedFile, "utf8").trim())
    await expect(connect({ servers: mesh.hubUrl, authenticator: nkeyAuthenticator(seed), timeout: 3_000, reconnect: false })).rejects.toThrow(
      /certificate|unable to verify/i
    )
  })
})
