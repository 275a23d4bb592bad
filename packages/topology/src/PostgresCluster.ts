/**
 * A private Postgres 15 cluster for one region, run from the Debian binaries:
 * `initdb` once, `pg_ctl start` on its own port and socket dir (loopback
 * only), `pg_ctl stop -m fast`, or a crash (SIGKILL of the
 * postmaster and its backends). Postgres refuses to run as root, so as root
 * every command runs through `runuser -u postgres` and the cluster dir is
 * chown'ed to postgres; every parent dir must be traversable by that user
 * (o+x): `postgresClusterDir` picks such a place.
 *
 * Authentication (`pg_hba.conf`, written before every start): the superuser
 * `postgres` only over the cluster's own socket dir (mode 0700, so only the
 * postgres OS user and root reach it), trusted; every TCP connection needs a
 * SCRAM password. The region connects over TCP as its own least-privileged
 * role (RegionDbRole.ts).
 *
 * Ports: Postgres cannot listen on port 0, so a cluster's first start is
 * reserve-and-retry (`startPostgresClusterOnFreePort`): take a port the
 * kernel had free a moment ago, start, and when the postmaster says the
 * address is in use (someone took the port in between), take another, a
 * bounded number of times. Later starts ask for the port it got
 * (`startPostgresCluster`, retried on the same port while it is in use:
 * retryWhileAddressInUse.ts).
 */
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { execFileSync } from "node:child_process"
import { dirname, join } from "node:path"
import { freePort } from "./freePort.ts"
import { logCursor } from "./logCursor.ts"
import { childPidsOf, isProcessAlive, processStartTime, sendSignal, waitForExit } from "./ProcessIdentity.ts"
import { AddressInUseError, mentionsAddressInUse } from "./retryWhileAddressInUse.ts"
import { runCommand } from "./runCommand.ts"

export const PG_BIN_DIR = "/usr/lib/postgresql/15/bin"

export interface PostgresClusterSpec {
  readonly host: string
  readonly port: number
  /** Owned by the postgres user; holds `data/`, `socket/` and `postgres.log`. */
  readonly clusterDir: string
}

export interface RunningPostmaster {
  readonly pid: number
  readonly startTime: string
}

export const clusterPaths = (spec: PostgresClusterSpec) => ({
  dataDir: join(spec.clusterDir, "data"),
  socketDir: join(spec.clusterDir, "socket"),
  logFile: join(spec.clusterDir, "postgres.log")
})

/** Superuser URL of the cluster's maintenance database, over the cluster's Unix socket (the only way in as `postgres`). */
export const clusterAdminUrl = (spec: PostgresClusterSpec): string =>
  `postgres://postgres@${spec.host}:${spec.port}/postgres?host=${encodeURIComponent(clusterPaths(spec).socketDir)}`

/** URL of `database` on the cluster, over TCP, as `role` with its password. */
export const clusterRoleUrl = (spec: PostgresClusterSpec, database: string, role: string, password: string): string =>
  `postgres://${role}:${encodeURIComponent(password)}@${spec.host}:${spec.port}/${database}`

/** The cluster's client authentication: superuser over its own socket only, SCRAM passwords over TCP. */
export const PG_HBA = `# Written by logimesh's topology runner (PostgresCluster.ts) before every start.
# TYPE  DATABASE  USER      ADDRESS       METHOD
local   all       postgres                trust
local   all       all                     scram-sha-256
host    all       all       127.0.0.1/32  scram-sha-256
host    all       all       ::1/128       scram-sha-256
`

const isRoot = (): boolean => process.getuid?.() === 0

const asPostgres = (bin: string, args: ReadonlyArray<string>): [string, ReadonlyArray<string>] =>
  isRoot() ? ["runuser", ["-u", "postgres", "--", join(PG_BIN_DIR, bin), ...args]] : [join(PG_BIN_DIR, bin), args]

const postgresIds = (): { uid: number; gid: number } => {
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim())
  return { uid, gid }
}

const prepareDirs = (spec: PostgresClusterSpec): void => {
  const { dataDir, socketDir } = clusterPaths(spec)
  // Parents keep the default mode: the postgres user must be able to traverse them.
  mkdirSync(dirname(spec.clusterDir), { recursive: true })
  for (const dir of [spec.clusterDir, dataDir, socketDir]) mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (!isRoot()) return
  const { uid, gid } = postgresIds()
  for (const dir of [spec.clusterDir, dataDir, socketDir]) chownSync(dir, uid, gid)
}

/** Runs `initdb` unless the data dir already holds a cluster. */
export const initPostgresCluster = async (spec: PostgresClusterSpec): Promise<"created" | "exists"> => {
  prepareDirs(spec)
  const { dataDir } = clusterPaths(spec)
  if (existsSync(join(dataDir, "PG_VERSION"))) return "exists"
  const [cmd, args] = asPostgres("initdb", [
    "-D",
    dataDir,
    "-U",
    "postgres",
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    "-E",
    "UTF8",
    "--no-instructions"
  ])
  const result = await runCommand(cmd, args)
  if (result.code !== 0) throw new Error(`initdb ${dataDir} failed (${result.code}): ${result.output}`)
  return "created"
}

/** Reads the postmaster pid of a running cluster from `postmaster.pid`. */
export const postmasterOf = (spec: PostgresClusterSpec): RunningPostmaster | undefined => {
  let text: string
  try {
    text = readFileSync(join(clusterPaths(spec).dataDir, "postmaster.pid"), "utf8")
  } catch {
    return undefined
  }
  const pid = Number(text.split("\n")[0])
  const startTime = Number.isInteger(pid) && pid > 0 ? processStartTime(pid) : undefined
  return startTime === undefined ? undefined : { pid, startTime }
}

/** Starts the cluster on `spec.port`; fails with `AddressInUseError` when the postmaster finds the port taken. */
export const startPostgresCluster = async (spec: PostgresClusterSpec): Promise<RunningPostmaster> => {
  const { dataDir, socketDir, logFile } = clusterPaths(spec)
  removeStaleLockFiles(spec)
  // Also for a cluster made before: its file is replaced in place (keeping the postgres user's ownership).
  writeFileSync(join(dataDir, "pg_hba.conf"), PG_HBA)
  const log = logCursor(logFile)
  const options = `-p ${spec.port} -k ${socketDir} -c listen_addresses=${spec.host}`
  const [cmd, args] = asPostgres("pg_ctl", ["-D", dataDir, "-l", logFile, "-w", "-t", "30", "-o", options, "start"])
  const result = await runCommand(cmd, args, { detached: true })
  const running = postmasterOf(spec)
  if (result.code !== 0 || running === undefined) {
    const detail = `pg_ctl start ${dataDir} on port ${spec.port} failed (${result.code}): ${result.output}; ${logFile}:\n${log.tail()}`
    throw mentionsAddressInUse(log.text()) ? new AddressInUseError(`postgres on port ${spec.port}`, detail) : new Error(detail)
  }
  return running
}

export interface FreePortStart {
  readonly postmaster: RunningPostmaster
  readonly port: number
  /** Ports tried first and found taken by the time the postmaster bound them. */
  readonly taken: ReadonlyArray<number>
}

/**
 * First start of a cluster that has no port yet (reserve-and-retry, header):
 * up to `attempts` candidates from `candidate` (default: a port the kernel had
 * free a moment ago), the next one whenever the last was taken.
 */
export const startPostgresClusterOnFreePort = async (
  spec: Omit<PostgresClusterSpec, "port">,
  options: { readonly candidate?: () => Promise<number>; readonly attempts?: number } = {}
): Promise<FreePortStart> => {
  const candidate = options.candidate ?? (() => freePort(spec.host))
  const attempts = options.attempts ?? 5
  const taken: Array<number> = []
  while (taken.length < attempts) {
    const port = await candidate()
    try {
      return { postmaster: await startPostgresCluster({ ...spec, port }), port, taken }
    } catch (error) {
      if (!(error instanceof AddressInUseError)) throw error
      taken.push(port)
    }
  }
  throw new Error(`postgres ${spec.clusterDir}: every port tried was in use by the time it bound: ${taken.join(", ")}`)
}

/**
 * After a crash the postmaster may linger as a zombie until init reaps it; a
 * new postmaster sees its pid "alive" and refuses the lock file. A lock file
 * whose pid is dead or a zombie is stale: remove it.
 */
const removeStaleLockFiles = (spec: PostgresClusterSpec): void => {
  const { dataDir, socketDir } = clusterPaths(spec)
  const socketLock = join(socketDir, `.s.PGSQL.${spec.port}.lock`)
  for (const lockFile of [join(dataDir, "postmaster.pid"), socketLock]) {
    let pid: number
    try {
      pid = Number(readFileSync(lockFile, "utf8").split("\n")[0])
    } catch {
      continue
    }
    if (Number.isInteger(pid) && pid > 0 && processStartTime(pid) === undefined) rmSync(lockFile, { force: true })
  }
}

/** `pg_ctl stop -m fast`; falls back to SIGKILL when the postmaster outlives it. */
export const stopPostgresCluster = async (spec: PostgresClusterSpec, postmaster: RunningPostmaster | undefined): Promise<void> => {
  const { dataDir } = clusterPaths(spec)
  const running = postmaster ?? postmasterOf(spec)
  if (running === undefined || !isProcessAlive(running.pid, running.startTime)) return
  const [cmd, args] = asPostgres("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "-t", "30", "stop"])
  await runCommand(cmd, args)
  if (isProcessAlive(running.pid, running.startTime)) await killPostgresCluster(spec, running)
}

/** A crash: SIGKILL to the postmaster and every backend, then waits until all are gone. */
export const killPostgresCluster = async (spec: PostgresClusterSpec, postmaster: RunningPostmaster | undefined): Promise<void> => {
  const running = postmaster ?? postmasterOf(spec)
  if (running === undefined || !isProcessAlive(running.pid, running.startTime)) return
  const children = childPidsOf(running.pid).map((pid) => ({ pid, startTime: processStartTime(pid) }))
  sendSignal(running.pid, "SIGKILL")
  for (const child of children) sendSignal(child.pid, "SIGKILL")
  await waitForExit("postmaster", running.pid, running.startTime)
  for (const child of children) await waitForExit("postgres backend", child.pid, child.startTime)
}
