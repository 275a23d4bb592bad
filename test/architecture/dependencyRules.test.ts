/**
 * The dependency check (`.dependency-cruiser.cjs`) really fails on bad
 * imports: each fixture under test/fixtures/depcheck breaks exactly one rule
 * (and is reported under that rule only), and the clean fixture passes. The
 * real tree is checked by `npm run depcheck`.
 */
import { execFile } from "node:child_process"
import { createRequire } from "node:module"
import { join } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { repoRoot } from "@logimesh/topology"

const run = promisify(execFile)
const depcruise = join(repoRoot, "node_modules/dependency-cruiser/bin/dependency-cruiser.mjs")
const config = join(repoRoot, ".dependency-cruiser.cjs")

const check = async (fixture: string): Promise<{ code: number; output: string }> => {
  try {
    const { stdout } = await run(process.execPath, [depcruise, "--config", config, "packages"], {
      cwd: join(repoRoot, "test/fixtures/depcheck", fixture)
    })
    return { code: 0, output: stdout }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, output: failed.stdout + failed.stderr }
  }
}

/** Rule names of every violation dependency-cruiser reported, e.g. `  error no-circular: a → b`. */
const violatedRules = (output: string): ReadonlyArray<string> =>
  [...new Set([...output.matchAll(/^\s*(?:error|warn|info)\s+([a-z0-9-]+):/gm)].map((match) => match[1] ?? ""))].sort()

/** Fixture -> the one rule it breaks. */
const FIXTURES: ReadonlyArray<readonly [string, string]> = [
  ["module-to-module", "module-not-to-other-module"],
  ["decider-io", "decider-is-pure"],
  ["cycle", "no-circular"],
  ["internal-import", "only-through-index"],
  ["model-io", "model-is-pure"],
  ["module-to-adapter", "module-not-to-adapter"],
  ["platform-to-module", "platform-not-to-business"],
  ["runtime-to-tooling", "runtime-not-to-tooling"]
]

describe("dependency rules", () => {
  it("pass a tree that follows them", async () => {
    const result = await check("good")
    expect(result.output).toContain("no dependency violations found")
    expect(violatedRules(result.output)).toEqual([])
    expect(result.code).toBe(0)
  })

  it.each(FIXTURES)("fail on %s, naming rule %s", async (fixture, rule) => {
    const result = await check(fixture)
    expect(result.code).not.toBe(0)
    expect(result.output).toContain(`error ${rule}`)
    expect(violatedRules(result.output)).toEqual([rule])
  })

  it("have a breaking fixture for every rule of the config", () => {
    const { forbidden } = createRequire(import.meta.url)(config) as { forbidden: ReadonlyArray<{ name: string }> }
    expect(FIXTURES.map(([, rule]) => rule).sort()).toEqual(forbidden.map((rule) => rule.name).sort())
  })
})
