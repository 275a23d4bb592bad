/**
 * Enforces the ownership policy with consequences: a change from a non-owner
 * fails with `OwnershipViolation` after the rejection is written to the audit
 * trail (`governance_ownership_rejection`) and counted in the
 * `logimesh_ownership_rejections_total` metric (labels object, transition,
 * sender) the dashboard shows. If the audit write fails the caller gets the
 * retryable `DbError` instead, so the message is redelivered and the
 * rejection recorded later: it never silently wins, and never goes unrecorded.
 * `pruneOwnershipRejections` deletes rows older than the audit horizon (the
 * region's retention job); a redelivery of a refused message is recorded
 * once only while its row is kept.
 */
import { type Duration, Context, Effect, Layer, Metric, Result } from "effect"
import { sql } from "kysely"
import { Db, type DbError, horizonCutoff, pruneTable } from "@logimesh/db"
import { checkOwnership, type OwnershipChange } from "./checkOwnership.ts"
import type { OwnershipPolicy } from "./OwnershipPolicy.ts"
import type { OwnershipViolation } from "./OwnershipViolation.ts"
import type { SourceSystem } from "@logimesh/model"

export const ownershipRejections = Metric.counter("logimesh_ownership_rejections_total", {
  description: "Changes refused because the sender does not own the transition",
  incremental: true
})

/** The counter series of one (object, transition, sender). */
export const ownershipRejectionsOf = (labels: { readonly object: string; readonly transition: string; readonly sender: string }) =>
  Metric.withAttributes(ownershipRejections, { object: labels.object, transition: labels.transition, sender: labels.sender })

export interface RejectionRow {
  id: string
  rejected_at: Date
  object: string
  transition: string
  sender: string
  owners: Array<string>
  site: string | null
  business_key: string | null
  message_id: string | null
  reason: string
}

type Tables = { governance_ownership_rejection: Omit<RejectionRow, "id" | "rejected_at"> & { id?: string; rejected_at?: Date } }

export interface OwnershipGuardShape {
  /** The policy in force now (a region reloads it when a site is added or disabled). */
  readonly policy: () => OwnershipPolicy
  /** Passes (with the owners) when `sender` owns the transition; otherwise records, counts and fails. */
  readonly enforce: (
    change: OwnershipChange,
    context?: { readonly messageId?: string }
  ) => Effect.Effect<ReadonlyArray<SourceSystem>, OwnershipViolation | DbError>
  /** The latest rejections, newest first (dashboard, operators). */
  readonly recentRejections: (limit: number) => Effect.Effect<ReadonlyArray<RejectionRow>, DbError>
  /** Rejections of requests about these business keys, or keys matching the POSIX regular expression `keyPattern`, oldest first. */
  readonly rejectionsAbout: (keys: ReadonlyArray<string>, keyPattern?: string) => Effect.Effect<ReadonlyArray<RejectionRow>, DbError>
}

const make = (policy: () => OwnershipPolicy) =>
  Effect.gen(function* () {
    const db = yield* Db
    const record = (violation: OwnershipViolation, messageId: string | undefined) =>
      db
        .use("governance.recordOwnershipRejection", (k) =>
          k
            .withTables<Tables>()
            .insertInto("governance_ownership_rejection")
            .values({
              object: violation.object,
              transition: violation.transition,
              sender: violation.sender,
              owners: [...violation.owners],
              site: violation.site ?? null,
              business_key: violation.businessKey ?? null,
              message_id: messageId ?? null,
              reason: violation.message
            })
            .onConflict((oc) => oc.columns(["message_id", "object", "transition"]).where("message_id", "is not", null).doNothing())
            .returning("id")
            .execute()
        )
        .pipe(Effect.map((rows) => rows.length > 0))

    const enforce: OwnershipGuardShape["enforce"] = (change, context) => {
      const checked = checkOwnership(policy(), change)
      if (Result.isSuccess(checked)) return Effect.succeed(checked.success)
      const violation = checked.failure
      return record(violation, context?.messageId).pipe(
        // Counted once per refused message: a redelivery of the same message is neither recorded nor counted again.
        Effect.tap((firstTime) => (firstTime ? Metric.update(ownershipRejectionsOf(violation), 1) : Effect.void)),
        Effect.andThen(Effect.logWarning("ownership violation").pipe(Effect.annotateLogs({ reason: violation.message }))),
        Effect.andThen(Effect.fail(violation))
      )
    }

    const recentRejections = (limit: number) =>
      db
        .use("governance.recentRejections", (k) =>
          k.withTables<Tables>().selectFrom("governance_ownership_rejection").selectAll().orderBy("id", "desc").limit(limit).execute()
        )
        .pipe(Effect.map((rows) => rows as ReadonlyArray<RejectionRow>))

    const rejectionsAbout: OwnershipGuardShape["rejectionsAbout"] = (keys, keyPattern) =>
      db
        .use("governance.rejectionsAbout", (k) =>
          k
            .withTables<Tables>()
            .selectFrom("governance_ownership_rejection")
            .selectAll()
            .where((eb) =>
              eb.or([
                ...(keys.length === 0 ? [] : [eb("business_key", "in", [...keys])]),
                ...(keyPattern === undefined ? [] : [eb("business_key", "~", keyPattern)])
              ])
            )
            .orderBy("rejected_at")
            .orderBy("id")
            .execute()
        )
        .pipe(Effect.map((rows) => rows as ReadonlyArray<RejectionRow>))

    return { policy, enforce, recentRejections, rejectionsAbout } satisfies OwnershipGuardShape
  })

export class OwnershipGuard extends Context.Service<OwnershipGuard, OwnershipGuardShape>()("logimesh/governance/OwnershipGuard") {
  static readonly layerFrom = (policy: OwnershipPolicy): Layer.Layer<OwnershipGuard, never, Db> =>
    Layer.effect(
      OwnershipGuard,
      make(() => policy)
    )
  /** The guard reads the policy in force at each check from `current`. */
  static readonly layerFromCurrent = (current: () => OwnershipPolicy): Layer.Layer<OwnershipGuard, never, Db> => Layer.effect(OwnershipGuard, make(current))
}

/** Deletes ownership rejections recorded longer ago than `horizon`; returns how many. */
export const pruneOwnershipRejections = (horizon: Duration.Input, chunk?: number): Effect.Effect<number, DbError, Db> =>
  pruneTable({
    table: "governance_ownership_rejection",
    chunk,
    deleteChunk: (limit) =>
      sql`
        DELETE FROM governance_ownership_rejection WHERE id IN (
          SELECT id FROM governance_ownership_rejection WHERE rejected_at < ${horizonCutoff(horizon)} ORDER BY rejected_at LIMIT ${limit})`
  })
