/**
 * The correlation fields every log line carries. Set them once where a unit
 * of work starts (an inbound message, an HTTP request) with `withLogContext`;
 * every line logged inside inherits them.
 */
import { Effect } from "effect"

export interface LogContext {
  readonly correlationId?: string
  readonly orderId?: string
  readonly site?: string
  readonly region?: string
}

/** The field names, in the order they appear on each line. */
export const logContextKeys = ["correlationId", "orderId", "site", "region"] as const

export const withLogContext =
  (context: LogContext) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.annotateLogs(self, Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined)))
