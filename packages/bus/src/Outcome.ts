/**
 * What a consumer handler decided about one message, as data. The consumer
 * runner turns it into the JetStream reply:
 *
 *   Ack               -> ack()     (after the handler's commit)
 *   Nak({ delay })    -> nak(delay) (retry later; parked instead on the last allowed delivery)
 *   Park({ reason })  -> publish original payload + headers + reason to the dead-letter subject, then term()
 */
import { Data, type Duration } from "effect"

export type Outcome = Data.TaggedEnum<{
  // biome-ignore lint/complexity/noBannedTypes: a variant without fields is spelled {} in Data.TaggedEnum
  Ack: {}
  Nak: { readonly delay: Duration.Duration }
  Park: {
    /** Short machine-readable cause, e.g. `Undecodable`, `OwnershipViolation`, `RetriesExhausted`. */
    readonly reason: string
    /** Human-readable detail for the operator who will fix and replay it. */
    readonly detail: string
  }
}>

export const Outcome = Data.taggedEnum<Outcome>()
