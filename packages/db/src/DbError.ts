/**
 * A failed database call. The `reason` says whether a retry can help:
 * serialization failures, deadlocks and lost connections are retryable;
 * constraint violations and bad queries are not.
 */
import { Schema } from "effect"
import { redactText } from "@logimesh/logging"

export class SerializationFailure extends Schema.TaggedError<SerializationFailure>()("SerializationFailure", {
  message: Schema.String
}) {}
export class Deadlock extends Schema.TaggedError<Deadlock>()("Deadlock", { message: Schema.String }) {}
export class ConnectionLost extends Schema.TaggedError<ConnectionLost>()("ConnectionLost", { message: Schema.String }) {}
/** The database or the pool is momentarily out of something: connections, a lock (NOWAIT), time (statement timeout). */
export class ResourceBusy extends Schema.TaggedError<ResourceBusy>()("ResourceBusy", {
  message: Schema.String,
  sqlState: Schema.optional(Schema.String)
}) {}
export class UniqueViolation extends Schema.TaggedError<UniqueViolation>()("UniqueViolation", {
  message: Schema.String,
  constraint: Schema.optional(Schema.String)
}) {}
export class ConstraintViolation extends Schema.TaggedError<ConstraintViolation>()("ConstraintViolation", {
  message: Schema.String,
  constraint: Schema.optional(Schema.String)
}) {}
export class QueryFailed extends Schema.TaggedError<QueryFailed>()("QueryFailed", {
  message: Schema.String,
  sqlState: Schema.optional(Schema.String)
}) {}

export const DbErrorReason = Schema.Union([SerializationFailure, Deadlock, ConnectionLost, ResourceBusy, UniqueViolation, ConstraintViolation, QueryFailed])
export type DbErrorReason = typeof DbErrorReason.Type

const retryableTags: ReadonlySet<DbErrorReason["_tag"]> = new Set(["SerializationFailure", "Deadlock", "ConnectionLost", "ResourceBusy"])

export class DbError extends Schema.TaggedError<DbError>()("DbError", {
  /** What the caller was doing, e.g. `order.appendEvents`. */
  operation: Schema.String,
  reason: DbErrorReason
}) {
  get isRetryable(): boolean {
    return retryableTags.has(this.reason._tag)
  }

  override get message(): string {
    return `${this.operation}: ${this.reason._tag}: ${this.reason.message}`
  }
}

/** Node socket error codes that mean the connection is gone, not that the query was wrong. */
const connectionErrorCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND"])

const fieldOf = (cause: unknown, key: string): string | undefined => {
  if (typeof cause !== "object" || cause === null || !(key in cause)) return undefined
  const value: unknown = (cause as Record<string, unknown>)[key]
  return typeof value === "string" ? value : undefined
}

/** Classifies anything pg or kysely threw by its SQLSTATE (or socket error code). */
export const classifyDbError = (operation: string, cause: unknown): DbError => {
  // pg can quote a connection string in its text: no credential leaves through an error
  const message = redactText(cause instanceof Error ? cause.message : String(cause))
  const code = fieldOf(cause, "code")
  const constraint = fieldOf(cause, "constraint")
  const withConstraint = constraint === undefined ? { message } : { message, constraint }
  const reason: DbErrorReason =
    code === "40001"
      ? new SerializationFailure({ message })
      : code === "40P01"
        ? new Deadlock({ message })
        : code === "23505"
          ? new UniqueViolation(withConstraint)
          : code?.startsWith("23")
            ? new ConstraintViolation(withConstraint)
            : // 08xxx connection exceptions, 57P01-03 admin shutdown / crash / cannot connect now
              // 53xxx insufficient resources (too many connections, out of memory/disk), 57014 statement timeout /
              // cancel, 55P03 lock not available (NOWAIT), and pg-pool finding no free connection in time
              (code !== undefined && (code.startsWith("53") || code === "57014" || code === "55P03")) ||
                /timeout exceeded when trying to connect/i.test(message)
              ? new ResourceBusy(code === undefined ? { message } : { message, sqlState: code })
              : (code !== undefined && (code.startsWith("08") || code.startsWith("57P"))) ||
                  (code !== undefined && connectionErrorCodes.has(code)) ||
                  /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message)
                ? new ConnectionLost({ message })
                : new QueryFailed(code === undefined ? { message } : { message, sqlState: code })
  return new DbError({ operation, reason })
}
