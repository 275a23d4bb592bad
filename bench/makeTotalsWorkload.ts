/**
 * The benchmark's inputs and what they must produce (pure, seeded).
 *
 * `orders` x `lines` `AddAmount` commands, line-major (every order's line 1,
 * then every order's line 2, ...), each with `Logimesh-Source: erp` and
 * `Logimesh-Source-Seq` = its line, and a seeded random amount. A fraction
 * `resendRate` of them (exactly that many, chosen at random) is re-sent
 * under a NEW message id with the same body and the same source sequence,
 * `resendLag` inputs after the original: JetStream's duplicate window cannot
 * catch a re-send (the id differs); the engine must drop it by its source
 * sequence. Applied twice, it would add its amount twice (see
 * `OrderTotalDecider`).
 */
import type { OutgoingMessage } from "@logimesh/bus"
import { EngineHeaders } from "@logimesh/engine"
import { seededRandom } from "@logimesh/engine/harness"
import type { ExpectedEvent, ExpectedOrder } from "./checkEffects.ts"
import { AddAmount } from "./OrderTotalDecider.ts"
import { encodeCommand } from "./orderTotalEntity.ts"

export interface TotalsWorkloadOptions {
  /** Names the message ids (unique per run). */
  readonly token: string
  readonly subject: string
  /** Order ids are `<keyPrefix>-<n>`: one prefix per phase of a run. */
  readonly keyPrefix: string
  readonly orders: number
  readonly lines: number
  /** Share of the commands re-sent under a new message id (0..1). */
  readonly resendRate: number
  /** A re-send follows its original by this many inputs (at most to the end). */
  readonly resendLag: number
  readonly seed: number
}

export interface TotalsWorkload {
  /** In publishing order: originals with the re-sends among them. */
  readonly messages: ReadonlyArray<OutgoingMessage>
  readonly originals: number
  /** Re-sends under a new message id (the `duplicates_injected` of a run). */
  readonly resends: number
  readonly expected: ReadonlyMap<string, ExpectedOrder>
}

export const resendSuffix = ":resend"

export const makeTotalsWorkload = (options: TotalsWorkloadOptions): TotalsWorkload => {
  const random = seededRandom(options.seed)
  const events = new Map<string, Array<ExpectedEvent>>()
  const originals: Array<OutgoingMessage> = []
  for (let line = 1; line <= options.lines; line++) {
    for (let o = 0; o < options.orders; o++) {
      const orderId = `${options.keyPrefix}-${o}`
      const amount = 1 + Math.floor(random() * 99)
      const previous = events.get(orderId) ?? []
      previous.push({ line, amount, total: (previous.at(-1)?.total ?? 0) + amount })
      events.set(orderId, previous)
      originals.push({
        subject: options.subject,
        payload: encodeCommand(new AddAmount({ orderId, line, amount })),
        msgId: `${options.token}:${orderId}:${line}`,
        headers: { [EngineHeaders.source]: "erp", [EngineHeaders.sourceSeq]: String(line) }
      })
    }
  }
  // Exactly ceil(rate x n) distinct originals, by a partial Fisher-Yates shuffle of the indices.
  const count = Math.min(originals.length, Math.ceil(options.resendRate * originals.length))
  const indices = originals.map((_, i) => i)
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (indices.length - i))
    ;[indices[i], indices[j]] = [indices[j]!, indices[i]!]
  }
  const resendsAfter = new Map<number, Array<OutgoingMessage>>()
  for (const i of indices.slice(0, count)) {
    const original = originals[i]!
    const at = Math.min(originals.length - 1, i + options.resendLag)
    const list = resendsAfter.get(at) ?? []
    list.push({ ...original, msgId: `${original.msgId}${resendSuffix}` })
    resendsAfter.set(at, list)
  }
  const messages: Array<OutgoingMessage> = []
  originals.forEach((message, i) => {
    messages.push(message)
    messages.push(...(resendsAfter.get(i) ?? []))
  })
  const expected = new Map<string, ExpectedOrder>()
  for (const [key, list] of events) expected.set(key, { events: list, state: { total: list.at(-1)?.total ?? 0, lines: list.length } })
  return { messages, originals: originals.length, resends: count, expected }
}
