/**
 * The one message envelope of logimesh: CloudEvents 1.0 context attributes
 * (`id`, `source`, `type`, `subject`, `time`, `specversion`,
 * `datacontenttype`) plus logimesh extensions:
 *
 *   correlationid   one business flow (an order's life), across systems
 *   causationid     the message that caused this one
 *   region, site    where it happened (site absent for hub/region events)
 *   businesskey     the key its actor serializes on (an order id, a shipment id)
 *   schemaversion   version of `data`'s schema for `type` (upcast on read)
 *   sourcesystem    ERP, WES, DISPATCH, CARRIER, PORTAL, LOGIMESH
 *   sequence        per-source sequence number (per `source`), for ordering and gap checks
 *
 * Extension names are lowercase alphanumerics as CloudEvents requires. The
 * same attributes travel in structured JSON, in binary HTTP `ce-*` headers and
 * in NATS headers (see `CloudEventsCodec.ts`).
 */
import { Schema } from "effect"
import { CorrelationId, EventId } from "./CanonicalIds.ts"
import { RegionId, SiteId } from "./MeshRefs.ts"
import { SourceSystem } from "./SourceSystem.ts"
import { UtcInstant } from "./UtcInstant.ts"

/** Reverse-DNS event type, e.g. `com.logimesh.order.released`. */
export const EventType = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*){2,}$/, { expected: "a reverse-DNS event type such as com.logimesh.order.released" }))
)

/** CloudEvents `source`: a URI reference naming the producer, e.g. `/sites/dc-rotterdam/wes`. */
export const EventSource = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[^\s]{1,256}$/, { expected: "a URI reference without spaces, e.g. /sites/dc-rotterdam/wes" }))
)

const positiveInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1)))
const nonNegativeSafeInt = Schema.Int.pipe(
  Schema.check(Schema.isGreaterThanOrEqualTo(0)),
  Schema.check(Schema.makeFilter((n: number) => Number.isSafeInteger(n), { expected: "a safe integer" }))
)

export const JSON_CONTENT_TYPE = "application/json"

export class Envelope extends Schema.Class<Envelope>("logimesh/model/Envelope")({
  specversion: Schema.Literal("1.0"),
  id: EventId,
  source: EventSource,
  type: EventType,
  subject: Schema.optionalKey(Schema.NonEmptyString),
  time: UtcInstant,
  datacontenttype: Schema.Literal(JSON_CONTENT_TYPE),
  correlationid: CorrelationId,
  causationid: Schema.optionalKey(EventId),
  region: RegionId,
  site: Schema.optionalKey(SiteId),
  businesskey: Schema.NonEmptyString,
  schemaversion: positiveInt,
  sourcesystem: SourceSystem,
  sequence: nonNegativeSafeInt,
  /** The event payload as JSON (decoded per type and version by an `EventDefinition`). */
  data: Schema.optionalKey(Schema.Unknown)
}) {}

/** CloudEvents context attribute and extension names, in the order they are written. */
export const envelopeAttributeNames = [
  "specversion",
  "id",
  "source",
  "type",
  "subject",
  "time",
  "datacontenttype",
  "correlationid",
  "causationid",
  "region",
  "site",
  "businesskey",
  "schemaversion",
  "sourcesystem",
  "sequence"
] as const
export type EnvelopeAttributeName = typeof envelopeAttributeNames[number]

/** Extension attributes whose CloudEvents type is Integer (strings in headers, numbers in JSON). */
export const integerAttributes: ReadonlySet<EnvelopeAttributeName> = new Set(["schemaversion", "sequence"])
