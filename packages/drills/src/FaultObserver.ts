/**
 * How a drill proves its fault happened, from evidence the fault's own
 * tooling does not report: the kernel's process table (`/proc`), the hub's
 * `/leafz`, a fresh Postgres connection attempt, the JetStream server's
 * consumer info. An observer snapshots before the injection, watches during
 * the fault (until the heal) and after it (until the fault has cleared,
 * bounded), then says whether it saw the fault and what it saw.
 *
 *   processReplaced   the component's process ran, was gone during the fault (pid + start time no longer alive),
 *                     and a different process (pid, start time) runs it after the heal
 *   hubLinkDown       the hub's /leafz listed the site's leaf before, lost it during the fault, listed it again after
 *   postgresRefusing  a connection succeeded before, was refused during the fault (ECONNREFUSED or a shutdown
 *                     error code), and succeeded again after
 *   consumerStalled   a stopped system's durable consumer got no deliveries during the outage while its backlog grew,
 *                     and got deliveries again after
 */
import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import type { ConsumerRef } from "@logimesh/simulators"
import { ADMIN_USER, clientUrl, controlUrl, processStartTime, type Topology, wanLinkStatus } from "@logimesh/topology"
import { natsAuthOptions } from "@logimesh/bus"
import pg from "pg"
import { definedFields } from "@logimesh/model"

export interface FaultEvidence {
  readonly observed: boolean
  readonly evidence: Readonly<Record<string, unknown>>
  /** Messages this observer itself saw held by the fault (a stopped system's backlog); else the drill counts sent commands. */
  readonly inFlight?: number
}

export interface FaultObserver {
  /** Just before the injection. */
  readonly before: () => Promise<void>
  /** From the injection until `untilMs` (the heal). */
  readonly during: (untilMs: number) => Promise<void>
  /** From the heal until the fault has cleared, at most until `untilMs`. */
  readonly after: (untilMs: number) => Promise<void>
  readonly result: () => FaultEvidence
}

const POLL_MS = 100

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `probe` until it answers true or `untilMs` passes; whether it did. Probe errors count as "not yet". */
const pollUntil = async (untilMs: number, probe: () => Promise<boolean>): Promise<boolean> => {
  for (;;) {
    if (await probe().catch(() => false)) return true
    if (Date.now() >= untilMs) return false
    await sleep(Math.min(POLL_MS, Math.max(0, untilMs - Date.now())))
  }
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** A fault whose every part must be seen (a leaf kill: the process replaced and the hub's link down and back). */
export const allOf = (...observers: ReadonlyArray<FaultObserver>): FaultObserver => ({
  before: async () => void (await Promise.all(observers.map((o) => o.before()))),
  during: async (untilMs) => void (await Promise.all(observers.map((o) => o.during(untilMs)))),
  after: async (untilMs) => void (await Promise.all(observers.map((o) => o.after(untilMs)))),
  result: () => {
    const results = observers.map((o) => o.result())
    const inFlight = results.flatMap((r) => (r.inFlight === undefined ? [] : [r.inFlight]))
    return {
      observed: results.every((r) => r.observed),
      evidence: Object.assign({}, ...results.map((r) => r.evidence)) as Record<string, unknown>,
      ...(inFlight.length === 0 ? {} : { inFlight: Math.max(...inFlight) })
    }
  }
})

/** The component's process: alive before, gone during the fault, replaced by another one after the heal. */
export const processReplaced = (topology: Topology, name: string): FaultObserver => {
  let before: { readonly pid: number; readonly startTime: string } | undefined
  let goneAtMs: number | undefined
  let after: { readonly pid: number; readonly startTime: string } | undefined
  const alive = (p: { readonly pid: number; readonly startTime: string }) => processStartTime(p.pid) === p.startTime
  return {
    before: async () => {
      const c = topology.component(name)
      const startTime = c.pid === null ? undefined : processStartTime(c.pid)
      if (c.pid !== null && startTime !== undefined) before = { pid: c.pid, startTime }
    },
    during: async (untilMs) => {
      const old = before
      if (old === undefined) return
      if (await pollUntil(untilMs, async () => !alive(old))) goneAtMs = Date.now()
    },
    after: async (untilMs) => {
      await pollUntil(untilMs, async () => {
        const c = topology.component(name)
        const startTime = c.pid === null ? undefined : processStartTime(c.pid)
        if (c.pid === null || startTime === undefined) return false
        if (before !== undefined && c.pid === before.pid && startTime === before.startTime) return false
        after = { pid: c.pid, startTime }
        return true
      })
    },
    result: () => ({
      observed: before !== undefined && goneAtMs !== undefined && after !== undefined && !alive(before),
      evidence: {
        [`${name}_before`]: before ?? null,
        [`${name}_gone_during_fault`]: goneAtMs !== undefined,
        [`${name}_after`]: after ?? null
      }
    })
  }
}

/** The hub's `/leafz`: the site's leaf linked before, missing during the fault, linked again after. */
export const hubLinkDown = (topology: Topology, site: string, options: { readonly wanProxy?: boolean } = {}): FaultObserver => {
  let linkedBefore = false
  let downSeen = false
  let backSeen = false
  let proxyCut: boolean | undefined
  const linked = async () => (await topology.linkedSites()).has(site)
  return {
    before: async () => {
      linkedBefore = await linked().catch(() => false)
    },
    during: async (untilMs) => {
      downSeen = await pollUntil(untilMs, async () => !(await linked()))
      if (options.wanProxy === true) {
        const link = topology.state.components.find((c) => c.kind === "wan-link" && c.site === site)
        if (link?.kind === "wan-link")
          proxyCut = await wanLinkStatus(controlUrl(link)).then(
            (s) => s.cut,
            () => undefined
          )
      }
    },
    after: async (untilMs) => {
      backSeen = await pollUntil(untilMs, linked)
    },
    result: () => ({
      observed: linkedBefore && downSeen && backSeen,
      evidence: {
        hub_leafz_linked_before: linkedBefore,
        hub_leafz_down_during_fault: downSeen,
        hub_leafz_back_after_heal: backSeen,
        ...definedFields({ wan_proxy_status_cut: proxyCut })
      }
    })
  }
}

/** Codes of a server that is not taking connections: refused at the socket, or shutting down / starting up. */
const REFUSING = new Set(["ECONNREFUSED", "57P01", "57P02", "57P03"])

/** One connection attempt: undefined when it worked, else its error code (or text). */
const connectOnce = async (databaseUrl: string): Promise<string | undefined> => {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 1_000 })
  try {
    await client.connect()
    await client.query("SELECT 1")
    return undefined
  } catch (error) {
    const code = typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined
    return code ?? errorText(error)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Fresh connections to the database: accepted before, refused during the fault, accepted after. */
export const postgresRefusing = (databaseUrl: string): FaultObserver => {
  let acceptedBefore = false
  let refusal: string | undefined
  const otherErrors = new Set<string>()
  let acceptedAfter = false
  return {
    before: async () => {
      acceptedBefore = (await connectOnce(databaseUrl)) === undefined
    },
    during: async (untilMs) => {
      await pollUntil(untilMs, async () => {
        const failure = await connectOnce(databaseUrl)
        if (failure === undefined) return false
        if (REFUSING.has(failure)) {
          refusal = failure
          return true
        }
        otherErrors.add(failure)
        return false
      })
    },
    after: async (untilMs) => {
      acceptedAfter = await pollUntil(untilMs, async () => (await connectOnce(databaseUrl)) === undefined)
    },
    result: () => ({
      observed: acceptedBefore && refusal !== undefined && acceptedAfter,
      evidence: {
        postgres_accepted_before: acceptedBefore,
        postgres_refused_during_fault: refusal ?? null,
        ...(otherErrors.size === 0 ? {} : { postgres_other_errors: [...otherErrors] }),
        postgres_accepted_after_heal: acceptedAfter
      }
    })
  }
}

interface ConsumerPoint {
  readonly delivered: number
  readonly backlog: number
}

/** A stopped system's durable consumer, read from the server: no deliveries during the outage, a growing backlog, deliveries after. */
export const consumerStalled = (topology: Topology, reads: ConsumerRef): FaultObserver => {
  const hub = topology.state.components.find((c) => c.kind === "nats-hub")
  let atStop: ConsumerPoint | undefined
  let atHeal: ConsumerPoint | undefined
  let maxBacklog = 0
  let resumed = false
  const read = async (): Promise<ConsumerPoint> => {
    if (hub?.kind !== "nats-hub") throw new Error("no hub")
    const nc = await connect({ servers: clientUrl(hub.nats), ...natsAuthOptions(topology.natsCredentials(ADMIN_USER)), name: "drill-fault-observer" })
    try {
      const info = await (await jetstreamManager(nc, { domain: reads.domain })).consumers.info(reads.stream, reads.durable)
      return { delivered: info.delivered.stream_seq, backlog: info.num_pending + info.num_ack_pending }
    } finally {
      await nc.close()
    }
  }
  return {
    before: async () => undefined,
    during: async (untilMs) => {
      // The system has stopped when `inject` returns: from here on nothing may be delivered.
      atStop = await read().catch(() => undefined)
      while (Date.now() < untilMs) {
        await sleep(Math.min(250, Math.max(0, untilMs - Date.now())))
        const point = await read().catch(() => undefined)
        if (point === undefined) continue
        atHeal = point
        maxBacklog = Math.max(maxBacklog, point.backlog)
      }
    },
    after: async (untilMs) => {
      const stalledAt = atHeal?.delivered
      if (stalledAt === undefined) return
      resumed = await pollUntil(untilMs, async () => (await read()).delivered > stalledAt)
    },
    result: () => ({
      observed: atStop !== undefined && atHeal !== undefined && atHeal.delivered === atStop.delivered && maxBacklog > atStop.backlog && resumed,
      evidence: {
        consumer: reads.durable,
        delivered_seq_at_stop: atStop?.delivered ?? null,
        delivered_seq_at_heal: atHeal?.delivered ?? null,
        backlog_at_stop: atStop?.backlog ?? null,
        backlog_max_during_fault: maxBacklog,
        deliveries_after_heal: resumed
      },
      inFlight: maxBacklog
    })
  }
}
