/**
 * The authenticated mesh the security tests attack: the local topology's
 * hub and the two site leaves of `sites/` (Rotterdam, Antwerp) behind their
 * WAN proxies, started exactly as `npm run up` starts them (generated NKey
 * users with their permissions, leaf links over TLS with per-site leaf users),
 * with the mesh streams applied, but no region: the test creates
 * `SYSTEMS_eu-west` and `COMMANDS_eu-west` as the region would. Helpers
 * connect as any of the topology's users and read stream counts as admin.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { cpSync } from "node:fs"
import { join } from "node:path"
import { natsAuthOptions } from "@logimesh/bus"
import { makeTestRunDir, testPostgresUrl } from "@logimesh/testkit"
import { ADMIN_USER, clientUrl, repoRoot, type Topology, upTopology, waitFor } from "@logimesh/topology"

export const REGION = "eu-west"
export const SITE_A = "dc-rotterdam"
export const SITE_B = "dc-antwerp"

export interface SecureMesh {
  readonly topology: Topology
  readonly hubUrl: string
  readonly leafUrl: (site: string) => string
  /** A connection as `user` (admin, erp, dispatch, carrier, region-eu-west, wes-<site>) to the hub or a site's leaf. */
  connectAs(user: string, where: "hub" | { readonly site: string }): Promise<NatsConnection>
  /** Messages stored in `stream` of `domain`, read by the admin at the hub. */
  count(stream: string, domain: string): Promise<number>
  /** The admin's connection at the hub (for subscriptions that must stay silent). */
  readonly admin: NatsConnection
  stop(): Promise<void>
}

export const startSecureMesh = async (label: string, options: { readonly natsClientTls?: boolean } = {}): Promise<SecureMesh> => {
  const runDir = makeTestRunDir(label)
  const sitesDir = join(runDir.path, "sites")
  cpSync(join(repoRoot, "sites"), sitesDir, { recursive: true })
  // No region, so no database is used; an existing server keeps the topology from starting a private cluster.
  const topology = await upTopology({
    stateDir: join(runDir.path, "state"),
    sitesDir,
    fresh: true,
    withRegions: false,
    databaseUrl: testPostgresUrl(),
    natsClientTls: options.natsClientTls === true
  })
  const connections: Array<NatsConnection> = []
  const components = topology.state.components
  const urlOf = (where: "hub" | { readonly site: string }): string => {
    const found = components.find((c) => (where === "hub" ? c.kind === "nats-hub" : c.kind === "nats-leaf" && c.site === where.site))
    if (found?.kind !== "nats-hub" && found?.kind !== "nats-leaf") throw new Error(`no NATS server for ${JSON.stringify(where)}`)
    return clientUrl(found.nats)
  }
  const connectAs = async (user: string, where: "hub" | { readonly site: string }): Promise<NatsConnection> => {
    const nc = await connect({ servers: urlOf(where), name: `security-${user}`, ...natsAuthOptions(topology.natsCredentials(user)), timeout: 5_000 })
    connections.push(nc)
    return nc
  }
  const admin = await connectAs(ADMIN_USER, "hub")
  const count = async (stream: string, domain: string): Promise<number> =>
    (await (await jetstreamManager(admin, { domain })).streams.info(stream)).state.messages
  try {
    const jsm = await jetstreamManager(admin, { domain: "hub" })
    await jsm.streams.add({ name: `SYSTEMS_${REGION}`, subjects: ["sys.>"] })
    await jsm.streams.add({ name: `COMMANDS_${REGION}`, subjects: [`cmd.${REGION}.>`] })
    // SITE_COMMANDS of each site sources SYSTEMS_eu-west: wait until the source is set up.
    for (const site of [SITE_A, SITE_B]) {
      await waitFor(
        `${site} SITE_COMMANDS sourcing SYSTEMS_${REGION}`,
        async () => {
          const info = await (await jetstreamManager(admin, { domain: site })).streams.info("SITE_COMMANDS")
          return info.sources?.some((s) => s.name === `SYSTEMS_${REGION}` && s.error === undefined) === true ? true : undefined
        },
        { timeoutMs: 20_000 }
      )
    }
  } catch (error) {
    await topology.down().catch(() => undefined)
    throw error
  }
  return {
    topology,
    hubUrl: urlOf("hub"),
    leafUrl: (site) => urlOf({ site }),
    connectAs,
    count,
    admin,
    stop: async () => {
      await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)))
      await topology.down()
      runDir.remove()
    }
  }
}

/** Publishes through JetStream (an ack expected): what a legitimate sender does. */
export const publishAcked = (nc: NatsConnection, subject: string, body: string, domain?: string) =>
  jetstream(nc, domain === undefined ? {} : { domain }).publish(subject, new TextEncoder().encode(body), { timeout: 3_000 })

/** Collects what arrives on `subject` for the admin (the attack's target must stay silent). */
export const watch = async (nc: NatsConnection, subject: string): Promise<{ readonly received: () => ReadonlyArray<string> }> => {
  const got: Array<string> = []
  nc.subscribe(subject, {
    callback: (_error, msg) => {
      got.push(msg.subject)
    }
  })
  await nc.flush()
  return { received: () => got }
}

/** A durable pull consumer of the WES on its site's SITE_COMMANDS, as the simulated WES creates it. */
export const wesConsumer = async (nc: NatsConnection, site: string, durable: string) => {
  const jsm = await jetstreamManager(nc, { domain: site })
  await jsm.consumers.add("SITE_COMMANDS", {
    durable_name: durable,
    filter_subject: `sys.wes.${site}.>`,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All
  })
  return jetstream(nc, { domain: site }).consumers.get("SITE_COMMANDS", durable)
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** How long a refused message is given to show up anyway before "nothing arrived" is concluded. */
export const SETTLE_MS = 1_500
