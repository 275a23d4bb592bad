/**
 * Runs a durable pull consumer (created beforehand by `applyStreams`) inside a
 * scope. The handler receives the raw message and returns an `Outcome` as
 * data; the runner turns it into the JetStream reply:
 *
 *   Ack                                -> ack()
 *   Nak({ delay })                     -> nak(delay)
 *   Park({ reason, detail })           -> publish original payload + headers (+ Logimesh-Park-*) to the
 *                                         dead-letter subject with a deterministic msgId, THEN term()
 *   handler fails, error not terminal  -> nak with exponential backoff
 *   or dies (defect)
 *   handler fails, `isRetryable: false` -> Park (reason = the error's tag)
 *   any retry on the last allowed       -> Park (`RetriesExhausted`): past `max_deliver` the server
 *   delivery (`max_deliver`)               would stop delivering, so the message is parked, never lost
 *
 * If the dead-letter publish itself fails, the message is nak'ed instead of
 * term'ed (it stays in its stream). A consumer without `max_deliver` is
 * refused.
 *
 * Optional `gate` (a `DependencyGate`, e.g. "Postgres answers"): while it is
 * closed the runner reads no further message from the pull session, and so
 * sends no new pull request (the client sends its next request only as the
 * iterator is read); a message whose attempt ended in a retry (a Nak
 * outcome, a retryable error or a defect) while the gate is closed gets no
 * reply at all: the runner keeps it (`working()` every quarter of `ack_wait`,
 * at most every 5 s) and runs the handler again once the gate opens, so an
 * outage spends no delivery of `max_deliver`. A message that arrives while
 * the gate is closed waits the same way before its first attempt. What is
 * kept is only what is in flight (at most `concurrency` messages). Messages
 * the last pull request had already brought wait, unread, in the client's
 * buffer (at most the session's `max_messages`, not kept alive): if the
 * outage outlasts `ack_wait`, each is delivered once more after the gate
 * opens: one delivery spent, and the handler may see it twice (the copy
 * the client held and the redelivery; seen by hand: 13 of 15 buffered messages
 * after a 40 s pause with a 5 s `ack_wait`). An attempt
 * that fails just before the gate closes (it closes only when the owner's
 * probe notices) is nak'ed as usual. With the gate open, or without a gate,
 * everything is as above.
 *
 * While a handler runs, the runner sends `working()` every quarter of
 * `ack_wait` (at most every 5 s), so a slow handling is not redelivered under
 * it and `ack_wait` can be short: it only decides how soon the messages of a
 * process that died come back.
 *
 * A watchdog (`StuckMessageWatchdog`, on by default) compares the
 * consumer's ack-pending messages with what the runner holds: the lowest
 * pending message, when nobody here holds it and the ack floor has not moved
 * for 2 x `ack_wait`, is handed back to the server for redelivery (`-NAK` on
 * its ack subject). Every handler here is idempotent, so a message handled
 * once more is harmless; one left pending would stall its sender.
 *
 * Closing the scope stops pulling (`close()` is called from outside the
 * iteration: closed from inside the `for await` loop, the iterator
 * deadlocks; a read waiting for the gate ends at once), lets in-flight
 * handlers (held ones included) finish within `shutdownTimeout`, then
 * interrupts what is left (unacked messages are redelivered after
 * `ack_wait`). If the pull session ends on its own (consumer deleted,
 * server gone) it is restarted with backoff.
 */
import type { ConsumerMessages, JsMsg } from "@nats-io/jetstream"
import { headers as makeHeaders, type MsgHdrs } from "@nats-io/transport-node"
import { Array as Arr, Cause, Context, Duration, Effect, Exit, Fiber, Latch, Layer, Ref, Schedule, type Scope, Stream } from "effect"
import { BadRequest, BusError, classifyBusError } from "./BusError.ts"
import { BusHeaders, serverHeaderPrefix } from "./BusHeaders.ts"
import { type BusMessage, toBusMessage } from "./BusMessage.ts"
import { publishRaw } from "./JetStreamPublisher.ts"
import { NatsConnection } from "./NatsConnection.ts"
import { Outcome } from "./Outcome.ts"
import { exhaustedLaneHandler, type ExhaustedLaneTarget } from "./ExhaustedDeliveries.ts"
import { runStuckMessageWatchdog } from "./StuckMessageWatchdog.ts"
import { definedFields } from "@logimesh/model"

/**
 * Whether the dependencies the handlers need (Postgres, say) answer now. The
 * runner pauses while it is closed instead of spending deliveries (see the
 * header); who opens and closes it is the caller's business (the region
 * probes Postgres).
 */
export interface DependencyGate {
  /** True while handlers can be expected to succeed. */
  readonly isOpen: Effect.Effect<boolean>
  /** Completes when the gate is open: at once if it is, else when it next opens. */
  readonly awaitOpen: Effect.Effect<void>
}

export const DependencyGate = {
  /** A gate that is open exactly while `latch` is (the owner opens and closes the latch). */
  fromLatch: (latch: Latch.Latch): DependencyGate => ({
    isOpen: Effect.sync(() => latch.isOpen()),
    awaitOpen: latch.await
  })
} as const

export interface ConsumerSpec<E, R> {
  readonly stream: string
  /** Durable consumer name; it must exist (see `applyStreams`). */
  readonly consumer: string
  /** JetStream domain of the stream; default the connected server's domain. */
  readonly domain?: string
  /** Where parked messages go (`Subjects.deadLetter(...)`), captured by a DLQ stream. */
  readonly deadLetterSubject: string
  /** Domain of the DLQ stream; default `domain`. */
  readonly deadLetterDomain?: string
  /** Messages handled at once; default 1 (in delivery order). */
  readonly concurrency?: number
  /**
   * Messages fetched ahead of the handlers (the pull session's `max_messages`); default max(16, 4 x concurrency).
   * Fetched messages waiting for a handler are not kept alive: keep it near `concurrency` when handlings can be slow.
   */
  readonly prefetch?: number
  /** Nak delay after a failed attempt; default 500 ms doubling per delivery, capped at 60 s. */
  readonly retryDelay?: (deliveryCount: number) => Duration.Duration
  /** How long in-flight handlers may run after the scope starts closing; default 10 s. */
  readonly shutdownTimeout?: Duration.Input
  /**
   * Pause while closed: pull nothing more, and keep (not nak) a message whose attempt ended in a retry
   * while closed, trying it again when the gate opens. Default: none (never pauses).
   */
  readonly gate?: DependencyGate
  /**
   * Re-drive a message the server keeps ack-pending while this runner does not hold it (`StuckMessageWatchdog`).
   * Default on, checking every `ack_wait` and re-driving after 2 x `ack_wait`; `false` turns it off.
   */
  readonly watchdog?: false | { readonly checkEvery?: Duration.Input; readonly stuckAfter?: Duration.Input }
  /**
   * The consumer's exhausted lane (`ExhaustedDeliveries`): a companion durable reading the server's notices of
   * messages it gave up delivering to this consumer; each is handed to `handler` once more. Default: none.
   */
  readonly exhausted?: ExhaustedLaneTarget
  /** Called for each message the watchdog re-drives (its stream sequence). */
  readonly onRedrive?: (streamSequence: number) => void
  /** Who sends these messages and what the handler does with them: the caller's business. */
  readonly handler: (message: BusMessage) => Effect.Effect<Outcome, E, R>
}

export interface ConsumerRunnerShape {
  /** Starts consuming in the current scope; fails at once if the consumer is missing or has no `max_deliver`. */
  readonly run: <E, R>(spec: ConsumerSpec<E, R>) => Effect.Effect<void, BusError, R | Scope.Scope>
}

/**
 * How long the runner keeps retrying to park a message on its last allowed
 * delivery (the DLQ stream unreachable) before it gives up and logs an error.
 * The message then stays in its stream, unacked and no longer delivered: an
 * operator re-drives it (`redriveConsumer`). A crash of the process on the
 * last delivery leaves a message the same way (see ARCHITECTURE.md).
 */
export const lastDeliveryParkPatience = Duration.minutes(2)

export const defaultRetryDelay = (deliveryCount: number): Duration.Duration => Duration.millis(Math.min(60_000, 500 * 2 ** Math.max(0, deliveryCount - 1)))

const isTerminalError = (error: unknown): error is { readonly _tag?: string; readonly message?: string } =>
  typeof error === "object" && error !== null && "isRetryable" in error && error.isRetryable === false

const tagOf = (error: { readonly _tag?: unknown }): string => (typeof error._tag === "string" ? error._tag : "TerminalError")

/** The attempt asked for another one: a Nak, a retryable failure or a defect (not a terminal error, not an interruption). */
const wantsRetry = <E>(exit: Exit.Exit<Outcome, E>): boolean => {
  if (Exit.isSuccess(exit)) return exit.value._tag === "Nak"
  if (Cause.hasInterruptsOnly(exit.cause)) return false
  const failure = exit.cause.reasons.find(Cause.isFailReason)
  return failure === undefined || !isTerminalError(failure.error)
}

/** Turns what the handler did into the reply, given whether this is the last allowed delivery. */
const decide = <E>(exit: Exit.Exit<Outcome, E>, message: BusMessage, maxDeliver: number, retryDelay: (deliveryCount: number) => Duration.Duration): Outcome => {
  const last = message.deliveryCount >= maxDeliver
  const exhausted = (why: string) => Outcome.Park({ reason: "RetriesExhausted", detail: `delivery ${message.deliveryCount} of ${maxDeliver}: ${why}` })
  if (Exit.isSuccess(exit)) {
    const outcome = exit.value
    if (outcome._tag === "Nak" && last) return exhausted("handler asked to retry on the last allowed delivery")
    return outcome
  }
  const failure = exit.cause.reasons.find(Cause.isFailReason)
  if (failure !== undefined && isTerminalError(failure.error)) {
    return Outcome.Park({ reason: tagOf(failure.error), detail: String(failure.error.message ?? failure.error) })
  }
  if (last) return exhausted(Cause.pretty(exit.cause))
  return Outcome.Nak({ delay: retryDelay(message.deliveryCount) })
}

/** Original headers minus server-owned ones, plus where the message came from and why it was parked. */
const parkHeaders = (original: MsgHdrs | undefined, message: BusMessage, reason: string, detail: string): MsgHdrs => {
  const h = makeHeaders()
  if (original !== undefined) {
    for (const key of original.keys()) {
      if (key.startsWith(serverHeaderPrefix)) continue
      for (const value of original.values(key)) h.append(key, value)
    }
  }
  h.set(BusHeaders.parkReason, reason)
  // Header values are one line.
  h.set(BusHeaders.parkDetail, detail.replace(/[\r\n]+/g, " ").slice(0, 2_000))
  h.set(BusHeaders.originalSubject, message.subject)
  h.set(BusHeaders.originalStream, message.stream)
  h.set(BusHeaders.originalDomain, message.domain)
  h.set(BusHeaders.originalSequence, String(message.streamSequence))
  h.set(BusHeaders.originalConsumer, message.consumer)
  h.set(BusHeaders.deliveryCount, String(message.deliveryCount))
  h.set(BusHeaders.parkedAt, new Date().toISOString())
  if (message.msgId !== undefined) h.set(BusHeaders.originalMsgId, message.msgId)
  return h
}

/** Same message parked twice (e.g. term() lost, then redelivered) dedupes in the DLQ stream. */
const parkMsgId = (message: BusMessage): string =>
  `parked:${message.domain === "" ? "-" : message.domain}:${message.stream}:${message.consumer}:${message.streamSequence}`

const make = Effect.gen(function* () {
  const nats = yield* NatsConnection

  const run = <E, R>(spec: ConsumerSpec<E, R>): Effect.Effect<void, BusError, R | Scope.Scope> =>
    Effect.gen(function* () {
      const label = `${spec.domain ?? "(local)"}/${spec.stream}/${spec.consumer}`
      const js = nats.jetstream(spec.domain)
      const dlq = nats.jetstream(spec.deadLetterDomain ?? spec.domain)
      const consumer = yield* Effect.tryPromise({
        try: () => js.consumers.get(spec.stream, spec.consumer),
        catch: (cause) => classifyBusError(`consumer ${label}`, cause)
      })
      const info = yield* Effect.tryPromise({
        try: () => consumer.info(true),
        catch: (cause) => classifyBusError(`consumer ${label}`, cause)
      })
      const maxDeliver = info.config.max_deliver ?? -1
      if (maxDeliver <= 0) {
        return yield* new BusError({
          operation: `consumer ${label}`,
          reason: new BadRequest({ message: "consumer has no max_deliver; refusing to run (messages could retry forever)" })
        })
      }
      const concurrency = Math.max(1, spec.concurrency ?? 1)
      const retryDelay = spec.retryDelay ?? defaultRetryDelay
      const gate = spec.gate
      // `ack_wait` is in nanoseconds; keep a held message ours well inside it.
      const ackWaitMs = (info.config.ack_wait ?? 30_000_000_000) / 1_000_000
      const keepAliveEvery = Duration.millis(Math.max(100, Math.min(5_000, ackWaitMs / 4)))

      const working = (msg: JsMsg) =>
        Effect.sync(() => {
          try {
            msg.working()
          } catch {
            // Connection closed or gone: nothing to keep; the server redelivers after ack_wait.
          }
        })

      /** Keeps `msg` ours, replying nothing but `working()`, until the gate is open (at once if it is). */
      const holdWhileClosed = (msg: JsMsg): Effect.Effect<void> =>
        gate === undefined
          ? Effect.void
          : Effect.flatMap(gate.isOpen, (open) =>
              open
                ? Effect.void
                : working(msg).pipe(
                    Effect.andThen(Effect.raceFirst(gate.awaitOpen, Effect.forever(Effect.sleep(keepAliveEvery).pipe(Effect.andThen(working(msg))))))
                  )
            )

      const publishParked = (message: BusMessage, original: MsgHdrs | undefined, reason: string, detail: string) =>
        Effect.tryPromise({
          try: () => publishRaw(dlq, spec.deadLetterSubject, message.data, parkMsgId(message), parkHeaders(original, message, reason, detail), undefined),
          catch: (cause) => classifyBusError(`park ${label} seq ${message.streamSequence}`, cause)
        })

      // Own nak delays still running, by stream sequence (the watchdog leaves those messages alone).
      const nakDueAt = new Map<number, number>()
      const nakFor = (msg: JsMsg, streamSequence: number, delayMs: number) => {
        nakDueAt.set(streamSequence, Date.now() + delayMs)
        msg.nak(delayMs)
      }

      const park = (msg: JsMsg, message: BusMessage, reason: string, detail: string) =>
        publishParked(message, msg.headers, reason, detail).pipe(
          // Keep the message ours while retrying: `working()` resets the server's ack timer.
          Effect.tapError(() => Effect.sync(() => msg.working())),
          Effect.retry({
            schedule:
              message.deliveryCount >= maxDeliver
                ? // The last allowed delivery: a nak would not be redelivered, so keep trying to park
                  // (up to `lastDeliveryParkPatience`) rather than give the message up.
                  Schedule.min([Schedule.exponential(Duration.millis(100)), Schedule.spaced(Duration.seconds(5))]).pipe(
                    Schedule.upTo({ duration: lastDeliveryParkPatience })
                  )
                : Schedule.exponential(Duration.millis(100)).pipe(Schedule.upTo({ duration: Duration.seconds(2) }))
          }),
          Effect.matchEffect({
            onSuccess: () =>
              // No reason argument: servers before 2.11 ignore a `+TERM <reason>` reply entirely (the reason is in the DLQ headers).
              Effect.sync(() => msg.term()).pipe(
                Effect.andThen(Effect.logWarning("message parked").pipe(Effect.annotateLogs({ consumer: label, seq: message.streamSequence, reason, detail })))
              ),
            onFailure: (error) =>
              Effect.logError("cannot park message; left in its stream").pipe(
                Effect.annotateLogs({ consumer: label, seq: message.streamSequence, reason, error: error.message }),
                Effect.andThen(Effect.sync(() => nakFor(msg, message.streamSequence, Duration.toMillis(retryDelay(message.deliveryCount)))))
              )
          })
        )

      // One ticker for every running handling (not a timer per message): `working()` for each running longer than
      // the keep-alive interval.
      const running = new Map<JsMsg, number>()
      const keepRunningAlive = Effect.sync(() => {
        const due = Date.now() - Duration.toMillis(keepAliveEvery)
        for (const [msg, since] of running)
          if (since <= due) {
            try {
              msg.working()
            } catch {
              // connection gone: redelivered after ack_wait
            }
          }
      })
      yield* Effect.forkScoped(Effect.forever(Effect.sleep(keepAliveEvery).pipe(Effect.andThen(keepRunningAlive))))

      // What this runner holds, by stream sequence (for the watchdog): messages between being read and replied to,
      // and messages it nak'ed with a delay until that delay and one ack_wait have passed.
      const inHand = new Map<number, number>()
      const holdStart = (seq: number) => inHand.set(seq, (inHand.get(seq) ?? 0) + 1)
      const holdEnd = (seq: number) => {
        const n = (inHand.get(seq) ?? 1) - 1
        if (n <= 0) inHand.delete(seq)
        else inHand.set(seq, n)
      }
      const holds = (seq: number): boolean => {
        if (inHand.has(seq)) return true
        const due = nakDueAt.get(seq)
        if (due === undefined) return false
        if (Date.now() < due + ackWaitMs) return true
        nakDueAt.delete(seq)
        return false
      }

      const handleOne = (msg: JsMsg) =>
        Effect.gen(function* () {
          const message = toBusMessage(msg)
          const seq = message.streamSequence
          // Held from here until the reply below (an interrupted handling, at shutdown, stays marked: harmless).
          holdStart(seq)
          nakDueAt.delete(seq)
          // While the handler runs, the keep-alive ticker sends `working()` for the message, so `ack_wait` can stay
          // short (a crashed process's messages come back soon) without a slow handling being redelivered under it.
          const attempt = Effect.suspend(() => {
            running.set(msg, Date.now())
            return Effect.exit(Effect.suspend(() => spec.handler(message))).pipe(Effect.ensuring(Effect.sync(() => running.delete(msg))))
          })
          yield* holdWhileClosed(msg)
          let exit = yield* attempt
          // The gate closed around a failed attempt: no nak (no delivery spent); keep the message and try again once it opens.
          while (gate !== undefined && wantsRetry(exit) && !(yield* gate.isOpen)) {
            yield* holdWhileClosed(msg)
            exit = yield* attempt
          }
          const outcome = decide(exit, message, maxDeliver, retryDelay)
          switch (outcome._tag) {
            case "Ack":
              holdEnd(seq)
              return msg.ack()
            case "Nak":
              holdEnd(seq)
              if (nakDueAt.size > 10_000) for (const s of [...nakDueAt.keys()]) holds(s)
              return nakFor(msg, seq, Duration.toMillis(outcome.delay))
            case "Park":
              yield* park(msg, message, outcome.reason, outcome.detail)
              return holdEnd(seq)
          }
        })

      const closing = yield* Ref.make(false)
      // Opened when the scope starts closing: a source waiting for the gate then ends instead.
      const stopping = yield* Latch.make(false)
      let current: ConsumerMessages | undefined

      const session = Effect.gen(function* () {
        const messages = yield* Effect.tryPromise({
          try: () => consumer.consume({ max_messages: Math.max(1, spec.prefetch ?? Math.max(16, concurrency * 4)) }),
          catch: (cause) => classifyBusError(`consume ${label}`, cause)
        })
        current = messages
        const onError = (cause: unknown) => classifyBusError(`consume ${label}`, cause)
        // With a gate, the next message is read only while it is open: reading is what sends the client's next
        // pull request (the library queues pull requests in the iterator), so a closed gate pulls nothing more.
        const source =
          gate === undefined
            ? Stream.fromAsyncIterable(messages, onError)
            : Stream.fromPull(
                Effect.sync(() => {
                  const iterator = messages[Symbol.asyncIterator]()
                  // Open (the usual case): no race, no fiber forked per message.
                  const whenOpen = Effect.flatMap(gate.isOpen, (open) => (open ? Effect.void : Effect.raceFirst(gate.awaitOpen, stopping.await)))
                  return whenOpen.pipe(
                    Effect.andThen(Ref.get(closing)),
                    Effect.flatMap(
                      (done): Effect.Effect<IteratorResult<JsMsg>, BusError | Cause.Done> =>
                        done ? Cause.done() : Effect.tryPromise({ try: () => iterator.next(), catch: onError })
                    ),
                    Effect.flatMap((next) => (next.done === true ? Cause.done() : Effect.succeed(Arr.of(next.value))))
                  )
                })
              )
        yield* source.pipe(Stream.mapEffect(handleOne, { concurrency, unordered: concurrency > 1 }), Stream.runDrain)
      })

      const restartDelay = Schedule.min([Schedule.exponential(Duration.millis(250)), Schedule.spaced(Duration.seconds(30))])
      const loop = session.pipe(
        Effect.catch((error) => Effect.logWarning("consume session failed").pipe(Effect.annotateLogs({ consumer: label, error: error.message }))),
        Effect.andThen(Effect.flatMap(Ref.get(closing), (done) => (done ? Effect.void : Effect.fail("restart" as const)))),
        Effect.retry({ schedule: restartDelay })
      )

      const fiber = yield* Effect.forkScoped(loop)
      if (spec.exhausted !== undefined) {
        const lane = yield* Effect.tryPromise({
          try: async () => (await js.consumers.get(spec.exhausted!.stream, spec.exhausted!.consumer)).info(true),
          catch: (cause) => classifyBusError(`exhausted lane of ${label}`, cause)
        })
        yield* run({
          stream: spec.exhausted.stream,
          consumer: spec.exhausted.consumer,
          ...definedFields({ domain: spec.domain }),
          deadLetterSubject: spec.deadLetterSubject,
          ...definedFields({ deadLetterDomain: spec.deadLetterDomain }),
          concurrency: 1,
          prefetch: 1,
          ...definedFields({ gate }),
          watchdog: false,
          handler: exhaustedLaneHandler({
            nats,
            stream: spec.stream,
            consumer: spec.consumer,
            domain: spec.domain,
            laneMaxDeliver: lane.config.max_deliver ?? 1,
            handler: spec.handler,
            park: (message, original, reason, detail) =>
              publishParked(message, original, reason, detail).pipe(
                Effect.tap(() =>
                  Effect.logWarning("message parked").pipe(Effect.annotateLogs({ consumer: label, seq: message.streamSequence, reason, detail }))
                )
              )
          })
        })
      }
      if (spec.watchdog !== false) {
        const ackWait = Duration.millis(ackWaitMs)
        yield* Effect.forkScoped(
          runStuckMessageWatchdog({
            label,
            stream: spec.stream,
            consumerName: spec.consumer,
            consumer,
            nats,
            domain: spec.domain,
            filterSubject: info.config.filter_subject === "" ? undefined : info.config.filter_subject,
            holds,
            checkEvery: Duration.fromInputUnsafe(spec.watchdog?.checkEvery ?? ackWait),
            stuckAfter: Duration.fromInputUnsafe(spec.watchdog?.stuckAfter ?? Duration.times(ackWait, 2)),
            ...definedFields({ onRedrive: spec.onRedrive })
          })
        )
      }
      const shutdownTimeout = Duration.fromInputUnsafe(spec.shutdownTimeout ?? Duration.seconds(10))
      yield* Effect.addFinalizer(() =>
        Effect.gen(function* () {
          yield* Ref.set(closing, true)
          yield* stopping.open
          // Ends the iteration after what is already buffered; never awaited inside it.
          const closed = current?.close()
          yield* Fiber.join(fiber).pipe(Effect.timeout(shutdownTimeout), Effect.ignore)
          yield* Fiber.interrupt(fiber)
          if (closed !== undefined) yield* Effect.promise(() => closed).pipe(Effect.timeout(Duration.seconds(2)), Effect.ignore)
        })
      )
    })

  return ConsumerRunner.of({ run })
})

export class ConsumerRunner extends Context.Service<ConsumerRunner, ConsumerRunnerShape>()("logimesh/bus/ConsumerRunner") {
  static readonly layer: Layer.Layer<ConsumerRunner, never, NatsConnection> = Layer.effect(ConsumerRunner, make)

  /** A Layer that consumes for as long as it is alive (compose it into the app; no global listeners). */
  static readonly consume = <E, R>(spec: ConsumerSpec<E, R>): Layer.Layer<never, BusError, ConsumerRunner | R> =>
    Layer.effectDiscard(ConsumerRunner.use((runner) => runner.run(spec)))
}
