/**
 * The shared INGRESS consumer `mesh_unrouted` (every region reads it; each
 * message goes to one of them): a central system's command whose subject
 * names a site no region serves is parked with its reason — `UnknownSite`
 * (not declared under `sites/`) or `SiteDisabled` — where operators see it
 * (`/v1/parked`) and replay it once the site is added or enabled (a replay
 * keeps the command's key, so it is applied at most once). A command for an
 * enabled site is left to that site's region consumer (ack here).
 *
 * Races with a site being added or disabled:
 *   - `sites/` is read again before parking, so a command that races an
 *     add-site (file written, region not reloaded yet) is not parked;
 *   - for a disabled site, a command its region consumer already handled
 *     (the consumer's ack floor is at or past it) is not parked, and a young
 *     one is asked again later (15 s, up to a minute) while that consumer
 *     drains before it stops.
 */
import { Duration, Effect } from "effect"
import { type BusMessage, NatsConnection, Outcome, siteIngressConsumerName, StreamNames } from "@logimesh/bus"
import { HUB_DOMAIN, loadMeshConfig, type MeshConfig } from "@logimesh/config"
import { parkMessage } from "./CommandMessageHandler.ts"
import type { SiteView } from "./SiteDirectory.ts"

const siteOfSubject = (subject: string): string | undefined => subject.split(".")[1]

const declaredIn = (mesh: MeshConfig, site: string | undefined) => {
  for (const entry of mesh.regions) {
    const found = entry.sites.find((s) => s.id === site)
    if (found !== undefined) return { site: found, region: entry.region.id as string }
  }
  return undefined
}

/** How long a command for a disabled site may wait for its region consumer's drain before it is parked. */
const drainGrace = Duration.minutes(1)

/** The stream sequence up to which the site's region consumer has settled everything, if it can be read. */
const ackFloorOf = (region: string, site: string) =>
  Effect.gen(function* () {
    const nats = yield* NatsConnection
    const jsm = yield* nats.jetstreamManager(HUB_DOMAIN)
    const info = yield* Effect.tryPromise(() => jsm.consumers.info(StreamNames.ingress, siteIngressConsumerName(region, site)))
    return info.ack_floor.stream_seq
  }).pipe(
    Effect.timeout(Duration.seconds(2)),
    Effect.orElseSucceed(() => undefined)
  )

export const unroutedIngressHandler = (current: () => SiteView) => (message: BusMessage) =>
  Effect.gen(function* () {
    const site = siteOfSubject(message.subject)
    if (declaredIn(current().mesh, site)?.site.enabled === true) return Outcome.Ack()
    const onDisk = yield* loadMeshConfig(current().mesh.dir).pipe(Effect.orElseSucceed(() => current().mesh))
    const declared = declaredIn(onDisk, site)
    if (declared?.site.enabled === true) return Outcome.Ack()
    if (declared === undefined) {
      return yield* parkMessage(message, "UnknownSite", `ship-from site "${site ?? ""}" is not declared under sites/: no region serves it`)
    }
    const floor = yield* ackFloorOf(declared.region, declared.site.id)
    if (floor !== undefined && floor >= message.streamSequence) return Outcome.Ack()
    if (Date.now() - message.timestamp.getTime() < Duration.toMillis(drainGrace)) return Outcome.Nak({ delay: Duration.seconds(15) })
    return yield* parkMessage(message, "SiteDisabled", `site "${declared.site.id}" is disabled in sites/: no region serves it now`)
  })
