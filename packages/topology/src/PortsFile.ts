/**
 * A ports file: how a process the topology starts tells which ports it
 * really bound, after listening on port 0. One JSON object of name -> port
 * (`{"listen":41235,"control":39877}`), written atomically (temp file +
 * rename) once every listener is up, so a reader sees all or nothing.
 * The WAN link process (wanLinkMain.ts) writes one; the region writes the
 * same shape (`{"http":N}`, its own writer, as it cannot import the topology).
 * nats-server has its own format (`ports_file_dir`, read in NatsServer.ts).
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs"

export type BoundPorts = Readonly<Record<string, number>>

export const writePortsFile = (file: string, ports: BoundPorts): void => {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(ports)}\n`)
  renameSync(`${file}.tmp`, file)
}

/** The ports in `file`, or undefined while it does not exist yet. */
export const readPortsFile = (file: string): BoundPorts | undefined => {
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch {
    return undefined
  }
  const parsed: unknown = JSON.parse(text)
  if (typeof parsed !== "object" || parsed === null) throw new Error(`${file}: not a ports file: ${text}`)
  const ports: Record<string, number> = {}
  for (const [name, port] of Object.entries(parsed)) {
    if (typeof port !== "number" || !Number.isInteger(port) || port <= 0) throw new Error(`${file}: "${name}" is not a port: ${text}`)
    ports[name] = port
  }
  return ports
}

/** The port named `name` in a ports file, failing when it is missing. */
export const boundPort = (ports: BoundPorts, name: string, file: string): number => {
  const port = ports[name]
  if (port === undefined) throw new Error(`${file} has no "${name}" port: ${JSON.stringify(ports)}`)
  return port
}
