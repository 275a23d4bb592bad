/**
 * The pod decider (pure): proof of delivery of one shipment, from
 * docs/order-to-delivery.md, "Modules > pod".
 *
 *   CapturePod delivered -> PodCaptured, pod = `POD-<shipment>-<n>` (n = this attempt: failures so far + 1)
 *   CapturePod failed    -> DeliveryAttemptFailed, attempt = failures so far + 1
 *
 * Once a POD is captured: the same capture again is nothing, anything else
 * (another receiver, a failure) is `InvalidState`. A failed attempt repeated
 * (same time and reason) is nothing. Every command must name the shipment's
 * order (the first command sets it).
 */
import { Result } from "effect"
import type { Decision } from "@logimesh/engine"
import type { CapturePod, PodCommand } from "./PodCommands.ts"
import { DeliveryAttemptFailed, PodCaptured, type PodEvent } from "./PodEvents.ts"
import { InvalidState, type PodRejection } from "./PodRejections.ts"
import { FailedAttempt, PodState } from "./PodState.ts"
import { definedFields } from "@logimesh/model"

export type PodDecision = Decision<PodEvent, PodRejection>

/** No delivery attempt yet. */
export const initialState: PodState = new PodState({ status: "none", attempts: [] })

/** Receiver recorded when the carrier captured a delivery without naming one. */
export const RECEIVER_NOT_RECORDED = "not recorded"
/** Reason recorded when a failed attempt came without one. */
export const NO_REASON_GIVEN = "no reason given"

/** The POD reference of the delivery at attempt `n`: `POD-<shipment>-<n>`. */
export const podReference = (shipment: string, attempt: number): string => `POD-${shipment}-${attempt}`

const nothing: PodDecision = Result.succeed([])
const emit = (...events: ReadonlyArray<PodEvent>): PodDecision => Result.succeed(events)
const invalid = (command: PodCommand, state: PodState, detail: string): PodDecision =>
  Result.fail(new InvalidState({ command: command._tag, state: state.status, detail }))

const capturePod = (command: CapturePod, state: PodState): PodDecision => {
  if (state.order !== undefined && state.order !== command.order) {
    return invalid(command, state, `shipment ${command.shipment} belongs to order ${state.order}, not ${command.order}`)
  }
  const attempt = state.attempts.length + 1
  if (command.outcome === "delivered") {
    const receivedBy = command.receivedBy ?? RECEIVER_NOT_RECORDED
    if (state.status === "delivered") {
      const same = state.receivedBy === receivedBy && state.signatureRef === command.signatureRef && state.at === command.at
      return same ? nothing : invalid(command, state, `POD ${state.pod ?? "?"} was already captured with other details`)
    }
    return emit(
      new PodCaptured({
        shipment: command.shipment,
        order: command.order,
        pod: podReference(command.shipment, attempt),
        receivedBy,
        ...definedFields({ signatureRef: command.signatureRef }),
        at: command.at
      })
    )
  }
  const reason = command.reason ?? NO_REASON_GIVEN
  const earlier = state.attempts.find((a) => a.at === command.at)
  if (earlier !== undefined) {
    return earlier.reason === reason
      ? nothing
      : invalid(command, state, `attempt ${earlier.attempt} at ${earlier.at} already failed for another reason: ${earlier.reason}`)
  }
  if (state.status === "delivered") return invalid(command, state, `POD ${state.pod ?? "?"} was already captured: the shipment is delivered`)
  return emit(new DeliveryAttemptFailed({ shipment: command.shipment, order: command.order, attempt, reason, at: command.at }))
}

export const decide = (command: PodCommand, state: PodState): PodDecision => {
  switch (command._tag) {
    case "CapturePod":
      return capturePod(command, state)
  }
}

export const evolve = (state: PodState, event: PodEvent): PodState => {
  const { _tag, ...fields } = state
  switch (event._tag) {
    case "PodCaptured":
      return new PodState({
        ...fields,
        status: "delivered",
        shipment: event.shipment,
        order: event.order,
        pod: event.pod,
        receivedBy: event.receivedBy,
        ...definedFields({ signatureRef: event.signatureRef }),
        at: event.at
      })
    case "DeliveryAttemptFailed":
      return new PodState({
        ...fields,
        status: "delivery_failed",
        shipment: event.shipment,
        order: event.order,
        attempts: [...state.attempts, new FailedAttempt({ attempt: event.attempt, reason: event.reason, at: event.at })]
      })
  }
}
