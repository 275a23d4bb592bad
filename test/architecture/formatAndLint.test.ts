/**
 * The format and lint check of the test command (`biome ci` with the repo's
 * biome.json) really fails: a badly formatted file, an unused import, an
 * `any` in source code and a focused test are each reported; the same code
 * written cleanly passes.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, describe, expect, it } from "vitest"
import { repoRoot } from "@logimesh/topology"

const run = promisify(execFile)
const biome = join(repoRoot, "node_modules/@biomejs/biome/bin/biome")
const dirs: Array<string> = []

const check = async (files: Readonly<Record<string, string>>): Promise<{ code: number; output: string }> => {
  const dir = mkdtempSync(join(tmpdir(), "biome-check-"))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  try {
    const { stdout, stderr } = await run(process.execPath, [biome, "ci", "--config-path", join(repoRoot, "biome.json"), "--colors=off", dir])
    return { code: 0, output: stdout + stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, output: failed.stdout + failed.stderr }
  }
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe("biome ci", () => {
  it("passes clean code", async () => {
    const result = await check({ "clean.ts": "export const greet = (name: string): string => `hello ${name}`\n" })
    expect(result.output).not.toMatch(/error/i)
    expect(result.code).toBe(0)
  })

  it.each([
    ["a file not formatted", { "format.ts": "export const a = 1;\n" }, /format/],
    ["an unused import", { "imports.ts": 'import { readFileSync } from "node:fs"\nexport const a = 1\n' }, /noUnusedImports/],
    ["an any in source code", { "any.ts": "export const parse = (text: string): any => JSON.parse(text)\n" }, /noExplicitAny/],
    ["a focused test", { "focused.test.ts": 'import { it } from "vitest"\nit.only("x", () => undefined)\n' }, /noFocusedTests/]
  ])("fails on %s", async (_name, files, rule) => {
    const result = await check(files)
    expect(result.code).not.toBe(0)
    expect(result.output).toMatch(rule)
  })
})
