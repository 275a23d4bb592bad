/**
 * The region's own streams and consumers, applied by the region at boot
 * (idempotent, like `apply-streams`) in the domain of the server it connects
 * to (its hub; `domain` names another one explicitly):
 *
 *   COMMANDS_<region>  cmd.<region>.>   commands to the business modules (API, flows, replays)
 *   EVENTS_<region>    evt.<region>.>   every committed module event: the audit feed
 *   SYSTEMS_<region>   sys.>            messages to ERP, WES, dispatch, carriers, customers; each site's
 *                                       SITE_COMMANDS (site domain, mesh plan) sources its sys.wes.<site>.>
 *   consumer <region>_<module> on COMMANDS_<region>, filter cmd.<region>.<module>
 *   DELIVERY_EXHAUSTED and consumer <region>_<module>_exhausted on it: the module's messages the
 *                                       server gave up delivering (the same stream the mesh plan
 *                                       declares at the hub, declared here too so a region on its own
 *                                       server has it)
 *
 * Limits retention sized by `maxOutageHours`, like every mesh stream, with
 * `max_msgs` / `max_bytes` from `streamLimits` in `sites/mesh.json`, and
 * discard new, for all three: COMMANDS holds commands no module has applied
 * yet (the API answers 503 to a refused publish); SYSTEMS holds work the
 * outside systems have not read and is sourced by every site's
 * SITE_COMMANDS; EVENTS is the audit feed for readers outside the region.
 * Through the outbox a refused publish stays an unsent row the relay retries
 * (and logs) each round, so a full stream holds its effects back, loudly,
 * rather than deleting messages a reader may not have seen.
 * SYSTEMS captures `sys.>`: one region per hub today (see ARCHITECTURE, known gaps).
 */
import { Duration } from "effect"
import {
  consumerDefaults,
  type ConsumerDefinition,
  deliveryExhaustedStream,
  limitsStream,
  meshStreamLimits,
  type StreamPlan,
  StreamNames,
  Subjects,
  withDeliveryExhaustedLane
} from "@logimesh/bus"
import { HUB_DOMAIN, type MeshSettings, type StreamKind } from "@logimesh/config"

export const regionStreamNames = (region: string) => ({
  commands: `COMMANDS_${region}`,
  events: `EVENTS_${region}`,
  systems: StreamNames.regionSystems(region)
})

export const moduleConsumerName = (region: string, module: string): string => `${region}_${module}`

export const regionStreamPlan = (region: string, modules: ReadonlyArray<string>, settings: MeshSettings, domain: string | undefined): StreamPlan => {
  const names = regionStreamNames(region)
  const stream = (kind: StreamKind, name: string, description: string, subjects: ReadonlyArray<string>) =>
    limitsStream({
      domain,
      name,
      description,
      subjects,
      maxAge: Duration.hours(settings.maxOutageHours),
      duplicateWindow: Duration.seconds(settings.duplicateWindowSeconds),
      limits: meshStreamLimits(settings, kind)
    })
  const consumers = modules.flatMap((module): ReadonlyArray<ConsumerDefinition> => {
    const name = moduleConsumerName(region, module)
    return withDeliveryExhaustedLane({
      domain,
      stream: names.commands,
      name,
      description: `module ${module} of region ${region} reads its commands`,
      filterSubject: Subjects.moduleCommand(region, module),
      ...consumerDefaults,
      // Engine steps are short and the runner keeps a running one alive: a dead region's messages come back in 10 s.
      ackWait: Duration.seconds(10),
      maxAckPending: 2_000,
      deadLetterSubject: Subjects.deadLetter(domain ?? HUB_DOMAIN, names.commands, name),
      deadLetterDomain: domain
    })
  })
  return {
    streams: [
      stream("regionCommands", names.commands, `commands to the business modules of region ${region}`, [Subjects.moduleCommands(region)]),
      stream("regionEvents", names.events, `committed module events of region ${region}`, [Subjects.moduleEvents(region)]),
      stream("regionSystems", names.systems, `messages from region ${region} to ERP, WES, dispatch, carriers and customers`, [Subjects.systemMessages]),
      deliveryExhaustedStream(settings, domain)
    ],
    consumers
  }
}
