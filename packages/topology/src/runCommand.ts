/**
 * Runs a short-lived command to completion and returns its exit code and
 * combined output (for `initdb`, `pg_ctl`), never throwing on a non-zero exit.
 */
import { spawn } from "node:child_process"
import { definedFields } from "@logimesh/model"

export interface CommandResult {
  readonly code: number
  readonly output: string
}

export const runCommand = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly env?: NodeJS.ProcessEnv; readonly detached?: boolean } = {}
): Promise<CommandResult> =>
  new Promise((resolve) => {
    // Detached: daemons it forks (a postmaster) leave our process group and session.
    const child = spawn(command, [...args], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: options.detached ?? false,
      ...definedFields({ env: options.env })
    })
    const chunks: Array<Buffer> = []
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk))
    child.once("error", (error) => resolve({ code: -1, output: String(error) }))
    child.once("close", (code) => resolve({ code: code ?? -1, output: Buffer.concat(chunks).toString("utf8").trim() }))
  })
