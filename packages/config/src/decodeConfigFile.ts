/**
 * Reads one JSON config file and decodes it with a schema, reporting every
 * failing field with its path (never just the first one).
 */
import { Effect, Schema, SchemaIssue } from "effect"
import { readFile } from "node:fs/promises"
import { ConfigFileError, ConfigIssue } from "./ConfigFileError.ts"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const pathOf = (path: ReadonlyArray<PropertyKey>): string => path.map(String).join(".")

export const issuesOf = (issue: SchemaIssue.Issue): ReadonlyArray<ConfigIssue> =>
  formatter(issue).issues.map(
    (entry) => new ConfigIssue({ path: pathOf((entry.path ?? []).map((p) => (typeof p === "object" ? p.key : p))), message: entry.message })
  )

export const decodeConfigFile = <S extends Schema.Decoder<unknown>>(schema: S, file: string) =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({
      try: () => readFile(file, "utf8"),
      catch: (cause) => new ConfigFileError({ file, issues: [new ConfigIssue({ path: "", message: `cannot read: ${String(cause)}` })] })
    })
    const json = yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (cause) =>
        new ConfigFileError({
          file,
          issues: [new ConfigIssue({ path: "", message: `not valid JSON: ${(cause as Error).message}` })]
        })
    })
    return yield* Schema.decodeUnknownEffect(schema)(json, { errors: "all", onExcessProperty: "error" }).pipe(
      Effect.mapError((error) => new ConfigFileError({ file, issues: issuesOf(error.issue) }))
    )
  })
