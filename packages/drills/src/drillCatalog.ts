/**
 * The failover drills: what each one breaks mid-burst and how it heals.
 *
 *   baseline          nothing breaks: the same load and window, to compare the other drills with
 *   leaf-link-cut     the Rotterdam site's WAN link to the hub is cut (TCP fault proxy), then restored
 *   leaf-kill         the Rotterdam leaf nats-server is SIGKILLed, then started again (same store)
 *   region-kill       the region process is SIGKILLed, then started again
 *   postgres-restart  the region's Postgres is restarted (fast shutdown: every connection drops)
 *   erp-outage        the ERP's endpoint is down (it reads nothing from logimesh), then back
 */
import type { SimulatedSystemHandle } from "@logimesh/simulators"
import type { Topology } from "@logimesh/topology"

export interface DrillContext {
  readonly topology: Topology
  /** The running simulators (ERP, WES per site, dispatch, carriers). */
  readonly systems: () => ReadonlyArray<SimulatedSystemHandle>
  readonly log: (line: string) => void
}

export interface Drill {
  readonly name: string
  readonly description: string
  readonly inject: (context: DrillContext) => Promise<void>
  readonly heal: (context: DrillContext) => Promise<void>
}

const FAULT_SITE = "dc-rotterdam"

const system = (context: DrillContext, name: string): SimulatedSystemHandle => {
  const found = context.systems().find((s) => s.name === name)
  if (found === undefined) throw new Error(`no simulated system "${name}" is running`)
  return found
}

export const drills: ReadonlyArray<Drill> = [
  {
    name: "baseline",
    description: "nothing breaks: the same load and fault window, as the reference for the other drills' latencies",
    inject: async () => undefined,
    heal: async () => undefined
  },
  {
    name: "leaf-link-cut",
    description: `the ${FAULT_SITE} leaf's WAN link to the hub is cut, then restored`,
    inject: async ({ topology }) => void (await topology.cut(FAULT_SITE)),
    heal: async ({ topology }) => void (await topology.restore(FAULT_SITE))
  },
  {
    name: "leaf-kill",
    description: `the ${FAULT_SITE} leaf is SIGKILLed mid-burst, then started again`,
    inject: ({ topology }) => topology.kill(`nats-leaf-${FAULT_SITE}`),
    heal: ({ topology }) => topology.start(`nats-leaf-${FAULT_SITE}`)
  },
  {
    name: "region-kill",
    description: "the region process is SIGKILLed mid-burst, then started again",
    inject: ({ topology }) => topology.kill("region-eu-west"),
    heal: ({ topology }) => topology.start("region-eu-west")
  },
  {
    name: "postgres-restart",
    description: "the region's Postgres is restarted under load",
    inject: ({ topology }) => topology.stop("postgres-eu-west"),
    heal: ({ topology }) => topology.start("postgres-eu-west")
  },
  {
    name: "erp-outage",
    description: "the ERP endpoint is down (reads nothing from logimesh), then back",
    inject: (context) => system(context, "ERP").stop(5_000).then(() => undefined),
    heal: (context) => system(context, "ERP").start()
  }
]

export const drillNamed = (name: string): Drill | undefined => drills.find((d) => d.name === name)
