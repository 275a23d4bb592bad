/**
 * Publishes the master data the region is configured with to the hub's
 * `MASTER_DATA` stream, one subject per record, on its own streams apart
 * from execution events: `md.item.<item>` (packaging from uom.json),
 * `md.site.<site>` (the site file) and `md.location.<site>` (its zones and
 * dock doors), for the sites this region serves. Every site's
 * `SITE_MASTER_DATA` sources that stream, so a site holds its master data
 * locally and keeps it while its WAN link is down. Runs at boot and after
 * every site reload; a record is published only when it differs from the
 * stream's latest value of its subject (id `<region>:md:<subject hash>:<that
 * value's sequence>`), so repeated boots publish nothing new. Failures are logged and retried at the
 * next reload or boot: master data never blocks the region.
 */
import { Effect, Layer } from "effect"
import { createHash } from "node:crypto"
import { HUB_DOMAIN } from "@logimesh/config"
import { JetStreamPublisher, NatsConnection, StreamNames, Subjects } from "@logimesh/bus"
import { SiteDirectory, type SiteView } from "./SiteDirectory.ts"

export interface MasterDataRecord {
  readonly subject: string
  readonly body: unknown
}

/** The records of a view, in a stable order and form (key order fixed by construction). */
export const masterDataOf = (view: SiteView): ReadonlyArray<MasterDataRecord> => {
  const items = Object.entries(view.governance.uom.items)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([item, factors]) => ({
      subject: Subjects.masterData("item", item),
      body: { item, baseUnit: view.governance.uom.baseCountUnit, packaging: factors }
    }))
  const sites = view.sites.flatMap((site) => {
    const docks = [...view.governance.locations.docks.values()].filter((d) => d.site === site.id)
    const zones = [...view.governance.locations.zones.entries()].filter(([, z]) => z.site === site.id)
    return [
      {
        subject: Subjects.masterData("site", site.id),
        body: { site: site.id, name: site.name, region: view.region.id, timezone: site.timezone, inventoryOwner: site.inventoryOwner }
      },
      {
        subject: Subjects.masterData("location", site.id),
        body: {
          site: site.id,
          zones: zones
            .map(([zone, z]) => ({
              zone,
              kind: z.kind,
              docks: docks
                .filter((d) => d.zone === zone)
                .map((d) => d.dock)
                .sort()
            }))
            .sort((a, b) => a.zone.localeCompare(b.zone))
        }
      }
    ]
  })
  return [...items, ...sites]
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export const publishMasterData = (view: SiteView) =>
  Effect.gen(function* () {
    const nats = yield* NatsConnection
    const publisher = yield* JetStreamPublisher
    const jsm = yield* nats.jetstreamManager(HUB_DOMAIN)
    let published = 0
    const records = masterDataOf(view)
    for (const record of records) {
      const text = JSON.stringify(record.body)
      const last = yield* Effect.tryPromise(() => jsm.streams.getMessage(StreamNames.masterData, { last_by_subj: record.subject })).pipe(
        Effect.orElseSucceed(() => null)
      )
      if (last !== null && decoder.decode(last.data) === text) continue
      // One id per change of the subject (its latest sequence), not per content: a value changed back within the
      // duplicate window is a new change, not a duplicate; a retried publish of the same change is.
      const subjectHash = createHash("sha256").update(record.subject).digest("hex").slice(0, 24)
      yield* publisher.publish(record.subject, encoder.encode(text), { msgId: `${view.region.id}:md:${subjectHash}:${last?.seq ?? 0}` })
      published += 1
    }
    yield* Effect.logInfo("master data published").pipe(Effect.annotateLogs({ published, records: records.length }))
  }).pipe(
    Effect.catch((error) => Effect.logWarning("master data not published; retried at the next reload").pipe(Effect.annotateLogs({ error: String(error) })))
  )

/** Publishes at boot (in the background) and after every site reload. */
export const MasterDataLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const directory = yield* SiteDirectory
    const services = yield* Effect.context<NatsConnection | JetStreamPublisher>()
    const publish = (view: SiteView) => publishMasterData(view).pipe(Effect.provideContext(services))
    yield* Effect.forkScoped(publish(directory.current()))
    yield* directory.listen((view) => publish(view))
  })
)
