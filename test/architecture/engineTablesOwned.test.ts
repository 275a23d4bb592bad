/**
 * The engine owns its tables: SQL on an `engine_*` table (a statement or a
 * Kysely builder call naming one) appears only under packages/engine (its
 * steps, `EngineQueries`, its tests and test helpers). Everything else reads
 * through `EngineQueries` and seeds test rows through
 * `@logimesh/engine/testing`. The scanner is shown to find violations in a
 * control text first.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { describe, expect, it } from "vitest"
import { repoRoot } from "@logimesh/topology"

const sqlOnEngineTable = [
  /\b(?:FROM|JOIN|INTO|UPDATE|TABLE|TRUNCATE)\s+engine_[a-z_]+/gi,
  /\b(?:selectFrom|insertInto|updateTable|deleteFrom|mergeInto|with)\(\s*["'`]engine_[a-z_]+/g
]

/** `line: text` of every match in one file's text. */
const violationsIn = (text: string): ReadonlyArray<string> =>
  text.split("\n").flatMap((line, i) => (sqlOnEngineTable.some((re) => line.match(re) !== null) ? [`${i + 1}: ${line.trim()}`] : []))

const skipped = new Set(["node_modules", ".git", ".tsbuild", ".test-runs", ".state"])
const sourceFile = /\.(?:ts|mts|cts|js|mjs|cjs|sh|sql)$/

const filesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skipped.has(entry.name)) return []
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return filesUnder(path)
    return sourceFile.test(entry.name) ? [path] : []
  })

const self = relative(repoRoot, import.meta.filename)

describe("the engine owns its tables", () => {
  it("the scanner finds SQL and builder calls on engine tables, and passes prose and other tables (control)", () => {
    const control = [
      "const a = sql`SELECT count(*) FROM engine_outbox WHERE sent_at IS NULL`",
      'await client.query("insert into engine_inbox (msg_id) values ($1)", [id])',
      "  LEFT JOIN engine_event e ON e.msg_id = i.msg_id",
      'k.selectFrom("engine_parked").selectAll()',
      "// the inbox (`engine_inbox`) refuses a redelivery",
      "SELECT * FROM governance_ownership_rejection",
      "deleted: { engine_inbox: 1 }"
    ].join("\n")
    expect(violationsIn(control).map((v) => v.split(":")[0])).toEqual(["1", "2", "3", "4"])
  })

  it("no SQL on engine_* tables outside packages/engine", () => {
    const outside = filesUnder(repoRoot)
      .map((path) => relative(repoRoot, path))
      .filter((path) => !path.startsWith("packages/engine/") && path !== self)
    expect(outside.length).toBeGreaterThan(100)
    const found = outside.flatMap((path) => violationsIn(readFileSync(join(repoRoot, path), "utf8")).map((v) => `${path}:${v}`))
    expect(found).toEqual([])
  })
})
