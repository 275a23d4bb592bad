/**
 * Holds a loopback port the way another process would, so a test can make a
 * server's start find its port taken.
 */
import { createServer, type Server } from "node:net"

export interface PortHolder {
  /** The port held (the one the kernel picked when asked for 0). */
  readonly port: number
  release(): Promise<void>
}

export const holdPort = (port: number, host = "127.0.0.1"): Promise<PortHolder> =>
  new Promise((resolve, reject) => {
    const server: Server = createServer()
    server.once("error", reject)
    server.listen(port, host, () => {
      const address = server.address()
      resolve({
        port: typeof address === "object" && address !== null ? address.port : port,
        release: () => new Promise((done) => server.close(() => done()))
      })
    })
  })
