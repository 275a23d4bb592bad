/**
 * The senders' side of a drill's count, as a pure function: every command a
 * simulated system sent (its `SentLedger` entries) is matched to the
 * region's durable records, by message id, and lands in exactly one bucket:
 *
 *   applied   its module decided it: the command's message id is in `engine_inbox` or on an `engine_event` row
 *             (the audit rows outlive the inbox). A decision may be a domain rejection (counted again in
 *             `rejected`, e.g. a precondition not met yet, or a cancel that came too late)
 *   parked    not applied, and a parked record names it — an `engine_parked` row (status parked) or a message on a
 *             DLQ stream (the hub's or a site's) — by the command's message id or original message id, or by the
 *             pair (Logimesh-Source-System / sender, Idempotency-Key) of the message that carried it (a site or
 *             ingress message parked before the region took it in); counted with the record's reason and place
 *   refused   neither, and the sender's final answer was a 4xx: the region refused it at the edge before any
 *             module saw it (invalid body, unknown reference, not the owner, key reused), which leaves no
 *             durable record: the sender's answer is the only evidence
 *   lost      none of these: sent, and the region shows no trace of a decision, a parking or a refusal
 *
 * so `sent = applied + parked + refused + lost`. A command's message id is the region's rule
 * (packages/region/src/api/CommandPipeline.ts): `api:` + sha256 of the JSON `[<principal id>, <Idempotency-Key>]`, the principal id
 * being the sender's `scope` (`erp`, `wes@<site>`); the id an answer
 * named is accepted as well (and a difference is counted in `idMismatches`, which would mean the rule changed).
 */
import { createHash } from "node:crypto"
import type { SentCommand } from "@logimesh/simulators"

/** The message id the region publishes a keyed command under (`cmd.<region>.<module>`). */
export const commandMsgIdOf = (scope: string, key: string): string =>
  `api:${createHash("sha256")
    .update(JSON.stringify([scope, key]))
    .digest("hex")}`

export interface AppliedRecord {
  /** When its step committed (ms since the epoch). */
  readonly atMs: number
  readonly rejected: boolean
}

export interface ParkedRecord {
  /** "engine_parked", "DLQ hub", "DLQ dc-rotterdam". */
  readonly where: string
  readonly reason: string
  /** Message ids the record names: its own and the original one. */
  readonly msgIds: ReadonlyArray<string>
  readonly idempotencyKey: string | undefined
  readonly sourceSystem: string | undefined
}

export interface RegionRecords {
  /** Module decisions by message id. */
  readonly applied: ReadonlyMap<string, AppliedRecord>
  readonly parked: ReadonlyArray<ParkedRecord>
}

export type SentFate =
  | { readonly _tag: "Applied"; readonly atMs: number; readonly rejected: boolean }
  | { readonly _tag: "Parked"; readonly reason: string; readonly where: string }
  | { readonly _tag: "Refused"; readonly status: number }
  | { readonly _tag: "Lost" }

/** The senders' figures as a drill reports them (its JSON keys): sent = applied + parked + refused + lost. */
export interface SentFigures {
  readonly sent: number
  readonly applied: number
  /** Of the applied: domain rejections. */
  readonly rejected: number
  readonly parked: number
  readonly parked_reasons: Readonly<Record<string, number>>
  readonly parked_where: Readonly<Record<string, number>>
  readonly refused: number
  readonly lost: number
}

export interface SentCounts {
  readonly figures: SentFigures
  /** Answers that named another message id than the region's rule gives. */
  readonly idMismatches: number
  /** Every message id of a sent command (derived and answered), to tell them from the region's own commands. */
  readonly ids: ReadonlySet<string>
  readonly fates: ReadonlyArray<{ readonly command: SentCommand; readonly fate: SentFate }>
}

export const matchSentCommands = (sent: ReadonlyArray<SentCommand>, records: RegionRecords): SentCounts => {
  const parkedById = new Map<string, ParkedRecord>()
  const parkedByKey = new Map<string, ParkedRecord>()
  for (const p of records.parked) {
    for (const id of p.msgIds) if (!parkedById.has(id)) parkedById.set(id, p)
    if (p.idempotencyKey !== undefined && p.sourceSystem !== undefined) {
      const k = `${p.sourceSystem}\n${p.idempotencyKey}`
      if (!parkedByKey.has(k)) parkedByKey.set(k, p)
    }
  }
  const ids = new Set<string>()
  let idMismatches = 0
  const fates = sent.map((command) => {
    const derived = commandMsgIdOf(command.scope, command.key)
    const named = command.answer?.msgId
    if (named !== undefined && named !== derived) idMismatches++
    const own = named === undefined || named === derived ? [derived] : [derived, named]
    for (const id of own) ids.add(id)
    const fate = ((): SentFate => {
      for (const id of own) {
        const applied = records.applied.get(id)
        if (applied !== undefined) return { _tag: "Applied", atMs: applied.atMs, rejected: applied.rejected }
      }
      const parked = own.map((id) => parkedById.get(id)).find((p) => p !== undefined) ?? parkedByKey.get(`${command.sender}\n${command.key}`)
      if (parked !== undefined) return { _tag: "Parked", reason: parked.reason, where: parked.where }
      const status = command.answer?.status
      if (status !== undefined && status >= 400 && status < 500) return { _tag: "Refused", status }
      return { _tag: "Lost" }
    })()
    return { command, fate }
  })
  const count = (tag: SentFate["_tag"]) => fates.filter((f) => f.fate._tag === tag).length
  const parkedReasons: Record<string, number> = {}
  const parkedWhere: Record<string, number> = {}
  for (const { fate } of fates) {
    if (fate._tag !== "Parked") continue
    parkedReasons[fate.reason] = (parkedReasons[fate.reason] ?? 0) + 1
    parkedWhere[fate.where] = (parkedWhere[fate.where] ?? 0) + 1
  }
  return {
    figures: {
      sent: sent.length,
      applied: count("Applied"),
      rejected: fates.filter((f) => f.fate._tag === "Applied" && f.fate.rejected).length,
      parked: count("Parked"),
      parked_reasons: parkedReasons,
      parked_where: parkedWhere,
      refused: count("Refused"),
      lost: count("Lost")
    },
    idMismatches,
    ids,
    fates
  }
}

/** The sender's name as the scenario shows it ("ERP", "WES dc-rotterdam", "CARRIER DHLX"). */
export const senderName = (c: SentCommand): string => (c.instance === undefined ? c.sender : `${c.sender} ${c.instance}`)

/** When the region decided a command: its step committed, or its refusal was answered; never for parked or lost. */
const decidedAt = (command: SentCommand, fate: SentFate): number => {
  switch (fate._tag) {
    case "Applied":
      return fate.atMs
    case "Refused":
      return command.answer?.atMs ?? Number.POSITIVE_INFINITY
    default:
      return Number.POSITIVE_INFINITY
  }
}

/**
 * Commands in flight at `atMs`: sent before it, and their round trip not complete by then — not decided by the
 * region (its commit time), or its answer not back at the sender (a site command's answer crosses the WAN link
 * too; a command whose sender recorded no answer — it gave up, or its last answer was a 202 — counts until it
 * was decided). `from` narrows to some senders by `senderName`; default every sender.
 */
export const inFlightAt = (counts: SentCounts, atMs: number, from: (sender: string) => boolean = () => true): number =>
  counts.fates.filter(
    ({ command, fate }) =>
      command.firstSentAtMs < atMs && from(senderName(command)) && Math.max(decidedAt(command, fate), command.answer?.atMs ?? decidedAt(command, fate)) > atMs
  ).length
