/**
 * startNatsServer's ports: a server asked for port 0 binds ports it picks and
 * reports them (client, monitoring, a hub's leafnode port); a restart asks
 * for the same ports, is retried while one is taken, comes back once it is
 * free, and fails naming the port when it stays taken. The control: two
 * servers asked for the same fixed port cannot both start.
 */
import { rmSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { logCursor } from "../src/logCursor.ts"
import { natsHealthy, type NatsServer, startNatsServer } from "../src/NatsServer.ts"
import { repoRoot } from "../src/renderTemplate.ts"
import { holdPort } from "./portHolder.ts"
import { waitFor } from "../src/waitFor.ts"
import { definedFields } from "@logimesh/model"

const HOST = "127.0.0.1"
const dir = join(repoRoot, ".test-runs", `nats-server-${process.pid}-${Math.random().toString(16).slice(2, 10)}`)
const servers: Array<NatsServer> = []

afterAll(async () => {
  for (const server of servers) await server.process.kill()
  rmSync(dir, { recursive: true, force: true })
})

const start = async (name: string, ports: { port: number; monitorPort: number }, addressInUseTimeoutMs?: number): Promise<NatsServer> => {
  const server = await startNatsServer(
    { role: "standalone", serverName: name, host: HOST, ...ports, storeDir: join(dir, name, "js"), maxFileStore: "256MB" },
    { workDir: join(dir, name), ...definedFields({ addressInUseTimeoutMs }) }
  )
  servers.push(server)
  return server
}

describe("startNatsServer ports", () => {
  it("a hub asked for port 0 reports the client, monitoring and leafnode ports it bound", async () => {
    const hub = await startNatsServer(
      {
        role: "hub",
        serverName: "ports-hub",
        host: HOST,
        port: 0,
        monitorPort: 0,
        leafPort: 0,
        storeDir: join(dir, "hub", "js"),
        maxFileStore: "256MB"
      },
      { workDir: join(dir, "hub") }
    )
    servers.push(hub)
    if (hub.config.role !== "hub") throw new Error("not a hub")
    const { port, monitorPort, leafPort } = hub.config
    expect(new Set([port, monitorPort, leafPort]).size).toBe(3)
    expect(hub.url).toBe(`nats://${HOST}:${port}`)
    const varz = (await (await fetch(`http://${HOST}:${monitorPort}/varz`)).json()) as { port: number; leaf: { port: number } }
    expect({ port: varz.port, leaf: varz.leaf.port }).toEqual({ port, leaf: leafPort })
  })

  it("a restart waits for its port to be released and comes back on it", async () => {
    const first = await start("restart-free", { port: 0, monitorPort: 0 })
    const { port } = first.config
    await first.process.kill()
    const holder = await holdPort(port)
    const log = logCursor(join(dir, "restart-free", "restart-free.log"))
    const restarted = first.restart()
    // Released only once a start has been refused for it, so the retry is what brings it back.
    await waitFor("a start refused for the taken port", async () => (log.text().includes("address already in use") ? true : undefined))
    await holder.release()
    const second = await restarted
    servers.push(second)
    expect(second.config.port).toBe(port)
    expect(second.config.monitorPort).toBe(first.config.monitorPort)
    expect(await natsHealthy(second.config)).toBe(true)
  })

  it("a restart whose port stays taken fails after its deadline, naming the port", async () => {
    const first = await start("restart-taken", { port: 0, monitorPort: 0 })
    await first.process.kill()
    const holder = await holdPort(first.config.port)
    try {
      const again = startNatsServer(first.config, { workDir: join(dir, "restart-taken"), addressInUseTimeoutMs: 1_500 })
      await expect(again).rejects.toThrow(new RegExp(`cannot listen on port ${first.config.port}: still in use`))
    } finally {
      await holder.release()
    }
  })

  it("control: two servers asked for the same fixed port cannot both run", async () => {
    const first = await start("fixed-a", { port: 0, monitorPort: 0 })
    const second = start("fixed-b", { port: first.config.port, monitorPort: 0 }, 1_000)
    await expect(second).rejects.toThrow(/still in use/)
    expect(await natsHealthy(first.config)).toBe(true)
  })
})
