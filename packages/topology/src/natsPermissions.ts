/**
 * Who may publish and subscribe to what on the mesh's NATS servers: the
 * permissions are the firewall between sites, central systems and regions.
 * Pure data derived from the mesh; `NatsCredentials.ts` binds them to users
 * and `natsServerSecurity.ts` renders them into the servers' configs.
 * Subject shapes follow `packages/bus/src/Subjects.ts` (natsPermissions.test.ts
 * checks subjects built there against these patterns; test/security/ checks
 * the servers' refusals).
 *
 * Users (all in the one global account, so JetStream domains and cross-domain
 * sourcing work as without authentication):
 *
 *   wes-<site>     on its site's leaf: publishes only `site.<site>.evt.>` and the
 *                  JetStream API of its own domain it needs to read SITE_COMMANDS
 *                  through its own durables (stream info, consumer info/create,
 *                  next, acks); nothing on cmd/sys/md/in, other sites or `$JS.hub.API`;
 *                  subscribes only below its own inbox prefix `_INBOX_wes-<site>`
 *   leaf-<site>    the site leaf's link to the hub. nats-server 2.9.10 applies a leaf
 *                  user's permissions from the LEAF's side (measured, see
 *                  test/security/leafLink.test.ts): `publish` = what the leaf may send
 *                  to the hub, `subscribe` = what the hub sends down the link
 *   region-<r>     at the hub: its module, event and system subjects, master data,
 *                  parking, replays, the JetStream API of the hub and of its sites' domains
 *   erp, dispatch  at the hub: `in.*.<system>` and reading their own `sys.<system>.>`
 *                  messages of SYSTEMS_<region> through their own durables (own inbox prefix)
 *   carrier        at the hub: reading `sys.carrier.>` (no ingress: carriers call the HTTP API)
 *   admin          hub and leaves, no restriction: apply-streams, drills' observers, reconcile,
 *                  operators, tests
 */
import { HUB_DOMAIN } from "@logimesh/config"

export interface SubjectPermissions {
  /** Subjects the user may publish to (allow list); empty = nothing. */
  readonly publish: ReadonlyArray<string>
  /** Subjects the user may subscribe to (allow list). */
  readonly subscribe: ReadonlyArray<string>
}

/** No restriction (rendered without a `permissions` block). */
export type Permissions = SubjectPermissions | "all"

export const SYSTEMS_STREAM_PREFIX = "SYSTEMS_"
export const SITE_COMMANDS_STREAM = "SITE_COMMANDS"
/** Replies to requests and JetStream pull batches arrive on the client's inboxes. */
export const INBOXES = "_INBOX.>"

/**
 * The inbox prefix of a client that must not read other clients' replies: it connects with
 * `inboxPrefix` = this (nats.js then takes every reply and pull batch there) and may subscribe only below it.
 */
export const privateInboxPrefix = (user: string): string => `_INBOX_${user}`

export type CentralSystem = "erp" | "dispatch" | "carrier"

/**
 * The JetStream API a reader of one stream needs through its own durables, under the API prefix of the
 * stream's domain: account info, stream info, consumer info / create (only with its own filter: nats.js 3
 * on 2.9 creates `CONSUMER.CREATE.<stream>.<durable>.<filter>`, and the server checks that the subject's
 * filter is the config's) and next, plus the acks of that stream.
 */
const streamReader = (apiPrefix: "$JS.API" | `$JS.${string}.API`, stream: string, filterPattern: string): ReadonlyArray<string> => [
  `${apiPrefix}.INFO`,
  `${apiPrefix}.STREAM.INFO.${stream}`,
  `${apiPrefix}.CONSUMER.INFO.${stream}.*`,
  `${apiPrefix}.CONSUMER.CREATE.${stream}.*.${filterPattern}`,
  `${apiPrefix}.CONSUMER.MSG.NEXT.${stream}.*`,
  `$JS.ACK.${stream}.>`
]

/** The WES (and any site system) of `site`, on the site's own leaf, logged in as `user`. */
export const wesPermissions = (site: string, user: string): SubjectPermissions => ({
  // nats-server 2.9 maps a request to its own domain (`$JS.<site>.API.…`) to `$JS.API.…` before it checks the
  // publish permission (measured: the refusals name `$JS.API.STREAM.INFO.SITE_COMMANDS`), so the local API is what
  // is allowed; `$JS.hub.API` is not mapped on a leaf and stays refused.
  publish: [`site.${site}.evt.>`, ...streamReader("$JS.API", SITE_COMMANDS_STREAM, `sys.wes.${site}.>`)],
  subscribe: [`${privateInboxPrefix(user)}.>`]
})

/**
 * The leafnode link of `site` (region `region`) as the hub sees it; directions from the leaf's side.
 * Leaf -> hub: deliveries of the hub's source consumers on the site (`$JS.S.<id>`), the site's answers
 * to JetStream API requests (the hub's source setup `$JSC.R.<id>`, the region's `_INBOX.`), the flow
 * control replies and source setup requests of the site's own sourced streams (SITE_COMMANDS from
 * SYSTEMS_<region>, filtered to the site; SITE_MASTER_DATA from MASTER_DATA), leafnode loop detection.
 * Hub -> leaf: requests into the site's domain, its sources' deliveries and setup answers, flow
 * control replies, loop detection, and a parked site message the region re-publishes unchanged (one that
 * names no command; a command is replayed through the region's pipeline, not re-published).
 */
export const leafLinkPermissions = (site: string, region: string): SubjectPermissions => {
  const systems = `${SYSTEMS_STREAM_PREFIX}${region}`
  const hubApi = `$JS.${HUB_DOMAIN}.API`
  return {
    publish: [
      "$JS.S.*",
      "$JSC.R.*",
      INBOXES,
      `$JS.FC.${systems}.>`,
      "$JS.FC.MASTER_DATA.>",
      `${hubApi}.CONSUMER.CREATE.${systems}.*.sys.wes.${site}.>`,
      `${hubApi}.CONSUMER.CREATE.MASTER_DATA`,
      `${hubApi}.CONSUMER.CREATE.MASTER_DATA.>`,
      `${hubApi}.CONSUMER.DELETE.${systems}.*`,
      `${hubApi}.CONSUMER.DELETE.MASTER_DATA.*`,
      "$LDS.>"
    ],
    subscribe: [`$JS.${site}.API.>`, "$JS.S.*", "$JSC.R.*", "$JS.FC.>", "$LDS.>", `site.${site}.evt.>`]
  }
}

/** The region process of `region`, serving `sites`. */
export const regionPermissions = (region: string, sites: ReadonlyArray<string>): SubjectPermissions => ({
  publish: [
    `cmd.${region}.>`,
    `evt.${region}.>`,
    "sys.>",
    "md.>",
    "dlq.>",
    // A parked message that names no command is replayed unchanged to its original subject.
    "in.>",
    ...sites.map((site) => `site.${site}.evt.>`),
    // The hub's own API (`$JS.hub.API.…` arrives mapped to it); its sites' domains across their links.
    "$JS.API.>",
    ...sites.map((site) => `$JS.${site}.API.>`),
    "$JS.ACK.>",
    "$JS.FC.>"
  ],
  subscribe: [INBOXES]
})

/** ERP, dispatch, carrier at the hub (user name = the system), reading `SYSTEMS_<region>` of every region in `regions`. */
export const centralSystemPermissions = (system: CentralSystem, regions: ReadonlyArray<string>): SubjectPermissions => {
  const filter = system === "carrier" ? "sys.carrier.>" : `sys.${system}.>`
  // `$JS.hub.API.…` is mapped to `$JS.API.…` on the hub before the check (see wesPermissions).
  const readers = regions.flatMap((region) => streamReader("$JS.API", `${SYSTEMS_STREAM_PREFIX}${region}`, filter))
  return {
    publish: [...(system === "carrier" ? [] : [`in.*.${system}`]), ...new Set(readers)],
    subscribe: [`${privateInboxPrefix(system)}.>`]
  }
}
