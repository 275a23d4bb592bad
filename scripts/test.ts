/**
 * Runs the whole check: `tsc -b`, the dependency rules, the formatter and
 * linter (`biome ci`: a file not formatted or a lint error fails), then vitest
 * (unit + integration projects). Prints one closing line `N passed, N failed[, N skipped]`
 * counting the three static checks and every vitest test, and exits non-zero
 * when anything failed. Extra arguments go to vitest (e.g. a file filter).
 *
 * `--repeat N` (or `--repeat=N`): the static checks once, then vitest N times
 * in a row, each run followed by its own line
 * `run i/N: N passed, N failed[, N skipped] (S s)` (static checks counted in
 * every run) and the names of its failed tests; then one summary line
 * `repeat: G of N runs green[, red: i, j]`. Exits non-zero when any run failed.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"

const root = join(import.meta.dirname, "..")
const started = Date.now()

/** `--repeat N` / `--repeat=N` taken out; everything else goes to vitest. */
const parseArgs = (args: ReadonlyArray<string>): { readonly repeat: number | undefined; readonly vitestArgs: ReadonlyArray<string> } => {
  const vitestArgs: Array<string> = []
  let repeat: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === "--repeat") repeat = args[++i] ?? ""
    else if (arg.startsWith("--repeat=")) repeat = arg.slice("--repeat=".length)
    else vitestArgs.push(arg)
  }
  if (repeat === undefined) return { repeat: undefined, vitestArgs }
  const count = Number(repeat)
  if (!Number.isInteger(count) || count < 1) {
    console.error(`--repeat needs a whole number of runs >= 1, got "${repeat}"\nusage: bash scripts/test.sh [--repeat N] [vitest args]`)
    process.exit(2)
  }
  return { repeat: count, vitestArgs }
}

const { repeat, vitestArgs } = parseArgs(process.argv.slice(2))

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
  ]),
  step("format and lint (biome ci)", join(root, "node_modules/@biomejs/biome/bin/biome"), ["ci", "."])
]
const staticPassed = staticChecks.filter(Boolean).length

mkdirSync(join(root, ".test-runs"), { recursive: true })
const report = join(root, ".test-runs/vitest-report.json")

interface VitestJson {
  readonly numPassedTests: number
  readonly numFailedTests: number
  readonly numPendingTests: number
  readonly numTodoTests: number
  readonly numTotalTestSuites: number
  readonly numFailedTestSuites: number
  readonly testResults?: ReadonlyArray<{
    readonly name: string
    readonly status: string
    readonly assertionResults?: ReadonlyArray<{ readonly fullName: string; readonly status: string }>
  }>
}

interface RunResult {
  readonly ok: boolean
  readonly passed: number
  readonly failed: number
  readonly skipped: number
  /** `file > test` of each failed test, or the file when it failed to load. */
  readonly failures: ReadonlyArray<string>
}

/** One vitest run, counted with the static checks. */
const runVitest = (label: string): RunResult => {
  // A vitest that dies before writing its report must not be credited with the previous run's counts.
  rmSync(report, { force: true })
  const vitestOk = step(label, join(root, "node_modules/vitest/vitest.mjs"), [
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...vitestArgs
  ])
  let counts = { passed: 0, failed: 1, skipped: 0 }
  let failures: ReadonlyArray<string> = ["(no vitest report)"]
  try {
    const json = JSON.parse(readFileSync(report, "utf8")) as VitestJson
    counts = {
      passed: json.numPassedTests,
      // A suite that failed to load has no failed test of its own: count it.
      failed: json.numFailedTests + (json.numFailedTests === 0 && !vitestOk ? Math.max(1, json.numFailedTestSuites) : 0),
      skipped: json.numPendingTests + json.numTodoTests
    }
    failures = (json.testResults ?? []).flatMap((file) => {
      const name = file.name.startsWith(root) ? file.name.slice(root.length).replace(/^\//, "") : file.name
      const failed = (file.assertionResults ?? []).filter((test) => test.status === "failed").map((test) => `${name} > ${test.fullName}`)
      return failed.length === 0 && file.status === "failed" ? [name] : failed
    })
  } catch {
    // No report: counted as one failure above.
  }
  return {
    ok: vitestOk && counts.failed === 0,
    passed: counts.passed + staticPassed,
    failed: counts.failed + (staticChecks.length - staticPassed),
    skipped: counts.skipped,
    failures
  }
}

const countsLine = (run: RunResult): string => `${run.passed} passed, ${run.failed} failed${run.skipped > 0 ? `, ${run.skipped} skipped` : ""}`

if (repeat === undefined) {
  const run = runVitest("tests (vitest: unit + integration, real NATS and Postgres)")
  console.log(`\n(${staticChecks.length} static checks + vitest, ${((Date.now() - started) / 1000).toFixed(0)} s)`)
  console.log(countsLine(run))
  process.exit(run.failed === 0 && run.ok ? 0 : 1)
}

const runs: Array<RunResult> = []
for (let i = 1; i <= repeat; i++) {
  const t0 = Date.now()
  const run = runVitest(`tests, run ${i}/${repeat} (vitest: unit + integration, real NATS and Postgres)`)
  runs.push(run)
  console.log(`\nrun ${i}/${repeat}: ${countsLine(run)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`)
  for (const failure of run.failures) console.log(`  failed: ${failure}`)
}
const red = runs.flatMap((run, index) => (run.failed === 0 && run.ok ? [] : [index + 1]))
console.log(`\n(${staticChecks.length} static checks once + vitest ${repeat} times, ${((Date.now() - started) / 1000).toFixed(0)} s)`)
console.log(`repeat: ${repeat - red.length} of ${repeat} runs green${red.length > 0 ? `, red: ${red.join(", ")}` : ""}`)
process.exit(red.length === 0 ? 0 : 1)
