/**
 * How long each region keeps the rows that only exist to recognise a repeat
 * or to answer an operator: the `retention` object of `sites/mesh.json`
 * (every field optional; the defaults below). A region's retention job
 * deletes rows past their horizon in bounded chunks (see ARCHITECTURE.md,
 * "Retention").
 *
 * They live in mesh.json, not in the process environment, because they are
 * promises to the senders of the whole mesh and are bound to other mesh
 * settings: `loadMeshConfig` refuses a file whose horizons contradict each
 * other or the streams' `max_age` (`retentionIssues`), naming the field.
 */
import { Effect, Schema } from "effect"

/** Webhook senders (ERP, dispatch, carriers) retry a request for up to three days. */
export const MIN_API_IDEMPOTENCY_HOURS = 72

const positive = (fallback: number) => Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)), Schema.withDecodingDefaultKey(Effect.succeed(fallback)))

export class RetentionSettings extends Schema.Class<RetentionSettings>("logimesh/config/RetentionSettings")({
  /**
   * Applied input message ids (`engine_inbox`): the only record that refuses a redelivery without a
   * source sequence. At least `apiIdempotencyHours` and the streams' `max_age` (`maxOutageHours`).
   */
  inboxHours: positive(7 * 24),
  /** `Idempotency-Key`s of the command API and their stored responses; at least 72 h. */
  apiIdempotencyHours: Schema.Int.pipe(
    Schema.check(
      Schema.isGreaterThanOrEqualTo(MIN_API_IDEMPOTENCY_HOURS, {
        expected: `at least ${MIN_API_IDEMPOTENCY_HOURS} hours (webhook senders retry a request for up to 3 days)`
      })
    ),
    Schema.withDecodingDefaultKey(Effect.succeed(96))
  ),
  /** Outbox rows once sent (created and sent longer ago than this); unsent rows are never pruned. */
  outboxSentHours: positive(7 * 24),
  /** Parked messages an operator has replayed (`status = replayed`); parked ones are kept until handled. */
  replayedParkedHours: positive(30 * 24),
  /** The audit trail of ownership refusals (`governance_ownership_rejection`). */
  ownershipRejectionHours: positive(90 * 24),
  /** How often the region's retention job runs. */
  pruneEveryMinutes: positive(10)
}) {}

interface RetentionIssue {
  readonly path: string
  readonly message: string
}

/**
 * Horizons that would let a repeat through or make reconciliation report what was only pruned.
 * `maxOutageHours` is the `max_age` of every stream: how late a stream can still redeliver a message.
 */
export const retentionIssues = (retention: RetentionSettings, maxOutageHours: number): ReadonlyArray<RetentionIssue> => {
  const issues: Array<RetentionIssue> = []
  if (retention.inboxHours < retention.apiIdempotencyHours) {
    issues.push({
      path: "retention.inboxHours",
      message:
        `must be at least retention.apiIdempotencyHours (${retention.apiIdempotencyHours}): a retry whose ` +
        "Idempotency-Key row was pruned publishes its command again under the same message id, and only the inbox refuses it"
    })
  }
  if (retention.inboxHours < maxOutageHours) {
    issues.push({
      path: "retention.inboxHours",
      message:
        `must be at least maxOutageHours (${maxOutageHours}, the streams' max_age): a stream can redeliver a message ` +
        "that old, and one older than the inbox horizon would be applied twice"
    })
  }
  if (retention.outboxSentHours < maxOutageHours) {
    issues.push({
      path: "retention.outboxSentHours",
      message:
        `must be at least maxOutageHours (${maxOutageHours}): reconciliation matches every message SYSTEMS_<region> ` +
        "still holds to its outbox row, and a pruned row would read as an unexpected message"
    })
  }
  if (retention.ownershipRejectionHours < maxOutageHours) {
    issues.push({
      path: "retention.ownershipRejectionHours",
      message: `must be at least maxOutageHours (${maxOutageHours}): a redelivered refused message is recorded once ` + "only while its row is kept"
    })
  }
  return issues
}
