/**
 * Every NATS subject logimesh uses is built here and only here; nothing
 * concatenates a subject inline. Tokens are checked so an id can never add a
 * level or a wildcard to a subject.
 *
 * Scheme (first draft):
 *   site.<siteId>.evt.<eventType>         events a site publishes into its own domain (SITE_EVENTS)
 *   site.<siteId>.evt.>                   all events of one site
 *   dlq.<domain>.<stream>.<consumer>      messages parked by a consumer of <stream> (DLQ of <domain>)
 *   dlq.<domain>.>                        all parked messages of one domain
 *   cmd.<region>.<module>                 commands to one business module of a region (COMMANDS_<region>)
 *   evt.<region>.<module>.<EventTag>      events a module committed, the audit feed (EVENTS_<region>)
 *   sys.<system>.<type>                   messages to a central system: erp, dispatch, customer (SYSTEMS_<region>)
 *   sys.wes.<site>.<type>                 messages to the WES of one site (sourced into the site's SITE_COMMANDS)
 *   sys.wes.<site>.outcome                the region's answer to a command a site sent through SITE_EVENTS
 *   in.<site>.<system>                    a command from a central system (erp, dispatch) for the ship-from
 *                                         site <site> (INGRESS, hub); the site selects the region that applies it
 *   sys.erp.outcome, sys.dispatch.outcome the region's answer to such a command
 *   md.<kind>.<id>                        master data, latest value per subject (MASTER_DATA, hub; sourced to
 *                                         every site's SITE_MASTER_DATA): md.item.<item>, md.site.<site>, md.location.<site>
 *   sys.carrier.<scac>.<type>             messages to one carrier
 *   $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>
 *                                         the server's notice that it gave up delivering a message
 *                                         (DELIVERY_EXHAUSTED, hub); subject fixed by nats-server
 *
 * Subjects of streams in different JetStream domains never overlap: subject
 * interest crosses leafnode links, so two domains capturing the same subject
 * would both store it.
 */

const tokenPattern = /^[A-Za-z0-9_-]+$/

/** One subject level; a defect if it would add a level, a wildcard or whitespace. */
export const subjectToken = (token: string): string => {
  if (!tokenPattern.test(token)) throw new Error(`invalid subject token ${JSON.stringify(token)}`)
  return token
}

export const Subjects = {
  siteEvent: (siteId: string, eventType: string): string => `site.${subjectToken(siteId)}.evt.${subjectToken(eventType)}`,
  siteEvents: (siteId: string): string => `site.${subjectToken(siteId)}.evt.>`,
  /** A `/v1` command a site system sends through its own leaf. */
  siteCommandEvents: (siteId: string): string => `site.${subjectToken(siteId)}.evt.command`,
  deadLetter: (domain: string, stream: string, consumer: string): string => `dlq.${subjectToken(domain)}.${subjectToken(stream)}.${subjectToken(consumer)}`,
  deadLetters: (domain: string): string => `dlq.${subjectToken(domain)}.>`,
  moduleCommand: (region: string, module: string): string => `cmd.${subjectToken(region)}.${subjectToken(module)}`,
  moduleCommands: (region: string): string => `cmd.${subjectToken(region)}.>`,
  moduleEvent: (region: string, module: string, eventType: string): string => `evt.${subjectToken(region)}.${subjectToken(module)}.${subjectToken(eventType)}`,
  moduleEvents: (region: string): string => `evt.${subjectToken(region)}.>`,
  centralSystem: (system: "erp" | "dispatch" | "customer", type: string): string => `sys.${system}.${subjectToken(type)}`,
  siteWes: (site: string, type: string): string => `sys.wes.${subjectToken(site)}.${subjectToken(type)}`,
  siteWesMessages: (site: string): string => `sys.wes.${subjectToken(site)}.>`,
  siteOutcome: (site: string): string => `sys.wes.${subjectToken(site)}.outcome`,
  carrier: (scac: string, type: string): string => `sys.carrier.${subjectToken(scac)}.${subjectToken(type)}`,
  systemMessages: "sys.>",
  ingress: (site: string, system: string): string => `in.${subjectToken(site)}.${subjectToken(system)}`,
  ingressOfSite: (site: string): string => `in.${subjectToken(site)}.>`,
  ingressAll: "in.>",
  masterData: (kind: "item" | "site" | "location", id: string): string => `md.${kind}.${subjectToken(id)}`,
  masterDataAll: "md.>",
  maxDeliveriesAdvisory: (stream: string, consumer: string): string =>
    `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${subjectToken(stream)}.${subjectToken(consumer)}`,
  maxDeliveriesAdvisories: "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>"
} as const
