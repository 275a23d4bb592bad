/**
 * The restart rule without servers: a start refused for a taken address is
 * retried on the same ports until it succeeds or the deadline passes, then
 * the error names the taken port as each server's log does (nats-server,
 * Node, Postgres); any other failure is not retried.
 */
import { describe, expect, it } from "vitest"
import { AddressInUseError, mentionsAddressInUse, portsNamedInUse, retryWhileAddressInUse } from "../src/retryWhileAddressInUse.ts"

const NATS_LOG = `[1] 2026/12/07 16:30:11.043362 [INF] Starting http monitor on 127.0.0.1:39213
[1] 2026/12/07 16:30:11.045804 [FTL] Error listening on port: 127.0.0.1:38505, "listen tcp 127.0.0.1:38505: bind: address already in use"`
const NODE_LOG = `{"level":50,"cause":"ServeError: listen EADDRINUSE: address already in use 127.0.0.1:45334"}`
const POSTGRES_LOG = `LOG:  could not bind IPv4 address "127.0.0.1": Address already in use
HINT:  Is another postmaster already running on port 45222? If not, wait a few seconds and retry.
FATAL:  could not create any TCP/IP sockets`

describe("retryWhileAddressInUse", () => {
  it("recognises each server's taken-address line and the port it names", () => {
    for (const log of [NATS_LOG, NODE_LOG, POSTGRES_LOG]) expect(mentionsAddressInUse(log)).toBe(true)
    expect(mentionsAddressInUse("[FTL] Error listening on port: permission denied")).toBe(false)
    expect(portsNamedInUse(NATS_LOG, [39213, 38505])).toEqual([38505])
    expect(portsNamedInUse(NODE_LOG, [45334, 1])).toEqual([45334])
    expect(portsNamedInUse(POSTGRES_LOG, [45222])).toEqual([45222])
  })

  it("retries a start refused for its address until it succeeds", async () => {
    let attempts = 0
    const started = await retryWhileAddressInUse(
      "server",
      [38505],
      async () => {
        attempts += 1
        if (attempts < 3) throw new AddressInUseError("server", NATS_LOG)
        return "up"
      },
      { intervalMs: 1 }
    )
    expect({ started, attempts }).toEqual({ started: "up", attempts: 3 })
  })

  it("gives up at the deadline, naming the taken port", async () => {
    const refused = retryWhileAddressInUse("server", [39213, 38505], () => Promise.reject(new AddressInUseError("server", NATS_LOG)), {
      timeoutMs: 50,
      intervalMs: 5
    })
    await expect(refused).rejects.toThrow(/^server cannot listen on port 38505: still in use after \d+ attempts in 0.05 s/)
  })

  it("does not retry another failure", async () => {
    let attempts = 0
    const failed = retryWhileAddressInUse("server", [1], () => {
      attempts += 1
      return Promise.reject(new Error("config error"))
    })
    await expect(failed).rejects.toThrow("config error")
    expect(attempts).toBe(1)
  })
})
