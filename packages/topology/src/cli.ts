/**
 * The topology CLI (`npm run up`, `npm run down`, `npm run topology -- <cmd>`):
 *
 *   up [--fresh] [--no-regions] [--nats-client-tls]
 *                                 start hub, WAN links, leaves, Postgres, regions; print the table
 *                                 (every NATS server authenticated, leaf links over TLS; --nats-client-tls
 *                                 puts TLS on the client listeners too; secrets in <state dir>/secrets/)
 *   down                          stop everything recorded, verify every pid has gone
 *   status                        alive/dead and health per process (exit 1 when any is not ok)
 *   start|stop|kill|restart NAME  one process (names as printed by up/status)
 *   cut|restore SITE              the WAN link of one site
 *   add-site SITE                 bring a site declared in sites/<region>/SITE.json into the running mesh
 *                                 (WAN link + leaf started, streams applied, its region reloads; nothing restarts)
 *   disable-site SITE             mark it disabled in its file, its region stops serving it, leaf + link stopped
 *   rotate-nats-user USER         a new NKey seed for USER; the NATS servers hosting it reload (no restart);
 *                                 a region user's region restarts, other clients reconnect with the new seed
 *   rotate-leaf-link SITE         a new password for the site's leaf link; the hub reloads, the leaf restarts
 *   compose [--check]             render infra/docker-compose.yml (+ NATS configs); --check fails when stale
 *
 * Common flags: --state-dir DIR (default .logimesh/topology), --sites DIR (default sites/).
 * DATABASE_URL (through `ProcessSettings.existingDatabaseUrl`) puts the
 * region databases on that server instead of private clusters; spawned
 * processes inherit this process's environment.
 */
import { loadMeshConfig, ProcessSettings } from "@logimesh/config"
import { Effect, Option, Redacted } from "effect"
import { relative } from "node:path"
import { definedFields } from "@logimesh/model"

const existingDatabaseUrl = (): Promise<string | undefined> =>
  Effect.runPromise(Effect.map(ProcessSettings.existingDatabaseUrl, (url) => Option.getOrUndefined(Option.map(url, Redacted.value))))
import { parseArgs } from "node:util"
import { checkComposeFiles, writeComposeFiles } from "./composeFile.ts"
import { COMPOSE_ENV_FILE, ensureComposeSecrets } from "./composeSecrets.ts"
import { type ComponentStatus, DEFAULT_SITES_DIR, loadTopology, type Topology, type TopologyOptions, upTopology } from "./Topology.ts"

const USAGE = `usage: npm run topology -- <command> [args] [--state-dir DIR] [--sites DIR]
  up [--fresh] [--no-regions] [--nats-client-tls] | down | status
  start|stop|kill|restart <name> | cut|restore <site> | add-site|disable-site <site>
  rotate-nats-user <user> | rotate-leaf-link <site> | compose [--check]`

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "state-dir": { type: "string" },
    sites: { type: "string" },
    fresh: { type: "boolean", default: false },
    "no-regions": { type: "boolean", default: false },
    "nats-client-tls": { type: "boolean", default: false },
    check: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false }
  }
})

const [command, argument] = positionals
const say = (line: string): void => console.log(line)
const shortPath = (path: string): string => {
  const rel = relative(process.cwd(), path)
  return rel.startsWith("..") ? path : rel
}

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd()
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")
}

const statusTable = (statuses: ReadonlyArray<ComponentStatus>): string =>
  table(
    ["NAME", "ROLE", "PID", "STATE", "HEALTH", "ADDRESS", "LOG"],
    statuses.map((s) => [
      s.name,
      s.kind,
      s.pid === null ? "-" : String(s.pid),
      s.alive ? "alive" : "dead",
      `${s.health.ok ? "ok" : "NOT OK"}: ${s.health.detail}`,
      s.address,
      shortPath(s.logFile)
    ])
  )

const printOverview = async (topology: Topology): Promise<ReadonlyArray<ComponentStatus>> => {
  const statuses = await topology.status()
  say("")
  say(statusTable(statuses))
  say("")
  say("Where to look:")
  for (const { what, url } of topology.urls()) say(`  ${what.padEnd(32)} ${url}`)
  say(`  ${"state".padEnd(32)} ${shortPath(topology.stateDir)}/state.json`)
  return statuses
}

const requireArgument = (what: string): string => {
  if (argument === undefined) throw new Error(`${command} needs a ${what}\n${USAGE}`)
  return argument
}

const run = async (): Promise<number> => {
  const options: TopologyOptions = {
    ...definedFields({ stateDir: values["state-dir"] }),
    env: process.env,
    onProgress: say
  }
  switch (command) {
    case "up": {
      const topology = await upTopology({
        ...options,
        ...definedFields({ sitesDir: values.sites }),
        databaseUrl: await existingDatabaseUrl(),
        fresh: values.fresh,
        natsClientTls: values["nats-client-tls"],
        ...(values["no-regions"] ? { withRegions: false } : {})
      })
      await printOverview(topology)
      say("")
      const admin = topology.natsCredentials("admin")
      say(`NATS is authenticated: each process has its own user; tools connect as admin with`)
      say(`  NATS_NKEY_SEED_FILE=${shortPath(admin.seedFile)}${admin.caFile === undefined ? "" : ` NATS_CA_FILE=${shortPath(admin.caFile)}`}`)
      say("Stop everything with: npm run down   (status: npm run topology -- status)")
      return 0
    }
    case "down":
      await loadTopology(options).down()
      return 0
    case "status": {
      const statuses = await printOverview(loadTopology({ ...options, onProgress: () => undefined }))
      return statuses.every((s) => s.alive && s.health.ok) ? 0 : 1
    }
    case "start":
      await loadTopology(options).start(requireArgument("component name"))
      return 0
    case "stop":
      await loadTopology(options).stop(requireArgument("component name"))
      return 0
    case "kill":
      await loadTopology(options).kill(requireArgument("component name"))
      return 0
    case "restart":
      await loadTopology(options).restart(requireArgument("component name"))
      return 0
    case "cut":
      await loadTopology(options).cut(requireArgument("site id"))
      return 0
    case "restore":
      await loadTopology(options).restore(requireArgument("site id"))
      return 0
    case "add-site":
    case "disable-site": {
      const topology = loadTopology(options)
      const site = requireArgument("site id")
      const report = command === "add-site" ? await topology.addSite(site) : await topology.disableSite(site)
      say(`${command} ${site}: region ${report.region} serves ${report.regionSites.join(", ")} (${(report.elapsedMs / 1000).toFixed(1)} s)`)
      say(JSON.stringify(report))
      return 0
    }
    case "rotate-nats-user":
    case "rotate-leaf-link": {
      const topology = loadTopology(options)
      const report =
        command === "rotate-nats-user" ? await topology.rotateNatsUser(requireArgument("user")) : await topology.rotateLeafLink(requireArgument("site id"))
      say(
        `${command} ${report.user}: reloaded ${report.reloaded.join(", ") || "no server"}; restarted ${report.restarted.join(", ") || "nothing"} (${(report.elapsedMs / 1000).toFixed(1)} s)`
      )
      if (report.notice !== undefined) say(report.notice)
      say(JSON.stringify(report))
      return 0
    }
    case "compose": {
      const mesh = await Effect.runPromise(loadMeshConfig(values.sites ?? DEFAULT_SITES_DIR))
      if (values.check) {
        const stale = checkComposeFiles(mesh)
        for (const file of stale) say(`stale: ${shortPath(file)}`)
        if (stale.length > 0) say("run: npm run topology -- compose")
        return stale.length === 0 ? 0 : 1
      }
      for (const file of writeComposeFiles(mesh)) say(`wrote ${shortPath(file)}`)
      for (const name of ensureComposeSecrets(mesh)) say(`generated ${name} in ${shortPath(COMPOSE_ENV_FILE)} (git-ignored)`)
      return 0
    }
    default:
      say(USAGE)
      return values.help ? 0 : 2
  }
}

process.exitCode = await run().catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`)
  return 1
})
