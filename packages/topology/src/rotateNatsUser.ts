/**
 * Rotation of a NATS credential of a running topology, without restarting a
 * NATS server:
 *
 *   rotateNatsUser(user)   a new NKey seed for `user` (`secrets/nkeys/<user>.nk`,
 *                          replaced atomically, 0600); every running server that
 *                          hosts the user (the hub and/or the leaves) re-renders its
 *                          `authorization` block and reloads it (SIGHUP). A region
 *                          user's region process is restarted (it reads its seed once,
 *                          at start); any other client holding the old seed must
 *                          reconnect with the new file: the servers refuse the old one.
 *   rotateLeafLink(site)   a new password for the leaf user `leaf-<site>`; the hub
 *                          reloads, the site's leaf is restarted (its remote URL carries
 *                          the password, rendered at start) and links again.
 *
 * Measured on nats-server 2.9.10 (test/security/natsRotation.test.ts): the
 * reload closes a live connection that authenticated with the removed key,
 * and the server logs nothing for the close. Its reconnects are then refused
 * (`Authorization Violation`). So the rotation itself cuts off a client that
 * holds the old seed, not only its next connect. Connections of other users
 * stay up.
 */
import { loadMeshConfig } from "@logimesh/config"
import { Effect } from "effect"
import { isComponentAlive, leafLinks, reloadNatsSecurity, type RunnerContext } from "./ComponentRunner.ts"
import { hubUsers, leafPasswordFileOf, leafUser, leafUsers, rotateLeafPassword, rotateNkeySeed, seedFileOf } from "./NatsCredentials.ts"
import { leafName } from "./TopologyPlan.ts"
import type { TopologySecurity } from "./TopologySecurity.ts"
import type { HubComponent, LeafComponent, TopologyState } from "./TopologyState.ts"
import { waitFor } from "./waitFor.ts"

export interface CredentialRotationReport {
  readonly user: string
  /** The file now holding the new secret (the seed, or the leaf link's password). */
  readonly secretFile: string
  /** The user's new public key (NKey users). */
  readonly publicKey?: string | undefined
  /** The NATS servers that reloaded their users (SIGHUP, same process). */
  readonly reloaded: ReadonlyArray<string>
  /** The processes restarted to pick the new secret up. */
  readonly restarted: ReadonlyArray<string>
  /** What is left to the operator (clients outside the topology holding the old secret). */
  readonly notice?: string | undefined
  readonly elapsedMs: number
}

/** What a rotation needs of the running topology (Topology.ts hands it over). */
export interface RotationContext {
  readonly state: () => TopologyState
  readonly runner: RunnerContext & { readonly security: TopologySecurity }
  /** Stops and starts one component (it renders its config again from the secrets). */
  readonly restart: (name: string) => Promise<void>
  readonly linkedSites: () => Promise<ReadonlySet<string>>
  readonly log: (line: string) => void
}

type NatsComponent = HubComponent | LeafComponent

const natsServers = (state: TopologyState): ReadonlyArray<NatsComponent> =>
  state.components.flatMap((c) => (c.kind === "nats-hub" || c.kind === "nats-leaf" ? [c] : []))

/** The servers whose users include `user` (NKey users only: the leaf links are password users, see rotateLeafLink). */
const serversHosting = async (user: string, context: RotationContext): Promise<ReadonlyArray<NatsComponent>> => {
  const state = context.state()
  const mesh = await Effect.runPromise(loadMeshConfig(state.sitesDir))
  const secretsDir = context.runner.security.secretsDir
  const hosts = (users: ReadonlyArray<{ readonly kind: string; readonly name: string }>) => users.some((u) => u.kind === "nkey" && u.name === user)
  const onHub = hosts(hubUsers(secretsDir, mesh))
  const sites = mesh.regions.flatMap((entry) => entry.sites.map((site) => site.id as string))
  const onSites = sites.filter((site) => hosts(leafUsers(secretsDir, site)))
  if (!onHub && onSites.length === 0) {
    const leafLink = sites.find((site) => leafUser(site) === user)
    throw new Error(
      leafLink === undefined
        ? `"${user}" is no NKey user of this mesh (admin, region-<region>, erp, dispatch, carrier, wes-<site>)`
        : `"${user}" is a leaf link's password user: rotate it with rotate-leaf-link ${leafLink}`
    )
  }
  return natsServers(state).filter((c) => (c.kind === "nats-hub" ? onHub : onSites.includes(c.site)))
}

/** Reloads the users of each running server of `servers`; the names of those reloaded. */
const reloadAll = async (servers: ReadonlyArray<NatsComponent>, context: RotationContext): Promise<ReadonlyArray<string>> => {
  const reloaded: Array<string> = []
  for (const server of servers) {
    if (!isComponentAlive(server)) {
      context.log(`${server.name.padEnd(24)} not running: takes the new secret at its next start`)
      continue
    }
    await reloadNatsSecurity(server, context.runner)
    context.log(`${server.name.padEnd(24)} reloaded its users (pid ${server.pid})`)
    reloaded.push(server.name)
  }
  return reloaded
}

export const rotateNatsUser = async (user: string, context: RotationContext): Promise<CredentialRotationReport> => {
  const started = Date.now()
  const servers = await serversHosting(user, context)
  const secretsDir = context.runner.security.secretsDir
  const publicKey = rotateNkeySeed(secretsDir, user)
  context.log(`${user.padEnd(24)} new seed ${seedFileOf(secretsDir, user)} (public key ${publicKey})`)
  const reloaded = await reloadAll(servers, context)
  const restarted: Array<string> = []
  let notice: string | undefined
  const region = /^region-(.+)$/.exec(user)?.[1]
  if (region !== undefined) {
    // The region read its seed when it started; the reload has cut its connection off.
    for (const c of context.state().components) {
      if (c.kind !== "region" || c.region !== region || !isComponentAlive(c)) continue
      await context.restart(c.name)
      restarted.push(c.name)
    }
  } else {
    notice = `clients connected as ${user} with the old seed were disconnected by the reload and are refused from now on: reconnect them with ${seedFileOf(secretsDir, user)}`
    context.log(notice)
  }
  return { user, secretFile: seedFileOf(secretsDir, user), publicKey, reloaded, restarted, notice, elapsedMs: Date.now() - started }
}

export const rotateLeafLink = async (site: string, context: RotationContext): Promise<CredentialRotationReport> => {
  const started = Date.now()
  const state = context.state()
  const leaf = state.components.find((c) => c.name === leafName(site))
  if (leaf === undefined || leaf.kind !== "nats-leaf") throw new Error(`no leaf of site "${site}" in ${state.stateDir}`)
  const secretsDir = context.runner.security.secretsDir
  rotateLeafPassword(secretsDir, site)
  context.log(`${leafUser(site).padEnd(24)} new password ${leafPasswordFileOf(secretsDir, site)}`)
  const reloaded = await reloadAll(
    natsServers(state).filter((c) => c.kind === "nats-hub"),
    context
  )
  const restarted: Array<string> = []
  if (isComponentAlive(leaf)) {
    // The leaf's remote URL carries the password and is rendered at start.
    await context.restart(leaf.name)
    restarted.push(leaf.name)
    // Linked as seen from both ends: the new leaf process's own link (it logged in with the new password) and the hub's.
    const restartedLeaf = context.state().components.find((c) => c.name === leaf.name)
    if (restartedLeaf?.kind !== "nats-leaf") throw new Error(`${leaf.name} is gone from the state`)
    await waitFor(
      `${site} linked to the hub again`,
      async () =>
        (await leafLinks(restartedLeaf.nats.host, restartedLeaf.nats.monitorPort).catch(() => 0)) > 0 && (await context.linkedSites()).has(site)
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 200 }
    )
    context.log(`${leaf.name.padEnd(24)} linked to the hub with the new password`)
  }
  return { user: leafUser(site), secretFile: leafPasswordFileOf(secretsDir, site), reloaded, restarted, elapsedMs: Date.now() - started }
}
