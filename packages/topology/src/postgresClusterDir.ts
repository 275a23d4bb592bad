/**
 * Where a region's private Postgres cluster lives. Postgres runs as the
 * `postgres` OS user, which must be able to traverse every parent directory
 * of its data dir. Under the topology's state dir when it can (a clone in
 * /work or /home/x with o+x); otherwise, e.g. a clone under /root (mode 700),
 * under the system temp dir, named after the state dir so two topologies
 * never share a cluster.
 */
import { createHash } from "node:crypto"
import { statSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"

/** True when every existing ancestor of `dir` lets others traverse it (o+x). */
export const traversableByOthers = (dir: string): boolean => {
  let current = resolve(dir)
  for (;;) {
    const parent = dirname(current)
    try {
      if ((statSync(current).mode & 0o001) === 0) return false
    } catch {
      // Not created yet: its mode will be ours to set; check the parents.
    }
    if (parent === current) return true
    current = parent
  }
}

export const postgresClusterDir = (stateDir: string, region: string): string => {
  const preferred = join(stateDir, "postgres")
  if (traversableByOthers(preferred)) return join(preferred, region)
  const tag = createHash("sha256").update(resolve(stateDir)).digest("hex").slice(0, 12)
  return join(tmpdir(), `logimesh-postgres-${tag}-${region}`)
}
