/**
 * An operator's replay of a parked message. A command an outside system sent
 * as a message (it carries `Logimesh-Command-Path`; its subject names the
 * sender, `auth/SubjectPrincipal.ts`) is executed again through the command
 * pipeline, as the original sender and with the stored or the corrected
 * body: schema, references, ownership and Idempotency-Key apply exactly as to
 * the original, and the operator gets the pipeline's answer. Applied (2xx, or
 * 202: published, commits later) -> the row is marked replayed and the sender
 * hears the answer on its outcome subject; refused (4xx) -> the row stays
 * parked, for another correction. Any other message (a module command the
 * engine parked, a held early arrival) is re-published unchanged; a
 * corrected body for one is refused, since nothing would check it before its
 * module applies it. Every replay holds the parked row's lock, so one row is
 * replayed at most once.
 */
import { Context, Effect, Layer } from "effect"
import { createHash } from "node:crypto"
import { type BusError, CommandHeaders, JetStreamPublisher } from "@logimesh/bus"
import type { DbError } from "@logimesh/db"
import { type ParkedEntry, ParkedMessages } from "@logimesh/engine"
import type { OwnershipGuard } from "@logimesh/governance"
import { definedFields } from "@logimesh/model"
import type { CommandGateway } from "./api/CommandGateway.ts"
import type { EntityQueries } from "./api/EntityQueries.ts"
import { type CommandAnswer, executeCommand } from "./api/CommandPipeline.ts"
import type { IdempotencyStore } from "./api/IdempotencyStore.ts"
import type { ReferenceDataService } from "./api/ReferenceDataService.ts"
import { RegionContext } from "./RegionContext.ts"
import { type CommandMessageOutcome, resolveCommandPath } from "./sites/CommandMessageHandler.ts"
import { answerSubjectOf, principalOfSubject } from "./auth/SubjectPrincipal.ts"

export type ParkedReplayAnswer =
  | { readonly _tag: "NotFound" }
  | { readonly _tag: "AlreadyReplayed"; readonly msgId: string }
  /** Re-published unchanged to its subject (not a command from an outside system). */
  | { readonly _tag: "Republished"; readonly msgId: string }
  /** A corrected body for a message that does not pass the command pipeline. */
  | { readonly _tag: "CorrectionRefused"; readonly detail: string }
  /** Through the command pipeline: applied (2xx) or accepted (202, commits later); the row is replayed. */
  | { readonly _tag: "Applied"; readonly msgId: string; readonly outcome: CommandAnswer }
  /** Through the command pipeline and refused (4xx): the row stays parked. */
  | { readonly _tag: "Refused"; readonly outcome: CommandAnswer }

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

/** How long a replay waits for a command that has not committed within one pipeline answer (202). */
const commitPatienceMs = 20_000

const commandOf = (entry: ParkedEntry) => {
  const path = entry.headers[CommandHeaders.commandPath]
  const principal = principalOfSubject(entry.subject)
  const answerSubject = principal === undefined ? undefined : answerSubjectOf(principal)
  return path === undefined || principal === undefined || answerSubject === undefined ? undefined : { path, principal, answerSubject }
}

/**
 * The key of a replayed command: the original's (its Idempotency-Key, else its message id, else its stream
 * position), so an unchanged replay is the same command; a corrected body is a new request with a key of its
 * own per body (a refused correction followed by another is not a reused key).
 */
export const replayKeyOf = (entry: ParkedEntry, corrected: string | undefined): string => {
  const original = entry.headers[CommandHeaders.idempotencyKey] ?? entry.msgId ?? `${entry.stream}:${entry.streamSeq}`
  return corrected === undefined ? original : `${original}~replay:${entry.id}:${sha256(corrected).slice(0, 12)}`
}

const msgIdOf = (body: unknown): string | undefined =>
  typeof body === "object" && body !== null && "msgId" in body && typeof body.msgId === "string" ? body.msgId : undefined

export interface ParkedReplayShape {
  /** Replays parked row `id`, unchanged or with the `corrected` JSON body. */
  readonly replay: (id: number, corrected: string | undefined) => Effect.Effect<ParkedReplayAnswer, DbError | BusError>
}

type PipelineServices = CommandGateway | IdempotencyStore | OwnershipGuard | ReferenceDataService | EntityQueries

const make = Effect.gen(function* () {
  const parked = yield* ParkedMessages
  const publisher = yield* JetStreamPublisher
  const region = (yield* RegionContext).region.id
  const pipeline = yield* Effect.context<PipelineServices>()

  const throughPipeline = (id: number, corrected: string | undefined) =>
    parked.replayThrough(id, (entry) =>
      Effect.gen(function* () {
        const command = commandOf(entry)
        const resolved = command === undefined ? undefined : resolveCommandPath(command.path)
        if (command === undefined || resolved === undefined) {
          const outcome: CommandAnswer = {
            status: 422,
            body: { title: "no command route", detail: `${entry.headers[CommandHeaders.commandPath] ?? "(no path)"} names no command route` },
            correlationId: undefined
          }
          return { replayed: false, result: outcome } as const
        }
        const key = replayKeyOf(entry, corrected)
        const request = {
          principal: command.principal,
          target: `POST ${command.path}`,
          params: resolved.params,
          bodyText: corrected ?? Buffer.from(entry.payloadBase64, "base64").toString("utf8"),
          idempotencyKey: key,
          correlationId: entry.headers[CommandHeaders.correlationId]
        }
        const deadline = Date.now() + commitPatienceMs
        let answer = yield* executeCommand(resolved.route, request)
        while (answer.status === 202 && Date.now() < deadline) answer = yield* executeCommand(resolved.route, request)
        if (answer.status >= 400) return { replayed: false, result: answer } as const
        const outcome: CommandMessageOutcome = { key, path: command.path, status: answer.status, body: answer.body, correlationId: answer.correlationId }
        yield* publisher.publish(command.answerSubject, new TextEncoder().encode(JSON.stringify(outcome)), {
          msgId: `${region}:outcome:replay:${id}`,
          headers: { [CommandHeaders.idempotencyKey]: key, ...definedFields({ [CommandHeaders.correlationId]: answer.correlationId }) }
        })
        return { replayed: true, msgId: msgIdOf(answer.body) ?? `${region}:replay:${id}`, result: answer } as const
      })
    )

  const replay = (id: number, corrected: string | undefined): Effect.Effect<ParkedReplayAnswer, DbError | BusError> =>
    Effect.gen(function* () {
      const entry = yield* parked.get(id)
      if (entry === undefined) return { _tag: "NotFound" } as const
      if (entry.status === "replayed") return { _tag: "AlreadyReplayed", msgId: entry.replayMsgId ?? "" } as const
      if (commandOf(entry) === undefined) {
        if (corrected !== undefined) {
          return {
            _tag: "CorrectionRefused",
            detail: `${entry.subject} is not a command from an outside system: nothing would check a corrected body before its module applies it; fix the cause and replay it unchanged`
          } as const
        }
        const result = yield* parked.replay(id)
        return result._tag === "Replayed" ? ({ _tag: "Republished", msgId: result.msgId } as const) : result
      }
      const result = yield* throughPipeline(id, corrected)
      if (result._tag !== "Handled") return result
      return result.replayed
        ? ({ _tag: "Applied", msgId: msgIdOf(result.result.body) ?? `${region}:replay:${id}`, outcome: result.result } as const)
        : ({ _tag: "Refused", outcome: result.result } as const)
    }).pipe(Effect.provideContext(pipeline))

  return ParkedReplay.of({ replay })
})

export class ParkedReplay extends Context.Service<ParkedReplay, ParkedReplayShape>()("logimesh/region/ParkedReplay") {
  static readonly layer = Layer.effect(ParkedReplay, make)
}
