/**
 * The senders' count over fabricated ledgers and records: each sent command
 * lands in exactly one bucket (applied, parked, refused, lost), matched by the
 * region's message id rule or, for a message parked before the region took
 * it, by its sender and key; and a command nobody recorded is lost.
 */
import type { SentCommand } from "@logimesh/simulators"
import { describe, expect, it } from "vitest"
import { type AppliedRecord, commandMsgIdOf, inFlightAt, matchSentCommands, type ParkedRecord } from "../src/matchSentCommands.ts"

const sent = (sender: string, key: string, patch: Partial<SentCommand> = {}): SentCommand => ({
  sender,
  scope: sender,
  instance: sender === "WES" ? "dc-rotterdam" : undefined,
  key,
  path: "/v1/x",
  action: "x",
  correlationId: undefined,
  transport: sender === "WES" ? "site-message" : "http",
  firstSentAtMs: 1_000,
  lastSentAtMs: 1_000,
  sends: 1,
  answer: undefined,
  lastError: undefined,
  ...patch
})

const applied = (entries: ReadonlyArray<readonly [string, AppliedRecord]>): ReadonlyMap<string, AppliedRecord> => new Map(entries)

describe("matchSentCommands", () => {
  it("counts a sent command with no applied or parked record as lost", () => {
    const a = sent("ERP", "erp:create:SO-1")
    const b = sent("ERP", "erp:create:SO-2")
    const counts = matchSentCommands([a, b], {
      applied: applied([[commandMsgIdOf("ERP", a.key), { atMs: 2_000, rejected: false }]]),
      parked: []
    })
    expect(counts.figures).toMatchObject({ sent: 2, applied: 1, parked: 0, refused: 0, lost: 1 })
    expect(counts.fates.find((f) => f.fate._tag === "Lost")?.command.key).toBe("erp:create:SO-2")
  })

  it("matches by the region's id rule: sender and key, not the key alone", () => {
    const key = "shared-key"
    const counts = matchSentCommands([sent("DISPATCH", key)], {
      applied: applied([[commandMsgIdOf("ERP", key), { atMs: 2_000, rejected: false }]]),
      parked: []
    })
    expect(counts.figures.lost).toBe(1)
  })

  it("counts a domain rejection as applied (a module decided it) and as rejected", () => {
    const c = sent("ERP", "erp:cancel:SO-1", { answer: { status: 409, msgId: undefined, atMs: 2_000 } })
    const counts = matchSentCommands([c], { applied: applied([[commandMsgIdOf("ERP", c.key), { atMs: 1_900, rejected: true }]]), parked: [] })
    expect(counts.figures).toMatchObject({ applied: 1, rejected: 1, refused: 0, lost: 0 })
  })

  it("finds a command parked by its module (engine_parked, by message id) and one parked at a site before the region took it (DLQ, by sender and key)", () => {
    const moduleParked = sent("ERP", "erp:create:SO-1")
    const siteParked = sent("WES", "wes:dc-rotterdam:pick:T-1")
    const records: ReadonlyArray<ParkedRecord> = [
      { where: "engine_parked", reason: "DecodeFailed", msgIds: [commandMsgIdOf("ERP", moduleParked.key)], idempotencyKey: undefined, sourceSystem: undefined },
      { where: "DLQ dc-rotterdam", reason: "UnknownCommand", msgIds: ["dc-rotterdam:abc"], idempotencyKey: siteParked.key, sourceSystem: "WES" },
      // Same key from another sender: not this command.
      { where: "DLQ hub", reason: "UnknownSender", msgIds: [], idempotencyKey: moduleParked.key, sourceSystem: "DISPATCH" }
    ]
    const counts = matchSentCommands([moduleParked, siteParked], { applied: new Map(), parked: records })
    expect(counts.figures).toMatchObject({
      sent: 2,
      applied: 0,
      parked: 2,
      lost: 0,
      parked_reasons: { DecodeFailed: 1, UnknownCommand: 1 },
      parked_where: { engine_parked: 1, "DLQ dc-rotterdam": 1 }
    })
  })

  it("prefers applied over parked (a parked copy of a command that was applied anyway)", () => {
    const c = sent("WES", "wes:dc-rotterdam:load:S-1")
    const counts = matchSentCommands([c], {
      applied: applied([[commandMsgIdOf("WES", c.key), { atMs: 2_000, rejected: false }]]),
      parked: [{ where: "DLQ hub", reason: "RetriesExhausted", msgIds: [], idempotencyKey: c.key, sourceSystem: "WES" }]
    })
    expect(counts.figures).toMatchObject({ applied: 1, parked: 0 })
  })

  it("counts a 4xx answer without any record as refused at the edge, and a 2xx answer without any record as lost", () => {
    const refused = sent("CARRIER", "carrier:DHLX:pod:S-1:1", { answer: { status: 422, msgId: undefined, atMs: 1_200 } })
    const claimed = sent("CARRIER", "carrier:DHLX:pod:S-2:1", { answer: { status: 200, msgId: undefined, atMs: 1_200 } })
    const counts = matchSentCommands([refused, claimed], { applied: new Map(), parked: [] })
    expect(counts.figures).toMatchObject({ refused: 1, lost: 1 })
  })

  it("accepts the id an answer named, and counts it when it differs from the rule", () => {
    const c = sent("ERP", "erp:create:SO-1", { answer: { status: 201, msgId: "api:other", atMs: 1_500 } })
    const counts = matchSentCommands([c], { applied: applied([["api:other", { atMs: 1_400, rejected: false }]]), parked: [] })
    expect(counts.figures.applied).toBe(1)
    expect(counts.idMismatches).toBe(1)
    expect(counts.ids.has("api:other")).toBe(true)
    expect(counts.ids.has(commandMsgIdOf("ERP", c.key))).toBe(true)
  })
})

describe("inFlightAt", () => {
  const answer = (atMs: number) => ({ answer: { status: 200, msgId: undefined, atMs } })
  const decidedLate = sent("WES", "late", { firstSentAtMs: 900, ...answer(1_600) })
  const doneEarly = sent("WES", "early", { firstSentAtMs: 900, ...answer(960) })
  const answerLate = sent("WES", "answer-late", { firstSentAtMs: 900, ...answer(1_050) })
  const sentAfter = sent("WES", "after", { firstSentAtMs: 1_100, ...answer(1_250) })
  const erp = sent("ERP", "erp", { firstSentAtMs: 900, ...answer(1_300) })
  const neverDecided = sent("WES", "lost", { firstSentAtMs: 900 })
  // Applied at 950, but its sender recorded no answer (it gave up, or saw only a 202): done at its decision.
  const unanswered = sent("WES", "unanswered", { firstSentAtMs: 900 })
  const counts = matchSentCommands([decidedLate, doneEarly, answerLate, sentAfter, erp, neverDecided, unanswered], {
    applied: applied([
      [commandMsgIdOf("WES", "late"), { atMs: 1_500, rejected: false }],
      [commandMsgIdOf("WES", "early"), { atMs: 950, rejected: false }],
      [commandMsgIdOf("WES", "answer-late"), { atMs: 950, rejected: false }],
      [commandMsgIdOf("WES", "after"), { atMs: 1_200, rejected: false }],
      [commandMsgIdOf("ERP", "erp"), { atMs: 1_300, rejected: false }],
      [commandMsgIdOf("WES", "unanswered"), { atMs: 950, rejected: false }]
    ]),
    parked: []
  })

  it("counts commands sent before the moment whose round trip was not complete by then (decision or answer later, or never)", () => {
    expect(inFlightAt(counts, 1_000)).toBe(4)
  })

  it("narrows to some senders", () => {
    expect(inFlightAt(counts, 1_000, (s) => s === "WES dc-rotterdam")).toBe(3)
    expect(inFlightAt(counts, 1_000, (s) => s === "DISPATCH")).toBe(0)
  })
})
