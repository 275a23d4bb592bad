/**
 * `npm run drill -- <name|all> [--repeat N] [--orders N] [--seed S] [--fault-at-ms MS] [--fault-ms MS] [--rate R]`
 *
 * Runs failover drills, each on a fresh local topology (state in .logimesh/drill-<name>): baseline,
 * leaf-link-cut, leaf-kill, region-kill, postgres-restart, erp-outage (`all` runs each in turn), `--repeat`
 * times. Progress goes to stderr; stdout gets one JSON line per run (its run index, the drill's counts, `passed`
 * and `failures`), then one summary line:
 *   {"run":1,"drill":…,"fault":…,"fault_observed":…,"sent":…,"applied":…,"parked":…,"lost":…,"drain_s":…,…,"passed":…,"failures":[…]}
 *   {"runs":…,"passed":…,"failed":…,"by_drill":{"<name>":{"runs":…,"passed":…,"failed":…}}}
 * Exit code 0 only if every run passed (`drillFailures` says what fails one).
 */
import { join } from "node:path"
import { parseArgs } from "node:util"
import { drillFailures, drillNamed, drills, failureReport, runDrill } from "@logimesh/drills"
import { repoRoot } from "@logimesh/topology"

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    repeat: { type: "string", default: "1" },
    orders: { type: "string", default: "60" },
    seed: { type: "string", default: "1" },
    rate: { type: "string", default: "20" },
    "fault-at-ms": { type: "string", default: "1500" },
    "fault-ms": { type: "string", default: "3000" }
  }
})

const say = (line: string) => process.stderr.write(`${line}\n`)
const name = positionals[0]
const chosen = name === "all" ? drills : name === undefined ? [] : [drillNamed(name)].flatMap((d) => (d === undefined ? [] : [d]))
const repeat = Number(values.repeat)
if (chosen.length === 0 || !Number.isInteger(repeat) || repeat < 1) {
  say(
    `usage: npm run drill -- <${[...drills.map((d) => d.name), "all"].join("|")}> [--repeat N] [--orders N] [--seed S] [--fault-at-ms MS] [--fault-ms MS] [--rate R]`
  )
  process.exit(2)
}

const tally = { runs: 0, passed: 0, failed: 0 }
const byDrill: Record<string, { runs: number; passed: number; failed: number }> = {}
for (let run = 1; run <= repeat; run++) {
  for (const drill of chosen) {
    say(`run ${run}/${repeat}: ${drill.name}`)
    const outcome = await runDrill({
      drill,
      stateDir: join(repoRoot, ".logimesh", `drill-${drill.name}`),
      orders: Number(values.orders),
      seed: Number(values.seed),
      ratePerSecond: Number(values.rate),
      faultAtMs: Number(values["fault-at-ms"]),
      faultForMs: Number(values["fault-ms"]),
      log: say
    }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
    const failures = outcome instanceof Error ? [`drill did not run to the end: ${outcome.message}`] : drillFailures(outcome.result)
    const passed = failures.length === 0
    const mine = (byDrill[drill.name] ??= { runs: 0, passed: 0, failed: 0 })
    for (const t of [tally, mine]) {
      t.runs++
      if (passed) t.passed++
      else t.failed++
    }
    if (outcome instanceof Error) {
      say(`${drill.name}: FAILED (${failures.join(", ")})`)
      process.stdout.write(`${JSON.stringify({ run, drill: drill.name, passed, failures })}\n`)
      continue
    }
    const { result, counts } = outcome
    say(`${drill.name}: ${passed ? "PASSED" : `FAILED (${failures.join(", ")})`} (${counts.systemMessages} system messages)`)
    if (!passed) for (const line of failureReport(outcome)) say(`  ${line}`)
    process.stdout.write(`${JSON.stringify({ run, ...result, passed, failures })}\n`)
  }
}
process.stdout.write(`${JSON.stringify({ ...tally, ...(chosen.length > 1 ? { by_drill: byDrill } : {}) })}\n`)
process.exit(tally.failed === 0 ? 0 : 1)
