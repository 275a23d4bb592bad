/**
 * Every failing field of a Schema decode, as `{ path, message }`, so a
 * refusal names all of them (never just the first).
 */
import { SchemaIssue } from "effect"

export interface MessageIssue {
  /** Dotted field path, e.g. `lines.0.quantity.amount`; empty for the whole message. */
  readonly path: string
  readonly message: string
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/** Every failing field of a schema issue (decode with `errors: "all"` to get them all). */
export const messageIssuesOf = (issue: SchemaIssue.Issue): ReadonlyArray<MessageIssue> =>
  formatter(issue).issues.map((entry) => ({
    path: (entry.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join("."),
    message: entry.message
  }))
