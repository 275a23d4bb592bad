/**
 * A port the kernel had free a moment ago on a loopback address: it binds
 * port 0, reads the number and closes again, so by the time someone binds it
 * another process may have taken it (a check-then-bind gap). Nothing that
 * can listen on port 0 uses it. Its one caller is Postgres, which cannot
 * (PostgresCluster.ts): there the number is only a candidate, and a start
 * that finds it taken tries the next one, so the gap costs a retry, never a
 * failed start.
 */
import { createServer } from "node:net"

export const freePort = (host = "127.0.0.1"): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port assigned"))))
    })
  })
