/**
 * Tells whoever started the region where its HTTP API listens: with
 * `LOGIMESH_PORTS_FILE` set, writes `{"http":N}` there (temp file + rename)
 * once the API serves. Started with `HTTP_PORT=0`, the region listens on a
 * port the kernel picks, so no other process can take it between choosing
 * and binding; the topology runner and the tests read the file (the shape of
 * @logimesh/topology's PortsFile.ts, which the region does not import).
 */
import { Effect, Layer, Option } from "effect"
import { HttpServer } from "effect/http"
import { NetAddress } from "effect/net"
import { renameSync, writeFileSync } from "node:fs"
import { ProcessSettings } from "@logimesh/config"

export const BoundPortsFile = Layer.effectDiscard(
  Effect.gen(function* () {
    const file = yield* ProcessSettings.portsFile
    if (Option.isNone(file)) return
    const { address } = yield* HttpServer.HttpServer
    if (!NetAddress.isInetAddress(address)) return yield* Effect.die(new Error(`${file.value}: the HTTP server listens on ${address._tag}, not a port`))
    yield* Effect.sync(() => {
      writeFileSync(`${file.value}.tmp`, `${JSON.stringify({ http: address.port })}\n`)
      renameSync(`${file.value}.tmp`, file.value)
    })
    yield* Effect.logInfo(`HTTP port ${address.port} written to ${file.value}`)
  })
)
