/**
 * The permission patterns against the subjects the mesh really uses (built
 * by the bus's `Subjects`), matched the way nats-server matches them (`*` one
 * token, `>` the rest): each user may publish what its job needs and not
 * its neighbours' subjects. The servers' own refusals are tested in
 * test/security/.
 */
import { describe, expect, it } from "vitest"
import { Subjects } from "@logimesh/bus"
import { centralSystemPermissions, leafLinkPermissions, regionPermissions, type SubjectPermissions, wesPermissions } from "../src/natsPermissions.ts"

/** nats-server's subject match of a literal subject against one pattern. */
const matches = (pattern: string, subject: string): boolean => {
  const p = pattern.split(".")
  const s = subject.split(".")
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i
    if (i >= s.length || (p[i] !== "*" && p[i] !== s[i])) return false
  }
  return p.length === s.length
}
const mayPublish = (permissions: SubjectPermissions, subject: string): boolean => permissions.publish.some((pattern) => matches(pattern, subject))

const A = "dc-rotterdam"
const B = "dc-antwerp"
const REGION = "eu-west"

describe("NATS permissions", () => {
  it("matches like nats-server", () => {
    expect(matches("site.a.evt.>", "site.a.evt.command")).toBe(true)
    expect(matches("site.a.evt.>", "site.a.evt")).toBe(false)
    expect(matches("in.*.erp", "in.x.erp")).toBe(true)
    expect(matches("in.*.erp", "in.x.dispatch")).toBe(false)
  })

  it("a site's WES publishes its own site's commands and reads its own work, nothing of another site or of the hub", () => {
    const wes = wesPermissions(A, "wes-dc-rotterdam")
    expect(wes.subscribe).toEqual(["_INBOX_wes-dc-rotterdam.>"])
    expect(mayPublish(wes, Subjects.siteCommandEvents(A))).toBe(true)
    expect(mayPublish(wes, "$JS.API.CONSUMER.CREATE.SITE_COMMANDS.sim_wes.sys.wes.dc-rotterdam.>")).toBe(true)
    expect(mayPublish(wes, "$JS.API.CONSUMER.MSG.NEXT.SITE_COMMANDS.sim_wes")).toBe(true)
    for (const subject of [
      Subjects.siteCommandEvents(B),
      Subjects.moduleCommand(REGION, "order"),
      Subjects.ingress(A, "erp"),
      Subjects.masterData("item", "SKU-42"),
      Subjects.siteWes(A, "release"),
      Subjects.deadLetter(A, "SITE_EVENTS", "x"),
      "$JS.hub.API.STREAM.LIST",
      "$JS.API.STREAM.LIST",
      "$JS.API.STREAM.DELETE.SITE_COMMANDS",
      "$JS.API.CONSUMER.CREATE.SITE_COMMANDS.peek.sys.wes.dc-antwerp.>"
    ]) {
      expect(mayPublish(wes, subject), subject).toBe(false)
    }
  })

  it("ERP and dispatch publish only their own ingress subject and read only their own messages", () => {
    const erp = centralSystemPermissions("erp", [REGION])
    expect(mayPublish(erp, Subjects.ingress(A, "erp"))).toBe(true)
    expect(mayPublish(erp, "$JS.API.CONSUMER.CREATE.SYSTEMS_eu-west.sim_erp.sys.erp.>")).toBe(true)
    expect(mayPublish(erp, Subjects.ingress(A, "dispatch"))).toBe(false)
    expect(mayPublish(erp, "$JS.API.CONSUMER.CREATE.SYSTEMS_eu-west.peek.sys.dispatch.>")).toBe(false)
    expect(mayPublish(erp, Subjects.moduleCommand(REGION, "order"))).toBe(false)
    const carrier = centralSystemPermissions("carrier", [REGION])
    expect(mayPublish(carrier, Subjects.ingress(A, "carrier"))).toBe(false)
    expect(mayPublish(carrier, "$JS.API.CONSUMER.CREATE.SYSTEMS_eu-west.sim_carrier_DHLF.sys.carrier.DHLF.>")).toBe(true)
  })

  it("the region publishes what its modules, flows, master data, parking and replays produce, and reaches its sites' domains", () => {
    const region = regionPermissions(REGION, [A, B])
    for (const subject of [
      Subjects.moduleCommand(REGION, "order"),
      Subjects.moduleEvent(REGION, "order", "OrderReleased"),
      Subjects.centralSystem("erp", "confirmation"),
      Subjects.siteWes(A, "release"),
      Subjects.carrier("DHLF", "tender"),
      Subjects.masterData("site", A),
      Subjects.deadLetter("hub", "INGRESS", "mesh_unrouted"),
      Subjects.ingress(A, "erp"),
      Subjects.siteCommandEvents(A),
      "$JS.dc-antwerp.API.STREAM.INFO.SITE_EVENTS"
    ]) {
      expect(mayPublish(region, subject), subject).toBe(true)
    }
    expect(mayPublish(regionPermissions(REGION, [A]), "$JS.dc-antwerp.API.STREAM.INFO.SITE_EVENTS")).toBe(false)
    expect(mayPublish(region, Subjects.moduleCommand("us-east", "order"))).toBe(false)
  })

  it("a site's leaf link carries up only its own sources' setup and the answers the hub asked for", () => {
    const link = leafLinkPermissions(A, REGION)
    expect(mayPublish(link, "$JS.hub.API.CONSUMER.CREATE.SYSTEMS_eu-west.src-abc.sys.wes.dc-rotterdam.>")).toBe(true)
    expect(mayPublish(link, "$JS.hub.API.CONSUMER.CREATE.MASTER_DATA")).toBe(true)
    expect(mayPublish(link, "$JS.hub.API.CONSUMER.CREATE.SYSTEMS_eu-west.src-abc.sys.wes.dc-antwerp.>")).toBe(false)
    expect(mayPublish(link, "$JS.hub.API.STREAM.DELETE.INGRESS")).toBe(false)
    for (const subject of [
      Subjects.ingress(A, "erp"),
      Subjects.moduleCommand(REGION, "order"),
      Subjects.masterData("item", "x"),
      Subjects.siteCommandEvents(B)
    ]) {
      expect(mayPublish(link, subject), subject).toBe(false)
    }
    expect(link.subscribe.some((pattern) => matches(pattern, `$JS.${A}.API.STREAM.INFO.SITE_EVENTS`))).toBe(true)
    expect(link.subscribe.some((pattern) => matches(pattern, `$JS.${B}.API.STREAM.INFO.SITE_EVENTS`))).toBe(false)
    expect(link.subscribe.some((pattern) => matches(pattern, Subjects.deadLetter(A, "SITE_EVENTS", "x")))).toBe(false)
  })
})
