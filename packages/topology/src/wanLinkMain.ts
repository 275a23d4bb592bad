/**
 * The WAN link process of one site: a long-running TCP fault proxy between
 * the site's leaf and the hub's leafnode listener, with a tiny HTTP control
 * port on loopback so drills can cut and restore that one site's WAN:
 *
 *   GET  /status    {"site","cut","listen","target"}
 *   POST /cut       drops every live connection, refuses new ones
 *   POST /restore   lets connections through again
 *
 * Usage: node wanLinkMain.ts --site S --listen H:P --target H:P --control H:P --ports-file F
 * A listen or control port of 0 lets the kernel pick; once both listen, the
 * ports they bound go to the ports file (`{"listen":N,"control":N}`, PortsFile.ts),
 * where the topology runner reads them. Started and stopped by the topology
 * runner (SIGTERM closes it cleanly); a port in use ends it with EADDRINUSE.
 */
import { createServer } from "node:http"
import { parseArgs } from "node:util"
import { writePortsFile } from "./PortsFile.ts"
import { startTcpFaultProxy } from "./TcpFaultProxy.ts"

const splitAddress = (flag: string, value: string | undefined): { host: string; port: number } => {
  const match = value === undefined ? null : /^(.+):(\d+)$/.exec(value)
  if (match === null || match[1] === undefined || match[2] === undefined) {
    throw new Error(`--${flag} must be host:port, got ${String(value)}`)
  }
  return { host: match[1], port: Number(match[2]) }
}

const { values } = parseArgs({
  options: {
    site: { type: "string" },
    listen: { type: "string" },
    target: { type: "string" },
    control: { type: "string" },
    "ports-file": { type: "string" }
  }
})
const listen = splitAddress("listen", values.listen)
const target = splitAddress("target", values.target)
const control = splitAddress("control", values.control)
const site = values.site ?? "unknown"

const proxy = await startTcpFaultProxy({
  listenHost: listen.host,
  listenPort: listen.port,
  targetHost: target.host,
  targetPort: target.port
})

const status = () => ({
  site,
  cut: proxy.isCut,
  listen: `${proxy.host}:${proxy.port}`,
  target: `${target.host}:${target.port}`
})

const http = createServer((request, response) => {
  const route = `${request.method ?? "GET"} ${request.url ?? "/"}`
  if (route === "POST /cut") {
    proxy.cut()
    console.log(`${new Date().toISOString()} wan link ${site}: cut`)
  } else if (route === "POST /restore") {
    proxy.restore()
    console.log(`${new Date().toISOString()} wan link ${site}: restored`)
  } else if (route !== "GET /status") {
    response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: `no route ${route}` }))
    return
  }
  response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(status()))
})
const controlPort = await new Promise<number>((resolve, reject) => {
  http.once("error", reject)
  http.listen(control.port, control.host, () => {
    const address = http.address()
    resolve(typeof address === "object" && address !== null ? address.port : control.port)
  })
})
if (values["ports-file"] !== undefined) writePortsFile(values["ports-file"], { listen: proxy.port, control: controlPort })
console.log(`${new Date().toISOString()} wan link ${site}: ${status().listen} -> ${status().target}, control http://${control.host}:${controlPort}`)

const shutdown = (): void => {
  http.close()
  http.closeAllConnections()
  void proxy.close().then(() => process.exit(0))
}
process.once("SIGTERM", shutdown)
process.once("SIGINT", shutdown)
