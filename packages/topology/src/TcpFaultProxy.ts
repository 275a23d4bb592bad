/**
 * A loopback TCP proxy that stands in for a WAN link and can be cut and
 * restored: `cut()` destroys every live connection pair and then accepts and
 * immediately destroys new connections (the listen port stays reserved, so
 * nothing else can take it), until `restore()`.
 *
 * Leafnode advertise rule — measured on nats-server 2.9.10 (hub + 2 leaves,
 * each leaf's remote through its own proxy, leaf `reconnect: 1`), and checked
 * by packages/topology/test/TcpFaultProxy.integration.test.ts:
 * - A 2.9 hub sends its leafnode `advertise` address (or its real leaf
 *   listener when none is set) in the INFO to every leaf, even with
 *   `no_advertise: true`, and 2.9 leaves DO add it to their reconnect list.
 * - Advertise = the hub's own leaf listener: on a cut the leaf reconnects
 *   straight to the hub ~1 s later and stays there after restore. The cut
 *   never holds.
 * - Advertise = proxy A: cutting leaf A holds, but cutting leaf B makes B
 *   reconnect through proxy A ~1 s later. One advertise value cannot name
 *   every proxy.
 * - Advertise = an address nothing listens on (a free port, or 127.0.0.1:1):
 *   every leaf's cut holds (checked over 5 s, also with two leaves cut at
 *   once), and each leaf relinks through its own proxy ~0.9 s after restore.
 * So: when any leaf reaches the hub through a fault proxy, the hub must
 * advertise a dead address (`hubLeafAdvertise`); only with direct links may it
 * advertise its own leaf listener. Identify the path a leaf really uses from
 * the LEAF's `/leafz` (its one link's ip:port is the proxy or the hub); the
 * hub's 2.9 `/leafz` has no leaf names, only the peer's ephemeral port.
 */
import { createServer, type Server, type Socket, connect } from "node:net"

export interface TcpFaultProxy {
  readonly host: string
  readonly port: number
  readonly isCut: boolean
  /** Destroys every live connection pair and refuses new ones until `restore()`. */
  cut(): void
  /** Lets new connections through again. */
  restore(): void
  close(): Promise<void>
}

export interface TcpFaultProxyOptions {
  readonly listenHost?: string
  /** Default 0: the kernel picks a port (read it from `port`); a fixed port only to come back on the same one. */
  readonly listenPort?: number
  readonly targetHost: string
  readonly targetPort: number
}

export const startTcpFaultProxy = async (opts: TcpFaultProxyOptions): Promise<TcpFaultProxy> => {
  const listenHost = opts.listenHost ?? "127.0.0.1"
  const pairs = new Set<readonly [Socket, Socket]>()
  let isCut = false

  const server = createServer((client) => {
    if (isCut) {
      client.destroy()
      return
    }
    const upstream = connect({ host: opts.targetHost, port: opts.targetPort })
    const pair = [client, upstream] as const
    pairs.add(pair)
    const teardown = (): void => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    for (const socket of pair) {
      socket.setNoDelay(true)
      socket.on("error", teardown)
      socket.on("close", teardown)
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })

  await listen(server, listenHost, opts.listenPort ?? 0)
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0

  const destroyAll = (): void => {
    for (const [a, b] of pairs) {
      a.destroy()
      b.destroy()
    }
    pairs.clear()
  }

  return {
    host: listenHost,
    port,
    get isCut() {
      return isCut
    },
    cut: () => {
      isCut = true
      destroyAll()
    },
    restore: () => {
      isCut = false
    },
    close: () =>
      new Promise<void>((resolve) => {
        isCut = true
        destroyAll()
        if (!server.listening) return resolve()
        server.close(() => resolve())
      })
  }
}

/** Port 1 (tcpmux) on loopback: nothing listens there, and only root could bind it. */
export const DEAD_LEAF_ADVERTISE_PORT = 1

/** The address a hub advertises when its leaves link through fault proxies: nothing listens there. */
export const deadLeafAdvertise = (host: string): string => `${host}:${DEAD_LEAF_ADVERTISE_PORT}`

/**
 * The leafnode `advertise` a hub needs (rule in the header above): a dead
 * address when any link goes through a fault proxy, so no leaf can reconnect
 * around its proxy; its own leaf listener when every link is direct — named
 * when the leaf port is fixed (the compose render), else undefined: the
 * server then advertises the leaf listener it bound, the same address.
 */
export const hubLeafAdvertise = (opts: { readonly host: string; readonly leafPort?: number; readonly viaProxy: boolean }): string | undefined => {
  if (opts.viaProxy) return deadLeafAdvertise(opts.host)
  return opts.leafPort === undefined || opts.leafPort === 0 ? undefined : `${opts.host}:${opts.leafPort}`
}

const listen = (server: Server, host: string, port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, host, () => {
      server.off("error", reject)
      resolve()
    })
  })
