/**
 * Applies the mesh's stream and consumer plan to a running hub (and through
 * it to every site domain) by running `scripts/apply-streams.ts`, the same
 * command an operator runs. `up` calls it once the hub and every leaf are
 * linked, before regions start; it is idempotent. Run as a child process so
 * the topology tooling does not depend on the bus package.
 */
import { execFile } from "node:child_process"
import { join } from "node:path"
import { promisify } from "node:util"
import { repoRoot } from "./renderTemplate.ts"

const run = promisify(execFile)

export interface AppliedStreams {
  readonly created: number
  readonly updated: number
  readonly unchanged: number
}

/** `credentialsEnv`: the admin's credentials (TopologySecurity.ts), added to this process's environment. */
export const applyMeshStreams = async (sitesDir: string, hubUrl: string, credentialsEnv: NodeJS.ProcessEnv = {}): Promise<AppliedStreams> => {
  const { stdout } = await run(process.execPath, [join(repoRoot, "scripts/apply-streams.ts"), "--hub", hubUrl, "--sites", sitesDir], {
    cwd: repoRoot,
    timeout: 60_000,
    env: { ...process.env, ...credentialsEnv }
  })
  const actions = stdout.split("\n").map((line) => line.split(/\s+/)[0])
  return {
    created: actions.filter((a) => a === "created").length,
    updated: actions.filter((a) => a === "updated").length,
    unchanged: actions.filter((a) => a === "unchanged").length
  }
}
