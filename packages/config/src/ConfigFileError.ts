/**
 * A configuration file that cannot be used. Terminal: the launch stops and
 * the message names the file and every failing field path.
 */
import { Schema } from "effect"

export class ConfigIssue extends Schema.Class<ConfigIssue>("logimesh/config/ConfigIssue")({
  /** Field path inside the file, e.g. `inventoryOwner` or `lines.0.qty`; empty for the whole file. */
  path: Schema.String,
  message: Schema.String
}) {}

export class ConfigFileError extends Schema.TaggedError<ConfigFileError>()("ConfigFileError", {
  file: Schema.String,
  issues: Schema.Array(ConfigIssue)
}) {
  override get message(): string {
    const lines = this.issues.map((issue) => `  - ${issue.path === "" ? "(file)" : issue.path}: ${issue.message}`)
    return `invalid config file ${this.file}:\n${lines.join("\n")}`
  }
}
