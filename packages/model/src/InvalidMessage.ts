/**
 * An inbound message that cannot be used: undecodable bytes, malformed JSON,
 * a missing CloudEvents attribute, a field that breaks the canonical schema.
 * Terminal (a retry cannot help): the consumer parks it with every failing
 * field path and the raw input, so an operator can fix and replay it.
 */
import { Schema, SchemaIssue } from "effect"

export class MessageIssue extends Schema.Class<MessageIssue>("logimesh/model/MessageIssue")({
  /** Dotted field path, e.g. `data.lines.0.quantity.amount`; empty for the whole message. */
  path: Schema.String,
  message: Schema.String
}) {}

export class InvalidMessage extends Schema.TaggedError<InvalidMessage>()("InvalidMessage", {
  /** What was being decoded: `envelope`, or an event type and version. */
  schema: Schema.String,
  issues: Schema.Array(MessageIssue),
  /** The input exactly as received (text, headers and body, or a parsed value). */
  raw: Schema.Unknown
}) {
  get isRetryable(): boolean {
    return false
  }

  override get message(): string {
    const lines = this.issues.map((issue) => `${issue.path === "" ? "(message)" : issue.path}: ${issue.message}`)
    return `invalid ${this.schema}: ${lines.join("; ")}`
  }
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/** Every failing field of a schema issue as `{ path, message }`, the path prefixed with `prefix`. */
export const messageIssuesOf = (issue: SchemaIssue.Issue, prefix: ReadonlyArray<string> = []): ReadonlyArray<MessageIssue> =>
  formatter(issue).issues.map((entry) =>
    new MessageIssue({
      path: [...prefix, ...(entry.path ?? []).map((p) => String(typeof p === "object" ? p.key : p))].join("."),
      message: entry.message
    })
  )

export const invalidMessage = (schema: string, raw: unknown, path: string, message: string): InvalidMessage =>
  new InvalidMessage({ schema, raw, issues: [new MessageIssue({ path, message })] })
