/**
 * Operator CLI for parked messages, over the region's HTTP API.
 *
 *   npm run parked -- list [--status parked|replayed] [--api URL]
 *   npm run parked -- show <id> [--api URL]
 *   npm run parked -- replay <id> [--payload file.json] [--api URL]
 *
 * `--api` defaults to http://127.0.0.1:<HTTP_PORT>. The routes need an admin
 * principal: `LOGIMESH_API_KEY`, else the local topology's admin key
 * (`.logimesh/topology/secrets/api-keys.json`). Exit codes: 0 ok,
 * 1 failed (HTTP error or unreachable), 2 usage, 3 already replayed.
 */
import { readFileSync } from "node:fs"
import { Effect } from "effect"
import { ProcessSettings } from "@logimesh/config"
import { DEFAULT_STATE_DIR, operatorHeaders } from "@logimesh/topology"

const usage = "usage: npm run parked -- list [--status parked|replayed] | show <id> | replay <id> [--payload file] [--api URL]"

const args = process.argv.slice(2)
const option = (name: string): string | undefined => {
  const at = args.indexOf(name)
  if (at === -1) return undefined
  const value = args[at + 1]
  args.splice(at, 2)
  return value
}

const main = async (): Promise<number> => {
  const api =
    option("--api") ??
    `http://127.0.0.1:${await Effect.runPromise(
      Effect.gen(function* () {
        return yield* ProcessSettings.httpPort
      })
    )}`
  const status = option("--status")
  const payloadFile = option("--payload")
  const [command, id] = args
  const credentials = await operatorHeaders(DEFAULT_STATE_DIR)
  const call = async (path: string, init?: RequestInit) => {
    const response = await fetch(new URL(path, api), { ...init, headers: { ...credentials, ...init?.headers }, signal: AbortSignal.timeout(10_000) })
    return { status: response.status, body: (await response.json()) as unknown }
  }
  switch (command) {
    case "list": {
      const { status: code, body } = await call(`/v1/parked${status === undefined ? "" : `?status=${encodeURIComponent(status)}`}`)
      if (code !== 200) return fail(body)
      const entries = (
        body as { parked: ReadonlyArray<{ id: number; status: string; reason: string; subject: string; entityKey: string | null; parkedAt: string }> }
      ).parked
      for (const e of entries) console.log(`${e.id}\t${e.status}\t${e.reason}\t${e.entityKey ?? "-"}\t${e.subject}\t${e.parkedAt}`)
      console.log(`${entries.length} parked message(s)`)
      return 0
    }
    case "show": {
      if (id === undefined) return usageError()
      const { status: code, body } = await call(`/v1/parked/${encodeURIComponent(id)}`)
      if (code !== 200) return fail(body)
      console.log(JSON.stringify(body, null, 2))
      return 0
    }
    case "replay": {
      if (id === undefined) return usageError()
      const payload = payloadFile === undefined ? "" : readFileSync(payloadFile, "utf8")
      const { status: code, body } = await call(`/v1/parked/${encodeURIComponent(id)}/replay`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: payload
      })
      console.log(JSON.stringify(body))
      return code === 200 ? 0 : code === 409 ? 3 : 1
    }
    default:
      return usageError()
  }
}

const usageError = () => {
  console.error(usage)
  return 2
}
const fail = (body: unknown) => {
  console.error(JSON.stringify(body))
  return 1
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`parked: ${String(error)}`)
    process.exit(1)
  }
)
