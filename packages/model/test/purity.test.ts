/**
 * @logimesh/model stays pure: its source imports only `effect` and its own
 * files (no node builtins, database, NATS or config), so every package —
 * deciders included — can use it.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const srcDir = join(import.meta.dirname, "../src")

describe("@logimesh/model purity", () => {
  it("imports nothing but effect and its own files", () => {
    const offending: Array<string> = []
    const files = readdirSync(srcDir).filter((f) => f.endsWith(".ts"))
    expect(files.length).toBeGreaterThan(10)
    for (const file of files) {
      const text = readFileSync(join(srcDir, file), "utf8")
      for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^"']*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
        const specifier = match[1] ?? match[2] ?? ""
        if (specifier !== "effect" && !specifier.startsWith("./")) offending.push(`${file}: ${specifier}`)
      }
    }
    expect(offending).toEqual([])
  })
})
