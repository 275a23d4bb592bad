/**
 * A hub + site-leaf NATS mesh for one test file: a hub (JetStream domain
 * "hub") and one leaf per site (domain = site id), each with its own store
 * dir, each leaf optionally linked through its own TcpFaultProxy so a test
 * can cut the WAN. Every port is picked by the server (or, for a proxy, the
 * kernel) as it binds, so the hub starts first and the proxies and leaves
 * then know its leafnode port. Leaves can be SIGKILLed and restarted on the
 * same ports and store. `stop()` kills everything and removes the dirs (idempotent;
 * call it from `afterAll`).
 *
 * With proxies the hub advertises a dead leafnode address (`hubLeafAdvertise`):
 * nats-server 2.9 leaves add the hub's advertised leafnode URL to their
 * reconnect list, so otherwise a cut leaf reconnects around its proxy.
 */
import { hubLeafAdvertise, type NatsServer, type NatsServerConfig, startNatsServer, startTcpFaultProxy, type TcpFaultProxy, waitFor } from "@logimesh/topology"
import { join } from "node:path"
import { hubLinkedDomains, leafLinkAddress } from "./leafnodeLinks.ts"
import { reapOnExit } from "./reapOnExit.ts"
import { makeTestRunDir } from "./testRunDir.ts"

export interface TestMeshOptions {
  readonly sites: ReadonlyArray<string>
  /** Link every leaf through its own TcpFaultProxy (needed for cutLink/restoreLink). */
  readonly viaProxy?: boolean
  /** Names the run dir and the servers; defaults to "mesh". */
  readonly label?: string
  readonly linkTimeoutMs?: number
}

export interface TestMeshLeaf {
  readonly site: string
  /** The leaf as it runs now (replaced by `restartLeaf`). */
  readonly server: NatsServer
  readonly url: string
  /** Present when the mesh was started with `viaProxy`. */
  readonly proxy: TcpFaultProxy | undefined
}

export interface TestMesh {
  readonly dir: string
  readonly sites: ReadonlyArray<string>
  readonly hub: NatsServer
  readonly hubUrl: string
  /** Site id -> client URL of its leaf. */
  readonly leafUrls: Readonly<Record<string, string>>
  leaf(site: string): TestMeshLeaf
  /** The site's fault proxy; throws when the mesh was started without `viaProxy`. */
  proxy(site: string): TcpFaultProxy
  /** SIGKILL, and wait until the process has gone. */
  killLeaf(site: string): Promise<void>
  /** Starts the leaf again on the same ports and store dir; waits for its link unless the link is cut. */
  restartLeaf(site: string): Promise<void>
  cutLink(site: string): void
  restoreLink(site: string): void
  /** Waits until the hub sees the site's leaf linked (through the expected path) or not linked. */
  waitForLeafLink(site: string, connected: boolean, timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

const HOST = "127.0.0.1"

interface LeafState {
  server: NatsServer | undefined
  unregister: () => void
  config: NatsServerConfig & { readonly role: "leaf" }
  readonly proxy: TcpFaultProxy | undefined
}

export const startTestMesh = async (options: TestMeshOptions): Promise<TestMesh> => {
  const label = options.label ?? "mesh"
  const viaProxy = options.viaProxy ?? false
  const linkTimeoutMs = options.linkTimeoutMs ?? 20_000
  if (new Set(options.sites).size !== options.sites.length) throw new Error(`duplicate site ids: ${options.sites.join(", ")}`)
  const runDir = makeTestRunDir(label)
  const proxies: Array<TcpFaultProxy> = []
  const leaves = new Map<string, LeafState>()
  let hub: NatsServer | undefined
  let unregisterHub = (): void => undefined
  let stopped: Promise<void> | undefined

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await Promise.all(proxies.map((proxy) => proxy.close()))
      await Promise.all(
        [...leaves.values()].map(async (leaf) => {
          await leaf.server?.process.kill()
          leaf.unregister()
        })
      )
      await hub?.process.kill()
      unregisterHub()
      runDir.remove()
    })()
    return stopped
  }

  const leafState = (site: string): LeafState => {
    const state = leaves.get(site)
    if (state === undefined) throw new Error(`no leaf for site "${site}" in this mesh (sites: ${options.sites.join(", ")})`)
    return state
  }

  try {
    // The hub first: its leafnode port is picked by the server, and every proxy and leaf needs it.
    const hubServer = await startNatsServer(
      {
        role: "hub",
        serverName: `${label}-hub`,
        host: HOST,
        port: 0,
        monitorPort: 0,
        storeDir: join(runDir.path, "hub"),
        maxFileStore: "1GB",
        leafPort: 0,
        leafAdvertise: hubLeafAdvertise({ host: HOST, viaProxy })
      },
      { workDir: join(runDir.path, "hub") }
    )
    hub = hubServer
    unregisterHub = reapOnExit(hubServer.process.pid)
    if (hubServer.config.role !== "hub") throw new Error("the hub started without a leafnode listener")
    const hubLeafPort = hubServer.config.leafPort

    for (const site of options.sites) {
      const proxy = viaProxy ? await startTcpFaultProxy({ targetHost: HOST, targetPort: hubLeafPort }) : undefined
      if (proxy !== undefined) proxies.push(proxy)
      leaves.set(site, {
        server: undefined,
        unregister: () => undefined,
        proxy,
        config: {
          role: "leaf",
          serverName: `${label}-${site}`,
          host: HOST,
          port: 0,
          monitorPort: 0,
          storeDir: join(runDir.path, site, "js"),
          maxFileStore: "1GB",
          domain: site,
          hubLeafAddress: `${HOST}:${proxy?.port ?? hubLeafPort}`
        }
      })
    }

    const startLeaf = async (state: LeafState): Promise<void> => {
      const server = await startNatsServer(state.config, { workDir: join(runDir.path, state.config.domain) })
      state.server = server
      state.unregister = reapOnExit(server.process.pid)
      // From now on the ports it bound: a restart comes back on them.
      if (server.config.role === "leaf") state.config = server.config
    }

    const started = await Promise.allSettled([...leaves.values()].map(startLeaf))
    const failed = started.find((result) => result.status === "rejected")
    if (failed !== undefined) throw failed.reason

    const expectedLinkAddress = (state: LeafState): string => state.config.hubLeafAddress

    const waitForLeafLink = async (site: string, connected: boolean, timeoutMs = linkTimeoutMs): Promise<void> => {
      const state = leafState(site)
      await waitFor(
        `leaf "${site}" ${connected ? "linked to" : "unlinked from"} the hub`,
        async () => {
          const onHub = (await hubLinkedDomains(hubServer.config)).has(site)
          if (!connected) return onHub ? undefined : true
          if (!onHub || state.server === undefined) return undefined
          return (await leafLinkAddress(state.config)) === expectedLinkAddress(state) ? true : undefined
        },
        { timeoutMs }
      )
    }

    await Promise.all(options.sites.map((site) => waitForLeafLink(site, true)))

    const proxyOf = (site: string): TcpFaultProxy => {
      const proxy = leafState(site).proxy
      if (proxy === undefined) throw new Error(`mesh "${label}" was started without viaProxy: site "${site}" has no fault proxy`)
      return proxy
    }

    return {
      dir: runDir.path,
      sites: [...options.sites],
      hub: hubServer,
      hubUrl: hubServer.url,
      leafUrls: Object.fromEntries(options.sites.map((site) => [site, `nats://${HOST}:${leafState(site).config.port}`])),
      leaf: (site) => {
        const state = leafState(site)
        if (state.server === undefined) throw new Error(`leaf "${site}" is not running`)
        return { site, server: state.server, url: state.server.url, proxy: state.proxy }
      },
      proxy: proxyOf,
      killLeaf: async (site) => {
        const state = leafState(site)
        await state.server?.process.kill()
        state.unregister()
        state.server = undefined
      },
      restartLeaf: async (site) => {
        const state = leafState(site)
        await state.server?.process.kill()
        state.unregister()
        state.server = undefined
        await startLeaf(state)
        if (state.proxy?.isCut !== true) await waitForLeafLink(site, true)
      },
      cutLink: (site) => proxyOf(site).cut(),
      restoreLink: (site) => proxyOf(site).restore(),
      waitForLeafLink,
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}
