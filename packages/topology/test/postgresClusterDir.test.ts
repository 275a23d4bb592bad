/**
 * The private Postgres cluster goes where the `postgres` user can reach it:
 * under the state dir when every parent is traversable, else under the temp
 * dir, one place per state dir.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { postgresClusterDir, traversableByOthers } from "../src/postgresClusterDir.ts"

const base = mkdtempSync(join(tmpdir(), "logimesh-pgdir-"))
afterAll(() => rmSync(base, { recursive: true, force: true }))

describe("postgresClusterDir", () => {
  it("stays under the state dir when every parent lets others traverse it", () => {
    const open = join(base, "open")
    mkdirSync(open, { mode: 0o755 })
    chmodSync(base, 0o755)
    expect(traversableByOthers(join(open, "state", "postgres"))).toBe(true)
    expect(postgresClusterDir(join(open, "state"), "eu-west")).toBe(join(open, "state", "postgres", "eu-west"))
  })

  it("moves to the temp dir, one place per state dir, under a private parent (a clone in /root)", () => {
    const home = join(base, "home")
    mkdirSync(home)
    chmodSync(home, 0o700)
    const a = postgresClusterDir(join(home, "clone-a", ".logimesh"), "eu-west")
    const b = postgresClusterDir(join(home, "clone-b", ".logimesh"), "eu-west")
    expect(a.startsWith(tmpdir())).toBe(true)
    expect(a.endsWith("-eu-west")).toBe(true)
    expect(a).not.toBe(b)
    expect(postgresClusterDir(join(home, "clone-a", ".logimesh"), "eu-west")).toBe(a)
  })
})
