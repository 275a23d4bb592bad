/**
 * Runs the whole check: `tsc -b`, the dependency rules, then vitest (unit +
 * integration projects). Prints one closing line `N passed, N failed[, N skipped]`
 * counting the two static checks and every vitest test, and exits non-zero
 * when anything failed. Extra arguments go to vitest (e.g. a file filter).
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"

const root = join(import.meta.dirname, "..")
const started = Date.now()

const step = (label: string, command: string, args: ReadonlyArray<string>): boolean => {
  const t0 = Date.now()
  process.stdout.write(`==> ${label}\n`)
  const result = spawnSync(process.execPath, [command, ...args], { cwd: root, stdio: "inherit" })
  const ok = result.status === 0
  process.stdout.write(`==> ${label}: ${ok ? "ok" : "FAILED"} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`)
  return ok
}

const staticChecks = [
  step("typecheck (tsc -b)", join(root, "node_modules/typescript/bin/tsc"), ["-b"]),
  step("dependency rules", join(root, "node_modules/dependency-cruiser/bin/dependency-cruiser.mjs"), [
    "--config",
    ".dependency-cruiser.cjs",
    "packages",
    "test",
    "scripts",
    "bench"
  ])
]

mkdirSync(join(root, ".test-runs"), { recursive: true })
const report = join(root, ".test-runs/vitest-report.json")
// A vitest that dies before writing its report must not be credited with the previous run's counts.
rmSync(report, { force: true })
const vitestOk = step("tests (vitest: unit + integration, real NATS and Postgres)", join(root, "node_modules/vitest/vitest.mjs"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
  ...process.argv.slice(2)
])

interface VitestJson {
  readonly numPassedTests: number
  readonly numFailedTests: number
  readonly numPendingTests: number
  readonly numTodoTests: number
  readonly numTotalTestSuites: number
  readonly numFailedTestSuites: number
}

let counts = { passed: 0, failed: 0, skipped: 0 }
try {
  const json = JSON.parse(readFileSync(report, "utf8")) as VitestJson
  counts = {
    passed: json.numPassedTests,
    // A suite that failed to load has no failed test of its own: count it.
    failed: json.numFailedTests + (json.numFailedTests === 0 && !vitestOk ? Math.max(1, json.numFailedTestSuites) : 0),
    skipped: json.numPendingTests + json.numTodoTests
  }
} catch {
  counts = { passed: 0, failed: 1, skipped: 0 }
}
const staticPassed = staticChecks.filter(Boolean).length
const passed = counts.passed + staticPassed
const failed = counts.failed + (staticChecks.length - staticPassed)
console.log(`\n(${staticChecks.length} static checks + vitest, ${((Date.now() - started) / 1000).toFixed(0)} s)`)
console.log(`${passed} passed, ${failed} failed${counts.skipped > 0 ? `, ${counts.skipped} skipped` : ""}`)
process.exit(failed === 0 && vitestOk ? 0 : 1)
