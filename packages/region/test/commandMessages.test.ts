/**
 * Commands carried as messages: which Idempotency-Key a message stands for
 * (so a redelivery or an operator's replay is the same command, never a new
 * one), what a replay of a parked message carries over, and who sent a
 * command message (its subject).
 */
import { describe, expect, it } from "vitest"
import { replayHeaders } from "@logimesh/engine"
import { replayKeyOf } from "../src/ParkedReplay.ts"
import { commandKeyOf } from "../src/sites/CommandMessageHandler.ts"
import { answerSubjectOf, principalOfSubject } from "../src/auth/SubjectPrincipal.ts"

const message = (headers: Record<string, string>, msgId: string | undefined) => ({ headers, msgId, stream: "INGRESS", streamSequence: 42 })

describe("commandKeyOf", () => {
  it("uses the sender's Idempotency-Key first", () => {
    expect(commandKeyOf(message({ "Idempotency-Key": "erp-1" }, "erp:m1"))).toBe("erp-1")
  })
  it("else the message id, else the stream position: stable across redeliveries", () => {
    expect(commandKeyOf(message({}, "erp:m1"))).toBe("erp:m1")
    expect(commandKeyOf(message({}, undefined))).toBe("INGRESS:42")
  })
  it("for a replay of a keyless command, the original message id: the replay is the same command", () => {
    const replayed = replayHeaders({ "Nats-Msg-Id": "erp:m1", "Logimesh-Command-Path": "/v1/orders" }, 7, false)
    expect(commandKeyOf(message(replayed, "eu-west:replay:7"))).toBe("erp:m1")
  })
})

describe("replayHeaders", () => {
  const parked = {
    "Nats-Msg-Id": "erp:m1",
    "Logimesh-Command-Path": "/v1/orders",
    "Logimesh-Source-System": "ERP",
    "Idempotency-Key": "erp-1",
    "Logimesh-Park-Reason": "UnknownSite"
  }
  it("keeps the command's path, sender and key, drops the server's and the park bookkeeping", () => {
    const h = replayHeaders(parked, 7, false)
    expect(h).toMatchObject({ "Logimesh-Command-Path": "/v1/orders", "Logimesh-Source-System": "ERP", "Idempotency-Key": "erp-1", "Logimesh-Replay-Of": "7" })
    expect(h["Nats-Msg-Id"]).toBeUndefined()
    expect(h["Logimesh-Park-Reason"]).toBeUndefined()
  })
  it("gives a replay with a corrected body a key of its own (the same key with another body is refused)", () => {
    expect(replayHeaders(parked, 7, true)["Idempotency-Key"]).toBe("erp-1~replay:7")
  })
})

describe("who sent a command message (its subject) and where it hears the answer", () => {
  const senderOf = (subject: string) => {
    const principal = principalOfSubject(subject)
    return principal === undefined ? undefined : { id: principal.id, system: principal.system, site: principal.site, answer: answerSubjectOf(principal) }
  }
  it("the WES of the site for a site's command subject, the central system for an INGRESS subject", () => {
    expect(senderOf("site.dc-antwerp.evt.command")).toEqual({ id: "wes@dc-antwerp", system: "WES", site: "dc-antwerp", answer: "sys.wes.dc-antwerp.outcome" })
    expect(senderOf("in.dc-antwerp.erp")).toEqual({ id: "erp", system: "ERP", site: undefined, answer: "sys.erp.outcome" })
    expect(senderOf("in.dc-antwerp.dispatch")).toMatchObject({ system: "DISPATCH", answer: "sys.dispatch.outcome" })
  })
  it("nobody for any other subject: a module command, an unknown system, a site's other events", () => {
    for (const subject of ["cmd.eu-west.order", "in.dc-antwerp.portal", "site.dc-antwerp.evt.picked", "in.dc-antwerp", "site.dc-antwerp.evt.command.x"]) {
      expect(principalOfSubject(subject)).toBeUndefined()
    }
  })
})

describe("replayKeyOf", () => {
  const entry = { id: 7, headers: { "Idempotency-Key": "erp-1" }, msgId: "erp:m1", stream: "INGRESS", streamSeq: 42 }
  it("keeps the original key for an unchanged replay (the same command)", () => {
    expect(replayKeyOf(entry as never, undefined)).toBe("erp-1")
    expect(replayKeyOf({ ...entry, headers: {} } as never, undefined)).toBe("erp:m1")
  })
  it("gives each corrected body a key of its own, stable for the same body", () => {
    const a = replayKeyOf(entry as never, '{"a":1}')
    expect(a).toMatch(/^erp-1~replay:7:[0-9a-f]{12}$/)
    expect(replayKeyOf(entry as never, '{"a":1}')).toBe(a)
    expect(replayKeyOf(entry as never, '{"a":2}')).not.toBe(a)
  })
})
