/**
 * The group committer announces, after each commit, the input message ids
 * its steps applied (what the API's `CommitNotifier` wakes on): a committed
 * step and a duplicate of an applied input are announced; a step that lost
 * its optimistic check (conflict) and a hold (no input applied) are not; and
 * when the announcement comes, the inbox row is already visible.
 */
import { Effect, type ManagedRuntime } from "effect"
import { sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type EngineDatabase, startEngineDatabase } from "./engineDatabase.ts"
import { Db } from "@logimesh/db"
import { type EngineStep, type FaultInjector, makeGroupCommitter, type RawInput } from "../src/index.ts"

let engineDb: EngineDatabase
let runtime: ManagedRuntime.ManagedRuntime<Db | FaultInjector, never>

beforeAll(async () => {
  engineDb = await startEngineDatabase("commit-announce")
  runtime = engineDb.runtime
}, 30_000)

afterAll(async () => {
  await engineDb?.stop()
})

const raw = (msgId: string, seq: number): RawInput => ({
  msgId,
  subject: "s",
  payload: new Uint8Array(0),
  headers: {},
  domain: "",
  stream: "S",
  consumer: "c",
  streamSeq: seq
})

const step = (key: string, expectedVersion: number, input: RawInput | undefined): EngineStep => ({
  key,
  expectedVersion,
  applied: input === undefined ? undefined : { raw: input, position: undefined },
  audit: [],
  eventSeq: 0,
  snapshot: undefined,
  sources: "{}",
  outbox: [],
  hold: input === undefined ? { raw: raw("held-1", 9), position: { source: "erp", seq: 5 } } : undefined,
  release: undefined
})

describe("commit announcements", () => {
  it("announces applied and duplicate inputs after the commit, not conflicts or holds", async () => {
    const announced: Array<{ readonly ids: ReadonlyArray<string>; readonly inboxVisible: Promise<boolean> }> = []
    const inboxHas = (msgId: string) =>
      runtime.runPromise(
        Db.use((db) => db.use("test.inbox", (k) => sql<{ n: number }>`SELECT count(*)::int AS n FROM engine_inbox WHERE msg_id = ${msgId}`.execute(k)))
      )
    const results = await runtime.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const committer = yield* makeGroupCommitter(
            "announce",
            { maxBatch: 1 },
            () => undefined,
            (ids) => announced.push({ ids, inboxVisible: ids.length === 0 ? Promise.resolve(false) : inboxHas(ids[0]!).then((r) => r.rows[0]!.n === 1) })
          )
          const applied = yield* committer.commit(step("K-1", 0, raw("m-1", 1)))
          const duplicate = yield* committer.commit(step("K-2", 0, raw("m-1", 2)))
          const conflict = yield* committer.commit(step("K-1", 0, raw("m-3", 3)))
          const hold = yield* committer.commit(step("K-4", 0, undefined))
          return { applied, duplicate, conflict, hold }
        })
      )
    )
    expect(results).toEqual({ applied: "committed", duplicate: "duplicate", conflict: "conflict", hold: "committed" })
    expect(announced.map((a) => a.ids)).toEqual([["m-1"], ["m-1"]])
    expect(await announced[0]!.inboxVisible).toBe(true)
  })
})
