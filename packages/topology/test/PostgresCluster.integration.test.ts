/**
 * A private Postgres cluster's ports: Postgres cannot listen on port 0, so a
 * first start tries candidate ports and moves on when one is taken by the
 * time the postmaster binds it (here the first candidate is held on
 * purpose); a later start asks for the port it got and fails with
 * AddressInUseError while someone else holds it.
 */
import { rmSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { postgresAnswers } from "../src/ensureDatabase.ts"
import { freePort } from "../src/freePort.ts"
import {
  clusterAdminUrl,
  initPostgresCluster,
  type PostgresClusterSpec,
  startPostgresCluster,
  startPostgresClusterOnFreePort,
  stopPostgresCluster
} from "../src/PostgresCluster.ts"
import { postgresClusterDir } from "../src/postgresClusterDir.ts"
import { repoRoot } from "../src/renderTemplate.ts"
import { holdPort } from "./portHolder.ts"
import { AddressInUseError } from "../src/retryWhileAddressInUse.ts"

const HOST = "127.0.0.1"
const stateDir = join(repoRoot, ".test-runs", `pg-cluster-${process.pid}-${Math.random().toString(16).slice(2, 10)}`)
const cluster = { host: HOST, clusterDir: postgresClusterDir(stateDir, "ports") }
let started: PostgresClusterSpec | undefined

/** `first`, then ports the kernel has free. */
const candidates = (first: number) => {
  let calls = 0
  return () => (calls++ === 0 ? Promise.resolve(first) : freePort())
}

beforeAll(async () => {
  await initPostgresCluster({ ...cluster, port: 0 })
}, 60_000)

afterAll(async () => {
  if (started !== undefined) await stopPostgresCluster(started, undefined)
  rmSync(cluster.clusterDir, { recursive: true, force: true })
  rmSync(stateDir, { recursive: true, force: true })
}, 60_000)

describe("Postgres cluster ports", () => {
  it("control: with one attempt, a candidate port someone holds fails the start", async () => {
    const holder = await holdPort(0)
    const port = holder.port
    try {
      await expect(startPostgresClusterOnFreePort(cluster, { candidate: candidates(port), attempts: 1 })).rejects.toThrow(
        new RegExp(`every port tried was in use by the time it bound: ${port}`)
      )
    } finally {
      await holder.release()
    }
  }, 60_000)

  it("a first start moves past a taken candidate port to a free one", async () => {
    const holder = await holdPort(0)
    const taken = holder.port
    try {
      const result = await startPostgresClusterOnFreePort(cluster, { candidate: candidates(taken) })
      started = { ...cluster, port: result.port }
      expect(result.taken).toEqual([taken])
      expect(result.port).not.toBe(taken)
      expect(await postgresAnswers(clusterAdminUrl(started))).toBe(true)
    } finally {
      await holder.release()
    }
  }, 60_000)

  it("a later start on its port fails with AddressInUseError while the port is held, and starts once it is free", async () => {
    if (started === undefined) throw new Error("the cluster did not start")
    const spec = started
    await stopPostgresCluster(spec, undefined)
    const holder = await holdPort(spec.port)
    const refused = await startPostgresCluster(spec).then(
      () => undefined,
      (error: unknown) => error
    )
    await holder.release()
    expect(refused).toBeInstanceOf(AddressInUseError)
    await startPostgresCluster(spec)
    expect(await postgresAnswers(clusterAdminUrl(spec))).toBe(true)
  }, 60_000)
})
