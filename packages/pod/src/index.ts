/**
 * @logimesh/pod — the proof-of-delivery module (entity `pod`, key = shipment
 * id): the carrier captures a delivery (POD reference `POD-<shipment>-<n>`)
 * or reports a failed attempt through the API; the region flows turn these
 * into order progress, the shipment's delivery outcome and messages to the
 * ERP, dispatch and the customer. Pure decider plus Schema codecs
 * (docs/order-to-delivery.md).
 */
export { CapturePod, PodCommand, PodOutcome } from "./PodCommands.ts"
export { decide, evolve, initialState, NO_REASON_GIVEN, type PodDecision, podReference, RECEIVER_NOT_RECORDED } from "./PodDecider.ts"
export { AttemptNumber, DeliveryAttemptFailed, PodCaptured, PodEvent } from "./PodEvents.ts"
export { podEntity } from "./podEntity.ts"
export { podModule } from "./podModule.ts"
export { InvalidState, PodRejection } from "./PodRejections.ts"
export { FailedAttempt, PodState, PodStatus } from "./PodState.ts"
export {
  DeliveredToCustomer,
  DeliveryFailedToDispatch,
  DeliveryFailedToErp,
  PodAttachedToErp,
  podSystemMessages
} from "./PodSystemMessages.ts"
