/**
 * A poison message (the decider throws on it) is retried up to
 * `max_deliver`, then parked — in the DLQ stream and in `engine_parked` with
 * its reason — while every other order completes; its order's later inputs
 * wait held. An operator lists and inspects it with the CLI (through the
 * region's HTTP API); the region refuses a corrected body for it (a module's
 * own command: nothing would check the correction before the module applies
 * it). The engine's replay with the corrected payload applies exactly once
 * (a second replay is refused), the held inputs follow, and the whole
 * workload ends exactly as the fold of its unique inputs.
 */
import { execFile } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeTestRunDir, startRegionProcess, type TestRunDir } from "@logimesh/testkit"
import { repoRoot, waitFor } from "@logimesh/topology"
import { Effect, Schema } from "effect"
import { ParkedMessages } from "../src/index.ts"
import { type EngineFixture, makeWorkload, startEngineFixture } from "./engineHarness.ts"
import { AppendLine } from "./OrderLinesDecider.ts"
import { encodeCommand } from "./orderLinesEntity.ts"

let fixture: EngineFixture
let dir: TestRunDir
const stops: Array<() => Promise<unknown>> = []

beforeAll(async () => {
  fixture = await startEngineFixture({ label: "engine-poison", maxDeliver: 3 })
  dir = makeTestRunDir("engine-poison")
})
afterAll(async () => {
  for (const stop of stops) await stop()
  await fixture?.stop()
  dir?.remove()
})

/** The operator's key for the CLI (`LOGIMESH_API_KEY`), issued once the region has migrated its database. */
let operatorKey = ""

const cli = (api: string, ...args: Array<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const env = { ...process.env, LOGIMESH_API_KEY: operatorKey }
    execFile(process.execPath, [join(repoRoot, "scripts/parked.ts"), ...args, "--api", api], { cwd: repoRoot, env }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr })
    )
  })

describe("poison message", () => {
  it("is parked after max_deliver, leaves other orders alone, and a fixed replay applies exactly once", async () => {
    const base = makeWorkload(fixture.names.token, { orders: 20, linesPerOrder: 6, duplicateRate: 0.1, refuseRate: 0, seed: 3, unsequencedEvery: 0 })
    const target = `o-${fixture.names.token}-0`
    const poisonId = `${fixture.names.token}:${target}:erp:2`
    const messages = base.messages
      .filter((m) => m.msgId !== `${poisonId}:retry`)
      .map((m) => (m.msgId === poisonId ? { ...m, payload: encodeCommand(new AppendLine({ orderId: target, source: "erp", line: 2, note: "poison" })) } : m))
    const engine = fixture.spawnEngine()
    await engine.ready
    await fixture.publish(messages)

    const parkedRows = await waitFor(
      "poison parked",
      async () => {
        const rows = (await fixture.query(sql<{ id: string; reason: string; entity_key: string }>`SELECT id, reason, entity_key FROM engine_parked`)).rows
        return rows.length > 0 ? rows : undefined
      },
      { timeoutMs: 20_000 }
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${engine.output()}`)
    })
    expect(parkedRows).toHaveLength(1)
    expect(parkedRows[0]).toMatchObject({ reason: "RetriesExhausted", entity_key: target })
    await waitFor("DLQ holds it", async () => ((await fixture.streamMessages(fixture.names.dlqStream)) === 1 ? true : undefined))
    await waitFor(
      "others done",
      async () => {
        const info = await fixture.consumerInfo()
        return info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined
      },
      { timeoutMs: 30_000 }
    )

    // Every other order is complete; the poisoned order stopped at erp line 1 and holds erp line 3.
    const states = (
      await fixture.query(sql<{ entity_key: string; state: { lines: Record<string, Array<number>> } }>`
      SELECT entity_key, state FROM engine_entity`)
    ).rows
    for (const row of states) {
      const expected = base.expected.get(row.entity_key)
      if (row.entity_key === target) expect(row.state.lines["erp"]).toEqual([1])
      else expect(Object.entries(row.state.lines).sort()).toEqual(Object.entries(expected ?? {}).sort())
    }
    const held = (await fixture.query(sql<{ source_seq: string }>`SELECT source_seq FROM engine_held WHERE entity_key = ${target}`)).rows
    expect(held.map((h) => Number(h.source_seq))).toEqual([3])

    // The operator: region process (HTTP API) + CLI.
    const region = startRegionProcess(
      {
        LOGIMESH_REGION: "eu-west",
        LOGIMESH_SITES_DIR: join(repoRoot, "sites"),
        NATS_URL: fixture.nats.url,
        DATABASE_URL: fixture.database.url
      },
      "poison-replay-region"
    )
    stops.push(() => region.kill())
    const api = await region.url(20_000)
    await waitFor("region ready", async () => ((await fetch(`${api}/readyz`, { signal: AbortSignal.timeout(2_000) })).status === 200 ? true : undefined), {
      timeoutMs: 20_000
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${region.output()}`)
    })

    operatorKey = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [join(repoRoot, "scripts/credentials.ts"), "issue", "--system", "LOGIMESH", "--admin", "--json"],
        { cwd: repoRoot, env: { ...process.env, DATABASE_URL: fixture.database.url } },
        (error, stdout, stderr) =>
          error === null ? resolve((JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as { key: string }).key) : reject(new Error(stderr))
      )
    )
    const listed = await cli(api, "list")
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain("RetriesExhausted")
    const id = parkedRows[0]!.id
    const shown = await cli(api, "show", id)
    expect(shown.code).toBe(0)
    const entry = JSON.parse(shown.stdout) as { payload: string; status: string; reason: string }
    expect(entry.status).toBe("parked")
    expect(JSON.parse(entry.payload)).toMatchObject({ note: "poison" })

    const fixed = join(dir.path, "fixed.json")
    writeFileSync(fixed, JSON.stringify(Schema.encodeSync(AppendLine)(new AppendLine({ orderId: target, source: "erp", line: 2, note: "" }))))
    const refused = await cli(api, "replay", id, "--payload", fixed)
    expect(refused.code).toBe(1)
    expect(JSON.parse(refused.stdout)).toMatchObject({ status: 422, title: "a corrected body is not accepted for this message" })
    expect((await fixture.query(sql<{ status: string }>`SELECT status FROM engine_parked`)).rows).toEqual([{ status: "parked" }])

    const engineReplay = () =>
      fixture.runtime.runPromise(
        ParkedMessages.use((parked) => parked.replay(Number(id), new TextEncoder().encode(readFileSync(fixed, "utf8")))).pipe(
          Effect.provide(ParkedMessages.layer("eu-west"))
        )
      )
    const [first, second] = [await engineReplay(), await engineReplay()]
    expect(first._tag).toBe("Replayed")
    expect(second._tag).toBe("AlreadyReplayed")
    expect((await cli(api, "replay", id)).code).toBe(3)
    expect((await fetch(`${api}/v1/parked/999999`)).status).toBe(401)
    expect((await fetch(`${api}/v1/parked/999999`, { headers: { authorization: `Bearer ${operatorKey}` } })).status).toBe(404)

    await fixture.waitSettled(base.unique, 30_000)
    expect(await fixture.verify({ ...base, messages })).toEqual([])
    const after = (await fixture.query(sql<{ status: string }>`SELECT status FROM engine_parked`)).rows
    expect(after).toEqual([{ status: "replayed" }])
  })
})
