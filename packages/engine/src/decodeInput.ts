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

/** One decoder for every message: `fatal` decoding keeps no state between `decode` calls. */
const utf8 = new TextDecoder("utf-8", { fatal: true })
/** The command parser of each codec, built once (building it per message costs as much as parsing). */
const parsers = new WeakMap<object, (input: unknown) => ReturnType<ReturnType<typeof Schema.decodeUnknownExit>>>()
const parserOf = <C>(command: Schema.Codec<C, unknown>) => {
  let parser = parsers.get(command)
  if (parser === undefined) {
    parser = Schema.decodeUnknownExit(command)
    parsers.set(command, parser)
  }
  return parser as (input: unknown) => ReturnType<ReturnType<typeof Schema.decodeUnknownExit<Schema.Codec<C, unknown>>>>
}

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
    json = JSON.parse(utf8.decode(message.data))
  } catch (error) {
    return Result.fail({ reason: "Undecodable", detail: `not JSON: ${String(error)}` })
  }
  const decoded = parserOf(command)(json)
  if (decoded._tag === "Failure") return Result.fail({ reason: "Undecodable", detail: String(decoded.cause) })
  const value = decoded.value
  return Result.succeed({
    key: keyOf(value),
    command: value,
    position: source === undefined || seq === undefined ? undefined : { source, seq },
    raw
  })
}
