/**
 * How the HTTP API hands a command to a module's actor and learns what it
 * did: publish it to `cmd.<region>.<module>` with a `Nats-Msg-Id` (stable
 * per Idempotency-Key), then wait, bounded, for the step that applied that
 * message id to commit (the module's audit rows carry the msg id; an applied
 * input with no rows is in the inbox). In the region's process the module
 * engines announce each committed message id (`CommitNotifier`), so the API
 * reads the record once, when it is there, rather than polling it; a slow
 * poll beside it finds a step committed by another process. The actor stays
 * the single writer: the API never writes module state itself.
 */
import { Context, Duration, Effect, Layer, Option, Schedule } from "effect"
import { type BusError, JetStreamPublisher, Subjects } from "@logimesh/bus"
import type { DbError } from "@logimesh/db"
import { CommitNotifier, EngineQueries } from "@logimesh/engine"
import { RegionContext } from "../RegionContext.ts"

export interface AuditEntry {
  readonly seq: number
  readonly kind: "event" | "rejection"
  readonly type: string
  readonly payload: unknown
}

/** What became of a command: its events (possibly none: a replay), a rejection, or not committed within the wait. */
export type CommandResult =
  | { readonly _tag: "Applied"; readonly events: ReadonlyArray<AuditEntry> }
  | { readonly _tag: "Rejected"; readonly rejection: AuditEntry }
  | { readonly _tag: "Pending" }

export interface SendCommand {
  readonly module: string
  readonly entityType: string
  readonly key: string
  /** The encoded command (JSON-safe). */
  readonly command: unknown
  readonly msgId: string
  readonly correlationId: string
  readonly sourceSystem: string
}

export interface CommandGatewayShape {
  /** `repeat`: the same message id may have been published before (a pending Idempotency-Key): answer from the record if it committed. */
  readonly send: (
    command: SendCommand,
    options?: { readonly wait?: Duration.Input; readonly repeat?: boolean }
  ) => Effect.Effect<CommandResult, BusError | DbError>
  /** The outcome of an already published command (idempotent re-asks). */
  readonly await: (command: Pick<SendCommand, "entityType" | "key" | "msgId">, wait?: Duration.Input) => Effect.Effect<CommandResult, DbError>
}

const textEncoder = new TextEncoder()
const defaultWait = Duration.seconds(10)
/** Without a commit notice (a repeat's re-ask, or no notifier): the record polled this often. */
const pollEvery = Duration.millis(15)
/** Beside a commit notice: for a step committed by another process, which this one never announces. */
const slowPollEvery = Duration.millis(100)

export class CommandGateway extends Context.Service<CommandGateway, CommandGatewayShape>()("logimesh/region/CommandGateway") {
  static readonly layer = Layer.effect(
    CommandGateway,
    Effect.gen(function* () {
      const engine = yield* EngineQueries
      const notifier = Option.getOrUndefined(yield* Effect.serviceOption(CommitNotifier))
      const publisher = yield* JetStreamPublisher
      const { region } = yield* RegionContext

      const outcomeOf = (command: Pick<SendCommand, "entityType" | "key" | "msgId">) =>
        engine.messageOutcome(command.entityType, command.key, command.msgId).pipe(
          Effect.map(({ inInbox, audit }): CommandResult | undefined => {
            // Audit rows outlive the inbox (pruned after its retention): either one means the step committed.
            if (audit.length === 0 && !inInbox) return undefined
            const rejection = audit.find((e) => e.kind === "rejection")
            return rejection === undefined ? { _tag: "Applied", events: audit } : { _tag: "Rejected", rejection }
          })
        )

      /** Polls the record every `every` until the step committed or `wait` ran out (then Pending). */
      const pollOutcome = (command: Pick<SendCommand, "entityType" | "key" | "msgId">, wait: Duration.Input, every: Duration.Duration) =>
        outcomeOf(command).pipe(
          Effect.flatMap((result) => (result === undefined ? Effect.fail("pending" as const) : Effect.succeed(result))),
          Effect.retry({
            while: (e) => e === "pending",
            schedule: Schedule.spaced(every).pipe(Schedule.upTo({ duration: Duration.fromInputUnsafe(wait) }))
          }),
          Effect.catchIf(
            (e): e is "pending" => e === "pending",
            () => Effect.succeed<CommandResult>({ _tag: "Pending" })
          )
        )

      const awaitOutcome: CommandGatewayShape["await"] = (command, wait = defaultWait) => pollOutcome(command, wait, pollEvery)

      /**
       * Publish, then learn the outcome: in this process the committer announces the message id as it
       * commits (the record is read once, then); a step committed elsewhere is found by a slow poll.
       */
      const publishAndAwait = (command: SendCommand, wait: Duration.Input | undefined) => {
        const publish = publisher.publish(Subjects.moduleCommand(region.id, command.module), textEncoder.encode(JSON.stringify(command.command)), {
          msgId: command.msgId,
          headers: { "X-Correlation-Id": command.correlationId, "Logimesh-Source-System": command.sourceSystem }
        })
        const budget = wait ?? defaultWait
        // Once published, the command will be applied: a failure to learn the outcome is "pending" (202), never 503.
        const orPending = (learn: Effect.Effect<CommandResult, DbError>) =>
          learn.pipe(Effect.catchTag("DbError", () => Effect.succeed<CommandResult>({ _tag: "Pending" })))
        if (notifier === undefined) return publish.pipe(Effect.andThen(orPending(awaitOutcome(command, budget))))
        return Effect.acquireUseRelease(
          notifier.expect(command.msgId),
          (waiter) =>
            publish.pipe(
              Effect.andThen(
                orPending(
                  Effect.race(
                    waiter.committed.pipe(Effect.andThen(pollOutcome(command, budget, pollEvery))),
                    Effect.delay(pollOutcome(command, budget, slowPollEvery), slowPollEvery)
                  )
                )
              )
            ),
          (waiter) => waiter.release
        )
      }

      const send: CommandGatewayShape["send"] = (command, options = {}) =>
        options.repeat === true
          ? // Already committed? Answer from the record and publish nothing.
            outcomeOf(command).pipe(Effect.flatMap((known) => (known !== undefined ? Effect.succeed(known) : publishAndAwait(command, options.wait))))
          : publishAndAwait(command, options.wait)

      return CommandGateway.of({ send, await: awaitOutcome })
    })
  )
}
