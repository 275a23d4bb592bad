/**
 * Message and byte limits of every stream of the mesh: the `streamLimits`
 * object of `sites/mesh.json`, one entry per kind of stream (each optional;
 * the defaults below). The discard policy of each stream is chosen in code
 * (`packages/bus/src/StreamDefinitions.ts`), with its reason; these are only
 * the sizes.
 *
 * The streams keep messages for `maxOutageHours` (Limits retention: reading
 * a message does not remove it), so a stream must hold that many hours of
 * its traffic; a full stream refuses further publishes. The defaults size
 * them for a 72 h horizon at the load model of one region (~13M events a
 * day, ~1M events in 4 h at a large site), at ~1 KiB per stored message:
 * about 40M messages for the region's streams and the hub's site and ingress
 * streams, 20M per site. nats-server reserves every stream's `max_bytes`
 * against its `max_file_store` when the stream is created, so the servers
 * need stores at least that large. The local mesh in `sites/mesh.json`
 * (servers with 1-4 GB stores) sets small sizes of its own.
 */
import { Effect, Schema } from "effect"

const positiveInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)))

export class StreamLimit extends Schema.Class<StreamLimit>("logimesh/config/StreamLimit")({
  /** Messages the stream keeps at most (`max_msgs`). */
  maxMessages: positiveInt,
  /** MiB the stream keeps at most (`max_bytes`). */
  maxMegabytes: positiveInt
}) {}

const GiB = 1024

const limit = (maxMessages: number, maxMegabytes: number) => StreamLimit.pipe(Schema.withDecodingDefaultKey(Effect.succeed({ maxMessages, maxMegabytes })))

export class StreamLimitSettings extends Schema.Class<StreamLimitSettings>("logimesh/config/StreamLimitSettings")({
  /** `SITE_EVENTS` of each site: what the site's systems publish (a large site: ~1M events in 4 h). */
  siteEvents: limit(20_000_000, 20 * GiB),
  /** `SITE_COMMANDS` of each site: the site's share of `SYSTEMS_<region>`, sourced. */
  siteCommands: limit(20_000_000, 20 * GiB),
  /** `DLQ` of each site: parked messages. */
  siteDeadLetters: limit(1_000_000, 1 * GiB),
  /**
   * `SITE_MASTER_DATA` of each site: one message per master-data subject. The message limit must bind before the
   * byte limit (here at 2 KiB a value): at the byte limit an update larger than the value it replaces is refused.
   */
  siteMasterData: limit(500_000, 1 * GiB),
  /** `HUB_SITE_EVENTS`: every site's events, sourced. */
  hubSiteEvents: limit(40_000_000, 40 * GiB),
  /** `INGRESS`: commands of the central systems. */
  ingress: limit(40_000_000, 40 * GiB),
  /** `DLQ` of the hub: its own parked messages and every site's, sourced. */
  hubDeadLetters: limit(2_000_000, 2 * GiB),
  /** `MASTER_DATA`: one message per master-data subject; the message limit binds first, as for `siteMasterData`. */
  masterData: limit(500_000, 1 * GiB),
  /** `COMMANDS_<region>`: commands to the business modules. */
  regionCommands: limit(40_000_000, 40 * GiB),
  /** `EVENTS_<region>`: every committed module event. */
  regionEvents: limit(40_000_000, 40 * GiB),
  /** `SYSTEMS_<region>`: messages to ERP, WES, dispatch, carriers and customers. */
  regionSystems: limit(40_000_000, 40 * GiB),
  /** `DELIVERY_EXHAUSTED`: the hub's notices of messages a consumer's server gave up delivering (rare; ~300 B each). */
  deliveryExhausted: limit(1_000_000, 1 * GiB)
}) {}

export type StreamKind = keyof StreamLimitSettings
