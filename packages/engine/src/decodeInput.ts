/**
 * From a delivered bus message to an engine input: the raw facts (kept for
 * holding and parking), the decoded command and its key, and the source
 * position from `Logimesh-Source` / `Logimesh-Source-Seq`. A message that
 * cannot be used is an `UnusableInput` (terminal: parked at once).
 */
import { Result, Schema } from "effect"
import type { BusMessage } from "@logimesh/bus"
import { EngineHeaders } from "./EngineHeaders.ts"
import type { EngineInput } from "./EntityActors.ts"
import type { RawInput } from "./EngineStep.ts"

export interface UnusableInput {
  readonly reason: "Undecodable" | "BadSourceHeaders"
  readonly detail: string
}

export const rawInputOf = (message: BusMessage): RawInput => ({
  // Every producer sets a globally unique Nats-Msg-Id; the stream position is only a fallback.
  msgId: message.msgId ?? `${message.domain || "-"}:${message.stream}:${message.streamSequence}`,
  subject: message.subject,
  payload: message.data,
  headers: message.headers,
  domain: message.domain,
  stream: message.stream,
  consumer: message.consumer,
  streamSeq: message.streamSequence
})

export const decodeInput = <C>(
  message: BusMessage,
  command: Schema.Codec<C, unknown>,
  keyOf: (command: C) => string
): Result.Result<EngineInput<C>, UnusableInput> => {
  const raw = rawInputOf(message)
  const source = message.headers[EngineHeaders.source]
  const seqText = message.headers[EngineHeaders.sourceSeq]
  if ((source === undefined) !== (seqText === undefined)) {
    return Result.fail({ reason: "BadSourceHeaders", detail: `${EngineHeaders.source} and ${EngineHeaders.sourceSeq} come together` })
  }
  const seq = seqText === undefined ? undefined : Number(seqText)
  if (seq !== undefined && !(Number.isSafeInteger(seq) && seq >= 1)) {
    return Result.fail({ reason: "BadSourceHeaders", detail: `${EngineHeaders.sourceSeq} "${seqText}" is not a positive integer` })
  }
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(message.data))
  } catch (error) {
    return Result.fail({ reason: "Undecodable", detail: `not JSON: ${String(error)}` })
  }
  const decoded = Schema.decodeUnknownExit(command)(json)
  if (decoded._tag === "Failure") return Result.fail({ reason: "Undecodable", detail: String(decoded.cause) })
  const value = decoded.value
  return Result.succeed({
    key: keyOf(value),
    command: value,
    position: source === undefined || seq === undefined ? undefined : { source, seq },
    raw
  })
}
