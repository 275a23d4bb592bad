/**
 * README's first command, `bash scripts/demo.sh --orders 50` (with `--exit`,
 * as `npm run demo -- --orders 50 --exit`), on a fresh topology (its own
 * state dir here): the simulated ERP, WES per site, dispatch and carriers run
 * 50 orders, with a realistic share of exceptions, through hub, leaves,
 * region and Postgres; it shows progress, ends with one JSON line, every
 * order completed or in an explained exception state, nothing parked, and
 * the topology torn down.
 */
import { execFile } from "node:child_process"
import { join } from "node:path"
import { promisify } from "node:util"
import { makeTestRunDir } from "@logimesh/testkit"
import { isProcessAlive, readTopologyState, repoRoot } from "@logimesh/topology"
import { afterAll, describe, expect, it } from "vitest"

const runDir = makeTestRunDir("demo")
const stateDir = join(runDir.path, "state")

afterAll(() => {
  for (const c of readTopologyState(stateDir)?.components ?? []) {
    if (c.pid !== null && isProcessAlive(c.pid, c.startTime ?? undefined)) process.kill(c.pid, "SIGKILL")
  }
  runDir.remove()
})

describe("bash scripts/demo.sh --orders 50 --exit", () => {
  it("completes every order or explains it, parks nothing, prints progress and one JSON line, and leaves nothing running", async () => {
    const env = { ...process.env }
    delete env.DATABASE_URL
    const { stdout, stderr } = await promisify(execFile)("bash", [join(repoRoot, "scripts/demo.sh"), "--orders", "50", "--exit", "--state-dir", stateDir], {
      cwd: repoRoot,
      env,
      timeout: 150_000,
      maxBuffer: 16 * 1024 * 1024
    })
    const lines = stdout.trim().split("\n")
    expect(lines).toHaveLength(1)
    const result = JSON.parse(lines[0]!) as Record<string, number>
    expect(Object.keys(result)).toEqual(["orders", "completed", "exceptions", "unexplained_parked", "p50_order_ms", "p99_order_ms"])
    expect(result.orders).toBe(50)
    expect(result.completed).toBe(50)
    expect(result.exceptions).toBeGreaterThan(0)
    expect(result.unexplained_parked).toBe(0)
    expect(result.p99_order_ms).toBeGreaterThanOrEqual(result.p50_order_ms!)
    // Progress was shown while orders flowed, and the topology came down.
    expect(stderr).toMatch(/region-eu-west\s+ready/)
    expect(stderr).toMatch(/orders 50: created \d+ released \d+ picked \d+/)
    expect(stderr).toMatch(/down: all 7 components stopped/)
    for (const c of readTopologyState(stateDir)?.components ?? []) {
      expect({ name: c.name, alive: c.pid !== null && isProcessAlive(c.pid, c.startTime ?? undefined) }).toEqual({ name: c.name, alive: false })
    }
  }, 180_000)
})
