/**
 * The failover drills: what each one breaks mid-burst, how it heals, and how
 * it proves the fault happened (`FaultObserver.ts`).
 *
 *   baseline          nothing breaks (fault "none", exempt from the fault check): the same load and window, to
 *                     compare the other drills with
 *   leaf-link-cut     the Rotterdam site's WAN link to the hub is cut (TCP fault proxy), then restored;
 *                     seen: the hub's /leafz loses the leaf and lists it again
 *   leaf-kill         the Rotterdam leaf nats-server is SIGKILLed, then started again (same store);
 *                     seen: its process gone and replaced (pid, start time), the hub's link down and back
 *   region-kill       the region process is SIGKILLed, then started again; seen: its process gone and replaced
 *   postgres-restart  the region's Postgres is restarted (fast shutdown: every connection drops);
 *                     seen: fresh connections refused during the fault and accepted after, a new postmaster
 *   erp-outage        the ERP's endpoint is down (it reads nothing from logimesh), then back;
 *                     seen: its durable consumer got no deliveries while its backlog grew, then resumed
 * Besides its own evidence, a drill needs messages in flight at the moment of the fault: commands of
 * `inFlightFrom`'s senders sent before the injection whose round trip was not complete by then, or the backlog
 * its observer saw. The injection waits (bounded) until those senders have a command out.
 */
import type { SimulatedSystemHandle } from "@logimesh/simulators"
import type { Topology } from "@logimesh/topology"
import { allOf, consumerStalled, type FaultObserver, hubLinkDown, postgresRefusing, processReplaced } from "./FaultObserver.ts"

export interface DrillContext {
  readonly topology: Topology
  /** The running simulators (ERP, WES per site, dispatch, carriers). */
  readonly systems: () => ReadonlyArray<SimulatedSystemHandle>
  readonly log: (line: string) => void
}

export interface Drill {
  readonly name: string
  readonly description: string
  /** What breaks, in a few words; "none" for the reference run. */
  readonly fault: string
  readonly inject: (context: DrillContext) => Promise<void>
  readonly heal: (context: DrillContext) => Promise<void>
  /** Watches the fault from independent evidence; absent only for the reference run. */
  readonly observe?: (context: DrillContext) => FaultObserver
  /** Whose commands count as in flight at the fault (by sender name, "WES dc-rotterdam"); default every sender. */
  readonly inFlightFrom?: (sender: string) => boolean
  /** Parking is this drill's expected outcome (none of the current drills): parked commands do not fail it. */
  readonly parkingExpected?: boolean
}

const FAULT_SITE = "dc-rotterdam"
const REGION = "region-eu-west"
const POSTGRES = "postgres-eu-west"

const system = (context: DrillContext, name: string): SimulatedSystemHandle => {
  const found = context.systems().find((s) => s.name === name)
  if (found === undefined) throw new Error(`no simulated system "${name}" is running`)
  return found
}

const regionDatabaseUrl = (topology: Topology): string => {
  const region = topology.component(REGION)
  if (region.kind !== "region") throw new Error(`${REGION} is not a region`)
  return region.databaseUrl
}

const fromFaultSite = (sender: string): boolean => sender === `WES ${FAULT_SITE}`

export const drills: ReadonlyArray<Drill> = [
  {
    name: "baseline",
    description: "nothing breaks: the same load and fault window, as the reference for the other drills' latencies",
    fault: "none",
    inject: async () => undefined,
    heal: async () => undefined
  },
  {
    name: "leaf-link-cut",
    description: `the ${FAULT_SITE} leaf's WAN link to the hub is cut, then restored`,
    fault: `WAN link of ${FAULT_SITE} cut`,
    inject: async ({ topology }) => void (await topology.cut(FAULT_SITE)),
    heal: async ({ topology }) => void (await topology.restore(FAULT_SITE)),
    observe: ({ topology }) => hubLinkDown(topology, FAULT_SITE, { wanProxy: true }),
    inFlightFrom: fromFaultSite
  },
  {
    name: "leaf-kill",
    description: `the ${FAULT_SITE} leaf is SIGKILLed mid-burst, then started again`,
    fault: `nats-leaf-${FAULT_SITE} SIGKILLed`,
    inject: ({ topology }) => topology.kill(`nats-leaf-${FAULT_SITE}`),
    heal: ({ topology }) => topology.start(`nats-leaf-${FAULT_SITE}`),
    observe: ({ topology }) => allOf(processReplaced(topology, `nats-leaf-${FAULT_SITE}`), hubLinkDown(topology, FAULT_SITE)),
    inFlightFrom: fromFaultSite
  },
  {
    name: "region-kill",
    description: "the region process is SIGKILLed mid-burst, then started again",
    fault: `${REGION} SIGKILLed`,
    inject: ({ topology }) => topology.kill(REGION),
    heal: ({ topology }) => topology.start(REGION),
    observe: ({ topology }) => processReplaced(topology, REGION)
  },
  {
    name: "postgres-restart",
    description: "the region's Postgres is restarted under load",
    fault: `${POSTGRES} stopped, then started`,
    inject: ({ topology }) => topology.stop(POSTGRES),
    heal: ({ topology }) => topology.start(POSTGRES),
    observe: ({ topology }) => allOf(postgresRefusing(regionDatabaseUrl(topology)), processReplaced(topology, POSTGRES))
  },
  {
    name: "erp-outage",
    description: "the ERP endpoint is down (reads nothing from logimesh), then back",
    fault: "ERP stops reading",
    inject: (context) =>
      system(context, "ERP")
        .stop(5_000)
        .then(() => undefined),
    heal: (context) => system(context, "ERP").start(),
    observe: (context) => {
      const reads = system(context, "ERP").reads
      if (reads === undefined) throw new Error("the ERP simulator names no consumer")
      return consumerStalled(context.topology, reads)
    }
  }
]

export const drillNamed = (name: string): Drill | undefined => drills.find((d) => d.name === name)
