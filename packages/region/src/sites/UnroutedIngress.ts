/**
 * The shared INGRESS consumer `mesh_unrouted` (every region reads it; each
 * message goes to one of them): a central system's command whose subject
 * names a site no region serves is parked with its reason — `UnknownSite`
 * (not declared under `sites/`) or `SiteDisabled` — where operators see it
 * (`/v1/parked`) and replay it once the site is added or enabled. A command
 * for an enabled site is left to that site's region consumer (ack here).
 * Before parking, `sites/` is read again: a command that races a site being
 * added (file written, region not reloaded yet) is not parked needlessly.
 */
import { Effect } from "effect"
import { type BusMessage, Outcome } from "@logimesh/bus"
import { loadMeshConfig, type MeshConfig } from "@logimesh/config"
import { parkMessage } from "./CommandMessageHandler.ts"
import type { SiteView } from "./SiteDirectory.ts"

const siteOfSubject = (subject: string): string | undefined => subject.split(".")[1]

const declaredIn = (mesh: MeshConfig, site: string | undefined) => mesh.regions.flatMap((entry) => entry.sites).find((s) => s.id === site)

export const unroutedIngressHandler = (current: () => SiteView) => (message: BusMessage) =>
  Effect.gen(function*() {
    const site = siteOfSubject(message.subject)
    if (declaredIn(current().mesh, site)?.enabled === true) return Outcome.Ack()
    const onDisk = yield* loadMeshConfig(current().mesh.dir).pipe(Effect.orElseSucceed(() => current().mesh))
    const declared = declaredIn(onDisk, site)
    if (declared?.enabled === true) return Outcome.Ack()
    return yield* declared === undefined
      ? parkMessage(message, "UnknownSite", `ship-from site "${site ?? ""}" is not declared under sites/: no region serves it`)
      : parkMessage(message, "SiteDisabled", `site "${site ?? ""}" is disabled in sites/: no region serves it now`)
  })
