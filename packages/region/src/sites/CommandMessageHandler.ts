/**
 * A `/v1` command carried as a message instead of an HTTP request, as the
 * region reads them for each site it serves:
 *   - from the site itself: its systems publish into their own leaf's
 *     SITE_EVENTS (sourced into the hub's HUB_SITE_EVENTS), durable
 *     `region_<region>_<site>`; answered on `sys.wes.<site>.outcome`, which
 *     the site's SITE_COMMANDS sources back;
 *   - from central systems: the ERP or dispatch publishes into the hub's
 *     INGRESS on `in.<ship-from site>.<system>` (region-aware routing: the
 *     site in the subject selects the region's consumer
 *     `region_<region>_<site>_ingress`); answered on `sys.erp.outcome` /
 *     `sys.dispatch.outcome`.
 *
 *   headers  Nats-Msg-Id (unique), Logimesh-Command-Path (`/v1/...`),
 *            Idempotency-Key, Logimesh-Correlation-Id; Logimesh-Source-System optional
 *   body     the command's JSON body, as over HTTP
 *
 * The sender is the principal of the subject the message was published on
 * (`auth/SubjectPrincipal.ts`: `site.<site>.evt.command` -> the WES of that
 * site, `in.<site>.<system>` -> that system), which NATS permissions decide;
 * a `Logimesh-Source-System` header that names another system is parked as
 * `SenderMismatch`. The WES of a site may only touch that site's objects
 * (a command naming another site's object is answered 404, nothing applied).
 *
 * Each goes through the same `executeCommand` as an HTTP request
 * (references, schema, ownership, Idempotency-Key, the actor). A final
 * answer (2xx or 4xx) is published to the sender's answer subject (id
 * `<region>:outcome:<hash of the message id>`), then the message is acked.
 * Not committed yet (202): asked again with the same key until it is (the
 * runner keeps the message alive). A dependency down: retried by the runner
 * (kept without spending deliveries while the gate is closed). No command
 * path, a path that does not decode (`BadPath`), a body over
 * `api.maxBodyBytes` (`BodyTooLarge`), a malformed Idempotency-Key or
 * correlation id (`BadHeader`; `RequestBounds.ts`), an unknown path or
 * sender, a sender not allowed on this path, a terminal error or the last
 * allowed delivery -> parked (DLQ +
 * `engine_parked`, where `/v1/parked` lists it and a replay runs it through
 * the same pipeline as the sender its subject names, key included,
 * `ParkedReplay.ts`), never dropped. A sender waits
 * for the answer before the next step of the same order: messages of
 * different orders are handled concurrently.
 */
import { Data, Duration, Effect } from "effect"
import { createHash } from "node:crypto"
import { type BusMessage, CommandHeaders, JetStreamPublisher, Outcome } from "@logimesh/bus"
import { EngineHeaders, EngineQueries, ParkedMessages, rawInputOf } from "@logimesh/engine"
import { definedFields } from "@logimesh/model"
import { executeCommand, routeMatcher } from "../api/CommandPipeline.ts"
import { commandTable } from "../api/commandTable.ts"
import { checkBodySize, checkCommandHeaders, checkPath } from "../api/RequestBounds.ts"
import type { Principal } from "../auth/Principal.ts"
import { answerSubjectOf, principalOfSubject } from "../auth/SubjectPrincipal.ts"

const routes = commandTable.map((route) => ({ route, match: routeMatcher(route) }))
const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** The command route a path names, with its parameters. */
export const resolveCommandPath = (path: string) => {
  for (const { route, match } of routes) {
    const params = match(path)
    if (params !== undefined) return { route, params }
  }
  return undefined
}

/** The answer message a sender receives for its command message. */
export interface CommandMessageOutcome {
  readonly key: string
  readonly path: string
  readonly status: number
  readonly body: unknown
  readonly correlationId: string | undefined
}

/** Recorded for operators (`engine_parked`), then parked to the DLQ by the runner; once per message. */
export const parkMessage = (message: BusMessage, reason: string, detail: string) =>
  ParkedMessages.use((parked) =>
    parked.record({
      reason,
      detail,
      raw: rawInputOf(message),
      dedupeKey: `consumer:${message.domain || "-"}:${message.stream}:${message.consumer}:${message.streamSequence}`
    })
  ).pipe(Effect.as(Outcome.Park({ reason, detail })))

export interface CommandMessageSource {
  readonly region: string
  /** For messages and logs: "site dc-rotterdam", "ingress dc-antwerp". */
  readonly from: string
  /** Whether this sender may send through this consumer (else parked); it hears the answer on `answerSubjectOf` its principal. */
  readonly accepts: (sender: Principal) => boolean
  /** The consumer's `max_deliver`: a failure on that delivery is parked here, with its operator record. */
  readonly maxDeliver: number
  /** The largest command body taken (`api.maxBodyBytes` of `sites/mesh.json`). */
  readonly maxBodyBytes: number
}

/**
 * The command's Idempotency-Key: the sender's; else its message id (for an operator's replay: the original's,
 * so a replay is the same command); else the stream position (stable across redeliveries). Never a fresh id,
 * which would make a redelivery a second command.
 */
export const commandKeyOf = (message: Pick<BusMessage, "headers" | "msgId" | "stream" | "streamSequence">): string => {
  const sent = message.headers[CommandHeaders.idempotencyKey]
  if (sent !== undefined) return sent
  const original = message.headers[EngineHeaders.replayOf] === undefined ? undefined : message.headers[EngineHeaders.causationId]
  if (original !== undefined && original !== "") return original
  return message.msgId ?? `${message.stream}:${message.streamSequence}`
}

/** How long one delivery waits for its command to commit before it fails as retryable. */
const commitPatience = Duration.minutes(2)

/** Retryable: the command was published but has not committed in time (the module is far behind). */
class CommitTimeout extends Data.TaggedError("CommitTimeout")<{ readonly message: string }> {
  readonly isRetryable = true
}

const msgIdOf = (body: unknown): string | undefined =>
  typeof body === "object" && body !== null && "msgId" in body && typeof body.msgId === "string" ? body.msgId : undefined

/** The module's parked record for a command message id, if its engine parked it. */
const parkedCommand = (msgId: string) => EngineQueries.use((engine) => engine.parked(msgId)).pipe(Effect.map((rows) => rows[0]))

const isTerminal = (error: unknown): boolean => typeof error === "object" && error !== null && "isRetryable" in error && error.isRetryable === false

const describe = (error: unknown): { readonly tag: string; readonly text: string } => {
  const tag = typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" ? error._tag : "Error"
  const text = typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error)
  return { tag, text }
}

export const commandMessageHandler = (source: CommandMessageSource) => (message: BusMessage) =>
  Effect.gen(function* () {
    const publisher = yield* JetStreamPublisher
    const { region, from } = source
    const park = parkMessage
    const path = message.headers[CommandHeaders.commandPath]
    if (path === undefined) return yield* park(message, "NoCommandPath", `a message from ${from} without ${CommandHeaders.commandPath}`)
    const refused =
      checkPath(path) ??
      checkBodySize(message.data.byteLength, source.maxBodyBytes) ??
      checkCommandHeaders(
        { idempotencyKey: message.headers[CommandHeaders.idempotencyKey], correlationId: message.headers[CommandHeaders.correlationId] },
        { idempotencyKey: CommandHeaders.idempotencyKey, correlationId: CommandHeaders.correlationId }
      )
    if (refused !== undefined) return yield* park(message, refused.reason, `${refused.title}: ${refused.detail} (${from})`)
    const resolved = resolveCommandPath(path)
    if (resolved === undefined) return yield* park(message, "UnknownCommand", `no command route for ${path} (${from})`)
    const principal = principalOfSubject(message.subject)
    if (principal === undefined) return yield* park(message, "UnknownSender", `no sender is published on ${message.subject} (${from})`)
    const claimed = message.headers[CommandHeaders.sourceSystem]
    if (claimed !== undefined && claimed !== principal.system) {
      return yield* park(
        message,
        "SenderMismatch",
        `${CommandHeaders.sourceSystem} ${JSON.stringify(claimed.slice(0, 40))} but ${message.subject} is published by ${principal.system} (${from})`
      )
    }
    const answerSubject = source.accepts(principal) ? answerSubjectOf(principal) : undefined
    if (answerSubject === undefined) {
      return yield* park(message, "SenderNotAllowedHere", `${principal.system} may not send commands through ${from}`)
    }
    const key = commandKeyOf(message)
    const request = {
      principal,
      target: `POST ${path}`,
      params: resolved.params,
      bodyText: decoder.decode(message.data),
      idempotencyKey: key,
      correlationId: message.headers[CommandHeaders.correlationId]
    }
    // Not committed within the pipeline's wait (202): ask again with the same key, which waits for that same
    // command; the runner keeps the message ours (`working()`) meanwhile, so no delivery is spent. Bounded: a
    // command its module parked never commits (then this message is parked too, pointing at it), and past
    // `commitPatience` the handling fails as retryable (nak; parked on the last delivery).
    const deadline = Date.now() + Duration.toMillis(commitPatience)
    let answer = yield* executeCommand(resolved.route, request)
    while (answer.status === 202) {
      const commandId = msgIdOf(answer.body)
      const parkedAs = commandId === undefined ? undefined : yield* parkedCommand(commandId)
      if (parkedAs !== undefined) {
        return yield* park(
          message,
          "CommandParked",
          `the command ${commandId} was parked by its module (engine_parked ${parkedAs.id}: ${parkedAs.reason}); fix and replay that one`
        )
      }
      if (Date.now() > deadline) {
        return yield* Effect.fail(new CommitTimeout({ message: `${path}: not committed within ${Duration.format(commitPatience)} (${from})` }))
      }
      answer = yield* executeCommand(resolved.route, request)
    }
    const outcome: CommandMessageOutcome = { key, path, status: answer.status, body: answer.body, correlationId: answer.correlationId }
    const origin = message.msgId ?? `${message.stream}:${message.streamSequence}`
    yield* publisher.publish(answerSubject, encoder.encode(JSON.stringify(outcome)), {
      msgId: `${region}:outcome:${createHash("sha256").update(origin).digest("hex").slice(0, 32)}`,
      headers: {
        [CommandHeaders.idempotencyKey]: key,
        ...definedFields({ [CommandHeaders.correlationId]: answer.correlationId })
      }
    })
    return Outcome.Ack()
  }).pipe(
    // Terminal, or retryable on the last allowed delivery: parked here with its operator record (the runner would
    // otherwise park it to the DLQ only). Earlier retryable failures go back to the runner (nak, or kept while the
    // dependency gate is closed).
    Effect.catch((error) =>
      isTerminal(error) || message.deliveryCount >= source.maxDeliver
        ? parkMessage(message, isTerminal(error) ? describe(error).tag : "RetriesExhausted", `${describe(error).tag}: ${describe(error).text}`)
        : Effect.fail(error)
    )
  )
