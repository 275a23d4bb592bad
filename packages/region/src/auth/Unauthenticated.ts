/**
 * Why a request carries no principal. The reason is logged for operators;
 * the caller gets 401 with a generic body and `WWW-Authenticate`, never the
 * reason (it would tell an attacker which part of a forged credential failed).
 */
import { Data } from "effect"

export type UnauthenticatedReason =
  | "NoCredentials"
  | "MalformedCredentials"
  | "InvalidToken"
  | "TokenClaims"
  | "JwtNotConfigured"
  | "UnknownApiKey"
  | "RevokedApiKey"

export class Unauthenticated extends Data.TaggedError("Unauthenticated")<{
  readonly reason: UnauthenticatedReason
  /** For the log line only. */
  readonly detail: string
}> {}
