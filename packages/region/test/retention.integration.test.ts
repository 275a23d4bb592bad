/**
 * The region's retention job over its real schema (rows aged by back-dating
 * them in SQL, no waiting), with the horizons of the repository's
 * `sites/mesh.json`:
 *   - one round deletes what is past each table's horizon and keeps what is inside it: engine
 *     inbox, sent outbox rows (an old unsent row stays), replayed parked rows, `api_idempotency`,
 *     ownership rejections;
 *   - an Idempotency-Key inside its horizon still answers the stored response (no new request);
 *     the same key past it is a new request again (the control: the row is what answered);
 *   - the job runs a round as soon as its Layer starts, in the Layer's scope;
 *   - the boot refuses a mesh.json whose Idempotency-Key horizon is below 72 h, naming the field.
 */
import { ConfigProvider, Effect, Exit, Layer, ManagedRuntime, Redacted } from "effect"
import { cpSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ConfigFileError, loadMeshConfig } from "@logimesh/config"
import { Db, runMigrations } from "@logimesh/db"
import { createTestDatabase, makeTestRunDir, type TestDatabase, type TestRunDir } from "@logimesh/testkit"
import { inboxHas, insertInboxRow, insertOutboxRow, insertParkedRow, outboxSubjects, parkedDedupeKeys } from "@logimesh/engine/testing"
import { repoRoot, waitFor } from "@logimesh/topology"
import { IdempotencyStore } from "../src/api/IdempotencyStore.ts"
import { RegionContext } from "../src/RegionContext.ts"
import { regionMigrations } from "../src/regionMigrations.ts"
import { RetentionJob, runRetentionRound } from "../src/RetentionJob.ts"

let database: TestDatabase
let client: pg.Client
let runtime: ManagedRuntime.ManagedRuntime<Db | IdempotencyStore, never>
const dirs: Array<TestRunDir> = []

const mesh = await Effect.runPromise(loadMeshConfig(join(repoRoot, "sites")))
const retention = mesh.settings.retention

const sitesCopy = (meshJson?: unknown): string => {
  const dir = makeTestRunDir("retention-sites")
  dirs.push(dir)
  const sites = join(dir.path, "sites")
  cpSync(join(repoRoot, "sites"), sites, { recursive: true })
  if (meshJson !== undefined) writeFileSync(join(sites, "mesh.json"), JSON.stringify(meshJson))
  return sites
}

const dbLayer = () => Db.layerFrom({ url: Redacted.make(database.url), maxConnections: 2 })

beforeAll(async () => {
  database = await createTestDatabase("region-retention")
  client = new pg.Client({ connectionString: database.url })
  await client.connect()
  runtime = ManagedRuntime.make(IdempotencyStore.layer.pipe(Layer.provideMerge(dbLayer())))
  await runtime.runPromise(runMigrations(regionMigrations))
}, 30_000)

afterAll(async () => {
  await runtime?.dispose()
  await client?.end()
  await database?.drop()
  for (const dir of dirs) dir.remove()
})

const count = async (text: string): Promise<number> => Number((await client.query(text)).rows[0].n)

/** One row per table just past its horizon (`old`) or just inside it (`kept`). */
const seed = async (label: string): Promise<void> => {
  const past = (hours: number) => `now() - interval '${hours + 1} hours'`
  const inside = (hours: number) => `now() - interval '${hours - 1} hours'`
  await insertInboxRow(client, `${label}-old`, retention.inboxHours + 1)
  await insertInboxRow(client, `${label}-kept`, retention.inboxHours - 1)
  const outbox = retention.outboxSentHours
  await insertOutboxRow(client, {
    subject: `sys.erp.${label}.sent-old`,
    payload: new Uint8Array([0]),
    ageS: (outbox + 1) * 3600,
    sentAgeS: (outbox + 1) * 3600
  })
  await insertOutboxRow(client, {
    subject: `sys.erp.${label}.sent-kept`,
    payload: new Uint8Array([0]),
    ageS: (outbox + 1) * 3600,
    sentAgeS: (outbox - 1) * 3600
  })
  await insertOutboxRow(client, { subject: `sys.erp.${label}.unsent-old`, payload: new Uint8Array([0]), ageS: 1000 * 3600 })
  const parked = retention.replayedParkedHours
  await insertParkedRow(client, { dedupeKey: `${label}-replayed-old`, parkedAgeHours: parked + 11, replayedAgeHours: parked + 1 })
  await insertParkedRow(client, { dedupeKey: `${label}-replayed-kept`, parkedAgeHours: parked + 11, replayedAgeHours: parked - 1 })
  await insertParkedRow(client, { dedupeKey: `${label}-parked-old`, parkedAgeHours: parked * 2 + 1 })
  const rejections = retention.ownershipRejectionHours
  for (const [kind, at] of [
    ["old", past(rejections)],
    ["kept", inside(rejections)]
  ] as const) {
    await client.query(
      `INSERT INTO governance_ownership_rejection (rejected_at, object, transition, sender, owners, reason, message_id)
       VALUES (${at}, 'order', 'release', 'WES', '{ERP}', 'test', $1)`,
      [`${label}-${kind}`]
    )
  }
}

describe("region retention", () => {
  it("deletes what is past each horizon, keeps what is inside, never an unsent outbox row", async () => {
    await seed("round")
    const store = (key: string) => runtime.runPromise(IdempotencyStore.use((s) => s.claim(key, "hash-1", `api:${key}`)))
    const complete = (key: string) => runtime.runPromise(IdempotencyStore.use((s) => s.complete(key, 201, { status: "applied", key })))
    for (const key of ["ERP:kept", "ERP:old", "ERP:old-pending"]) expect((await store(key))._tag).toBe("New")
    await complete("ERP:kept")
    await complete("ERP:old")
    await client.query(
      `UPDATE api_idempotency SET created_at = now() - interval '${retention.apiIdempotencyHours + 1} hours' WHERE scoped_key IN ('ERP:old', 'ERP:old-pending')`
    )
    await client.query(`UPDATE api_idempotency SET created_at = now() - interval '${retention.apiIdempotencyHours - 1} hours' WHERE scoped_key = 'ERP:kept'`)

    const round = await runtime.runPromise(runRetentionRound(retention))
    expect(round).toEqual({
      deleted: { engine_inbox: 1, engine_outbox: 1, engine_parked: 1, api_idempotency: 2, governance_ownership_rejection: 1 },
      failed: {}
    })
    expect(await inboxHas(client, "round-kept")).toBe(true)
    expect(await outboxSubjects(client)).toEqual(["sys.erp.round.sent-kept", "sys.erp.round.unsent-old"])
    expect(await parkedDedupeKeys(client)).toEqual(["round-parked-old", "round-replayed-kept"])
    expect((await client.query("SELECT message_id FROM governance_ownership_rejection")).rows.map((r) => r.message_id)).toEqual(["round-kept"])

    // A retry inside the horizon answers the stored response; past it, the key is a new request (control).
    expect(await store("ERP:kept")).toEqual({ _tag: "Stored", status: 201, response: { status: "applied", key: "ERP:kept" } })
    expect((await store("ERP:old"))._tag).toBe("New")
    expect((await runtime.runPromise(runRetentionRound(retention))).deleted).toEqual({
      engine_inbox: 0,
      engine_outbox: 0,
      engine_parked: 0,
      api_idempotency: 0,
      governance_ownership_rejection: 0
    })
  })

  it("runs a round as soon as the job's Layer starts", async () => {
    await seed("job")
    const job = ManagedRuntime.make(
      RetentionJob.layer.pipe(Layer.provide(Layer.mergeAll(dbLayer(), Layer.effect(RegionContext, RegionContext.load(sitesCopy(), "eu-west")))))
    )
    try {
      await job.runPromise(Effect.void)
      await waitFor(
        "the job's first round",
        async () =>
          !(await inboxHas(client, "job-old")) && (await count("SELECT count(*) AS n FROM governance_ownership_rejection WHERE message_id = 'job-old'")) === 0
            ? true
            : undefined,
        { timeoutMs: 10_000 }
      )
      expect(await inboxHas(client, "job-kept")).toBe(true)
      expect(await outboxSubjects(client)).toContain("sys.erp.job.unsent-old")
    } finally {
      await job.dispose()
    }
  })

  it("refuses to boot with an Idempotency-Key horizon below 72 h, naming the field", async () => {
    const sites = sitesCopy({ maxOutageHours: 72, duplicateWindowSeconds: 120, retention: { apiIdempotencyHours: 48 } })
    const exit = await Effect.runPromiseExit(
      Layer.build(RegionContext.layer).pipe(
        Effect.scoped,
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ LOGIMESH_SITES_DIR: sites, LOGIMESH_REGION: "eu-west" })))
      )
    )
    const failure = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    const error = failure?._tag === "Fail" ? failure.error : undefined
    expect(error).toBeInstanceOf(ConfigFileError)
    expect((error as ConfigFileError).file).toBe(join(sites, "mesh.json"))
    expect((error as ConfigFileError).issues.map((issue) => issue.path)).toEqual(["retention.apiIdempotencyHours"])
  })
})
