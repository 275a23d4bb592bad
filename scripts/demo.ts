/**
 * The order-to-delivery demo: a fresh local topology (NATS hub, one leaf per
 * site behind its WAN link, Postgres, the region), the simulated ERP, WES
 * per site, dispatch and carriers, and N orders flowing through it.
 *
 *   npm run demo -- --orders 100 [--seed 42] [--exit]
 *     [--rate 20] [--timeout-ms MS] [--state-dir DIR] [--attach] [--run-tag TAG] [--quiet-exceptions]
 *
 * Progress lines go to stderr every ~2 s; stdout gets exactly one JSON line:
 *   {"orders":…,"completed":…,"exceptions":…,"unexplained_parked":…,"p50_order_ms":…,"p99_order_ms":…}
 * The full summary (every system's view, rejections, problems) is written to
 * <state-dir>/demo-summary.json.
 *
 * --exit      tear the topology down at the end; the exit code is 0 only when
 *             every order completed or ended in an explained exception and
 *             nothing is parked (without --exit the topology stays up).
 * --attach    use the topology already running in --state-dir (default
 *             .logimesh/topology) instead of starting a fresh one.
 * --state-dir default .logimesh/demo (its own, so a topology started with
 *             `npm run up` is left alone).
 * --run-tag   goes into order ids (SO-<tag>-000001), SSCCs and consumer names;
 *             default the seed on a fresh topology, seed + time with --attach
 *             (a region that has seen a run keeps its orders).
 */
import { natsAuthOptions } from "@logimesh/bus"
import { ProcessSettings } from "@logimesh/config"
import {
  type ItemMaster,
  runScenario,
  type ScenarioProgress,
  type ScenarioSummary,
  scenarioSucceeded,
  DEFAULT_ITEMS,
  DEFAULT_SITES,
  QUIET_EXCEPTIONS,
  type SiteInfo
} from "@logimesh/simulators"
import { loadTopology, regionUrl, repoRoot, type Topology, upTopology, regionApiKeys } from "@logimesh/topology"
import { Effect, Option, Redacted } from "effect"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"
import { parseArgs } from "node:util"

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "50" },
    seed: { type: "string", default: "42" },
    rate: { type: "string" },
    "timeout-ms": { type: "string" },
    "state-dir": { type: "string" },
    "run-tag": { type: "string" },
    exit: { type: "boolean", default: false },
    attach: { type: "boolean", default: false },
    "quiet-exceptions": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false }
  }
})

const say = (line: string): void => {
  process.stderr.write(`${line}\n`)
}

const wholeNumber = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a whole number >= 0, got ${text}`)
  return n
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, "utf8")) as unknown

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Sites as `sites/` declares them: inventory owner from the site file, outbound docks from the locations file. */
const siteInfosFrom = (sitesDir: string, region: string, sites: ReadonlyArray<string>): ReadonlyArray<SiteInfo> =>
  sites.map((site) => {
    const known = DEFAULT_SITES.find((s) => s.site === site)
    let inventoryOwner: SiteInfo["inventoryOwner"] = known?.inventoryOwner ?? "WES"
    let outboundDocks: ReadonlyArray<string> = known?.outboundDocks ?? []
    const siteFile = join(sitesDir, region, `${site}.json`)
    if (existsSync(siteFile)) {
      const s = readJson(siteFile)
      if (isRecord(s) && (s["inventoryOwner"] === "WES" || s["inventoryOwner"] === "ERP")) inventoryOwner = s["inventoryOwner"]
    }
    const locations = join(sitesDir, "governance", "locations", `${site}.json`)
    if (existsSync(locations)) {
      const l = readJson(locations)
      const zones = isRecord(l) && Array.isArray(l["zones"]) ? l["zones"].filter(isRecord) : []
      const docks = zones
        .filter((z) => z["kind"] === "outbound")
        .flatMap((z) => (Array.isArray(z["docks"]) ? z["docks"] : []))
        .filter((d): d is string => typeof d === "string")
      if (docks.length > 0) outboundDocks = docks
    }
    const code = known?.code ?? site.replace(/^dc-/, "").slice(0, 3).toUpperCase()
    return {
      site,
      code,
      outboundDocks: outboundDocks.length > 0 ? outboundDocks : [`${code}-D10`],
      gs1CompanyPrefix: known?.gs1CompanyPrefix ?? "8700000",
      inventoryOwner
    }
  })

/** Items of uom.json with their case factor; weights from the simulators' item master (1 kg when unknown). */
const itemsFrom = (sitesDir: string): ReadonlyArray<ItemMaster> => {
  const file = join(sitesDir, "governance", "uom.json")
  if (!existsSync(file)) return DEFAULT_ITEMS
  const uom = readJson(file)
  const items = isRecord(uom) && isRecord(uom["items"]) ? uom["items"] : {}
  const out = Object.entries(items).map(([item, packaging]): ItemMaster => {
    const known = DEFAULT_ITEMS.find((i) => i.item === item)
    const cs = isRecord(packaging) ? Number(packaging["CS"]) : Number.NaN
    return {
      item,
      unitWeightKg: known?.unitWeightKg ?? "1.000",
      caseFactor: Number.isSafeInteger(cs) && cs > 0 ? cs : (known?.caseFactor ?? 1),
      hazmat: known?.hazmat ?? false,
      description: known?.description ?? item
    }
  })
  return out.length >= 2 ? out : DEFAULT_ITEMS
}

const progressLine = (p: ScenarioProgress): string =>
  `[${(p.elapsedMs / 1000).toFixed(1).padStart(6)}s] orders ${p.orders}: created ${p.created} released ${p.released} picked ${p.picked} ` +
  `packed ${p.packed} shipped ${p.shipped} delivered ${p.delivered} cancelled ${p.cancelled} returned ${p.returned} | ` +
  `final ${p.finished}/${p.orders} exceptions ${p.exceptions} rejections ${p.rejections} | ${p.rate} orders/s`

const main = async (): Promise<number> => {
  if (values.help) {
    say("usage: npm run demo -- --orders N [--seed S] [--exit] [--rate R] [--timeout-ms MS] [--state-dir DIR] [--attach] [--run-tag TAG] [--quiet-exceptions]")
    return 0
  }
  const orders = wholeNumber("orders", values.orders, 50)
  const seed = wholeNumber("seed", values.seed, 42)
  const stateDir = values["state-dir"] ?? join(repoRoot, ".logimesh", values.attach ? "topology" : "demo")

  let topology: Topology
  let startedHere = false
  if (values.attach) {
    topology = loadTopology({ stateDir, env: process.env, onProgress: say })
    say(`attached to the topology in ${relative(process.cwd(), stateDir) || stateDir}`)
  } else {
    say(`starting a fresh topology in ${relative(process.cwd(), stateDir) || stateDir}`)
    const databaseUrl = await Effect.runPromise(
      Effect.map(ProcessSettings.existingDatabaseUrl, (url) => Option.getOrUndefined(Option.map(url, Redacted.value)))
    )
    topology = await upTopology({ stateDir, env: process.env, onProgress: say, fresh: true, databaseUrl })
    startedHere = true
  }

  const teardown = async (): Promise<void> => {
    if (!startedHere) return
    say("tearing the topology down")
    await topology.down().catch((error: unknown) => say(`down failed: ${error instanceof Error ? error.message : String(error)}`))
  }
  let interrupted = false
  const onSignal = (): void => {
    if (interrupted) return
    interrupted = true
    say("interrupted")
    void teardown().finally(() => process.exit(130))
  }
  process.once("SIGINT", onSignal)
  process.once("SIGTERM", onSignal)

  try {
    const state = topology.state
    const hub = state.components.find((c) => c.kind === "nats-hub")
    const leaves = state.components.flatMap((c) => (c.kind === "nats-leaf" ? [c] : []))
    const region = state.components.find((c) => c.kind === "region")
    if (hub === undefined || hub.kind !== "nats-hub") throw new Error("the topology has no NATS hub")
    if (region === undefined || region.kind !== "region") throw new Error("the topology has no region process (is packages/region/src/main.ts there?)")
    if (leaves.length === 0) throw new Error("the topology has no site leaf")
    const sites = leaves.map((l) => l.site)
    const apiUrl = regionUrl(region)
    const hubNatsUrl = `nats://${hub.nats.host}:${hub.nats.port}`
    const leafNatsUrls = Object.fromEntries(leaves.map((l) => [l.site, `nats://${l.nats.host}:${l.nats.port}`]))
    say(`region ${region.region} at ${apiUrl}; hub ${hubNatsUrl}; sites ${sites.map((s) => `${s} (${leafNatsUrls[s]})`).join(", ")}`)

    const rate = values.rate === undefined ? undefined : Number(values.rate)
    const runTag = values["run-tag"] ?? (values.attach ? `${seed}-${Date.now().toString(36)}` : String(seed))
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/.test(runTag)) throw new Error(`--run-tag must be 1-41 letters, digits, . _ -; got ${runTag}`)
    say(`running ${orders} orders, seed ${seed}, run tag ${runTag}`)
    const summary: ScenarioSummary = await runScenario({
      apiUrl,
      apiKeys: regionApiKeys(topology.stateDir, region.region),
      hubNatsUrl,
      leafNatsUrls,
      // Each simulated system connects as its own NATS user (ERP, dispatch, carrier at the hub; each WES on its leaf).
      natsAuth: (user) => natsAuthOptions(topology.natsCredentials(user)),
      region: region.region,
      sites,
      siteInfos: siteInfosFrom(state.sitesDir, region.region, sites),
      items: itemsFrom(state.sitesDir),
      orders,
      seed,
      runTag,
      ...(values["quiet-exceptions"] ? { exceptions: QUIET_EXCEPTIONS } : {}),
      ...(rate === undefined || !Number.isFinite(rate) ? {} : { ratePerSecond: rate }),
      ...(values["timeout-ms"] === undefined ? {} : { timeoutMs: wholeNumber("timeout-ms", values["timeout-ms"], 0) }),
      onProgress: (p) => say(progressLine(p)),
      log: (line) => say(`  sim: ${line}`)
    })

    const summaryFile = join(stateDir, "demo-summary.json")
    writeFileSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`)
    say("")
    say(
      `completed ${summary.completed}/${summary.orders}, explained exceptions ${summary.explained}, unexplained ${summary.unexplained}, ` +
        `orders with exceptions ${summary.exceptions}, parked ${summary.unexplained_parked}`
    )
    for (const [kind, c] of Object.entries(summary.per_exception)) if (c.planned > 0) say(`  ${kind.padEnd(22)} planned ${c.planned}, observed ${c.observed}`)
    for (const [name, api] of Object.entries(summary.api)) {
      say(
        `  ${name.padEnd(16)} calls ${api.calls}, retries ${api.retries}, simulated 503 ${api.simulatedFailures}, duplicates ${api.duplicatesMatched}/${api.duplicatesSent} same, rejections ${api.rejections}`
      )
    }
    if (summary.duplicate_mismatches.length > 0) say(`  WARNING: ${summary.duplicate_mismatches.length} duplicate sends got a different answer`)
    for (const problem of summary.problems.slice(0, 10)) say(`  ${problem.outcome} ${problem.order}: ${problem.why.slice(0, 3).join("; ")}`)
    if (summary.problems.length > 10) say(`  … ${summary.problems.length - 10} more in the summary file`)
    say(`full summary: ${relative(process.cwd(), summaryFile) || summaryFile}`)

    process.stdout.write(
      `${JSON.stringify({
        orders: summary.orders,
        completed: summary.completed,
        exceptions: summary.exceptions,
        unexplained_parked: summary.unexplained_parked,
        p50_order_ms: summary.p50_order_ms,
        p99_order_ms: summary.p99_order_ms
      })}\n`
    )

    const ok = scenarioSucceeded(summary)
    if (values.exit) {
      await teardown()
    } else if (startedHere) {
      say(`topology left running; stop it with: npm run topology -- down --state-dir ${relative(process.cwd(), stateDir) || stateDir}`)
    }
    return ok ? 0 : 1
  } catch (error) {
    say(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    if (values.exit) await teardown()
    else if (startedHere) say(`topology left running; stop it with: npm run topology -- down --state-dir ${relative(process.cwd(), stateDir) || stateDir}`)
    return 1
  }
}

process.exitCode = await main().catch((error: unknown) => {
  say(`error: ${error instanceof Error ? error.message : String(error)}`)
  return 1
})
// Everything is closed by now; if a stray handle kept the loop alive, do not hang.
setTimeout(() => process.exit(), 5_000).unref()
