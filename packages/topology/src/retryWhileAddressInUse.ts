/**
 * Restarting a server on the ports it had before, when another process may
 * hold one of them for a moment.
 *
 * Why restarts keep their ports: clients, leaves and WAN proxies hold a
 * server's address and reconnect to it, and `state.json` and the URLs `up`
 * prints name it. So a first start lets the kernel pick every port (nothing
 * can collide), and every later start asks for exactly those ports again.
 *
 * What can then collide: while the server is down its ports are free, and
 * the kernel may hand one to someone else. Measured on this machine (Linux
 * 6.18, 20 of each): the ports the kernel picks for `bind(0)` (and so for
 * nats-server's `-1`) were all odd, the local ports of outgoing connections
 * all even; so in practice only another listener asking for "any port" in
 * that moment can take it. Such a holder is either short-lived (a probe that
 * binds and closes) or a server that keeps it. A start refused that way is
 * retried on the same ports until a deadline, then fails with an error that
 * names the ports: moving to new ports would strand every client that holds
 * the old address, so this is the one place the harness gives up loudly.
 */

/** A start that failed because one of its ports was taken (from the process's own log). */
export class AddressInUseError extends Error {
  readonly what: string
  constructor(what: string, detail: string) {
    super(`${what}: address already in use\n${detail}`)
    this.name = "AddressInUseError"
    this.what = what
  }
}

/** nats-server ("address already in use"), Postgres ("Address already in use"), Node ("EADDRINUSE"). */
export const mentionsAddressInUse = (log: string): boolean => /address already in use|EADDRINUSE/i.test(log)

/**
 * Which of `ports` the log lines about a taken address name (Postgres names the
 * port only in its HINT line: "Is another postmaster already running on port N?").
 */
export const portsNamedInUse = (log: string, ports: ReadonlyArray<number>): ReadonlyArray<number> => {
  const lines = log.split("\n").filter((line) => mentionsAddressInUse(line) || line.includes("already running on port"))
  // ":N" (host:port) or "port N", never a digit of an IP address.
  return ports.filter((port) => lines.some((line) => new RegExp(`(?::|port )${port}\\b`).test(line)))
}

export interface AddressInUseRetry {
  /** How long to keep retrying the same ports (default 15 s). */
  readonly timeoutMs?: number
  readonly intervalMs?: number
}

/** Runs `start` until it does not fail with `AddressInUseError`, or the deadline passes. */
export const retryWhileAddressInUse = async <A>(
  what: string,
  ports: ReadonlyArray<number>,
  start: () => Promise<A>,
  options: AddressInUseRetry = {}
): Promise<A> => {
  const timeoutMs = options.timeoutMs ?? 15_000
  const deadline = Date.now() + timeoutMs
  let attempts = 0
  for (;;) {
    attempts += 1
    try {
      return await start()
    } catch (error) {
      if (!(error instanceof AddressInUseError)) throw error
      if (Date.now() >= deadline) {
        const named = portsNamedInUse(error.message, ports)
        const taken = named.length > 0 ? named : ports
        throw new Error(
          `${what} cannot listen on port ${taken.join(", ")}: still in use after ${attempts} attempts in ${timeoutMs / 1000} s. ` +
            `A server keeps the ports it first bound across restarts (clients and leaves reconnect to them), so it cannot ` +
            `move; another process holds it (ss -ltnp 'sport = :${taken[0] ?? 0}' names it)\n${error.message}`
        )
      }
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250))
  }
}
