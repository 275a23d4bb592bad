/**
 * The `Authenticator`'s cache of verified API keys against a real Postgres,
 * with the `ApiKeyRevocations` listener of the region's Layer. Lookups are
 * counted by wrapping `ApiKeyStore.verify`; "by hand" means a raw SQL UPDATE
 * that sends no notification (a database refusing the key while the cache
 * answers is the control that the cache is what answered):
 *   - a key verified once authenticates without a lookup, even once its row is
 *     revoked by hand; a wrong secret under a cached id still goes to the database;
 *   - a revocation or rotation by another process (`withApiKeyStore`, as
 *     `npm run credentials` runs it) is refused within 2 s, other keys stay
 *     cached; one heard while a lookup of the key was under way (the lookup
 *     read the row before the commit) is not undone by caching that answer;
 *     a notification rolled back evicts nothing;
 *   - the listener's connection killed: every request goes to the database (a
 *     revocation by hand is honoured at once) until LISTEN stands again, then
 *     caching resumes.
 */
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Db, runMigrations } from "@logimesh/db"
import { createTestDatabase, type TestDatabase } from "@logimesh/testkit"
import { waitFor } from "@logimesh/topology"
import { withApiKeyStore } from "../src/auth/ApiKeyAdmin.ts"
import { ApiKeyRevocations } from "../src/auth/ApiKeyRevocations.ts"
import { ApiKeyStore } from "../src/auth/ApiKeyStore.ts"
import { Authenticator, type AuthenticatorShape } from "../src/auth/Authenticator.ts"
import { regionMigrations } from "../src/regionMigrations.ts"

let database: TestDatabase
/** SQL by hand: no notification. */
let client: pg.Client
let runtime: ManagedRuntime.ManagedRuntime<Db | ApiKeyStore | ApiKeyRevocations, never>
let store: ApiKeyStore["Service"]
let revocations: ApiKeyRevocations["Service"]
let authenticator: AuthenticatorShape
/** Lookups the authenticator made in the database. */
let lookups = 0
/** Runs after the next lookup's answer was read, before the authenticator gets it. */
let afterNextLookup: (() => Promise<void>) | undefined

beforeAll(async () => {
  database = await createTestDatabase("region-apikey-cache")
  client = new pg.Client({ connectionString: database.url })
  await client.connect()
  const url = Redacted.make(database.url)
  runtime = ManagedRuntime.make(
    Layer.mergeAll(ApiKeyStore.layer, ApiKeyRevocations.layerFrom(url, { initialMs: 1_500, maxMs: 3_000 })).pipe(
      Layer.provideMerge(Db.layerFrom({ url, maxConnections: 2, applicationName: "apikey-cache-region" }))
    )
  )
  await runtime.runPromise(runMigrations(regionMigrations))
  store = await runtime.runPromise(
    Effect.gen(function* () {
      return yield* ApiKeyStore
    })
  )
  revocations = await runtime.runPromise(
    Effect.gen(function* () {
      return yield* ApiKeyRevocations
    })
  )
  const counted: ApiKeyStore["Service"] = {
    ...store,
    verify: (key) =>
      Effect.suspend(() => {
        lookups += 1
        const hook = afterNextLookup
        afterNextLookup = undefined
        return hook === undefined ? store.verify(key) : Effect.tap(store.verify(key), () => Effect.promise(hook))
      })
  }
  authenticator = Authenticator.make(counted, undefined, Effect.succeed(true), revocations)
  await until("the revocation listener", () => revocations.session() !== undefined, 10_000)
}, 30_000)

afterAll(async () => {
  await runtime?.dispose()
  await client?.end()
  await database?.drop()
})

const until = (what: string, holds: () => boolean, timeoutMs: number) =>
  waitFor(what, () => Promise.resolve(holds() ? true : undefined), { timeoutMs, intervalMs: 10 })

/** The principal's id, or the refusal's reason (`RevokedApiKey`, `UnknownApiKey`, `DbError`). */
const authenticate = (key: string, auth: AuthenticatorShape = authenticator): Promise<string> =>
  Effect.runPromise(
    auth
      .authenticate({ "x-api-key": key })
      .pipe(Effect.match({ onSuccess: (principal) => principal.id, onFailure: (error) => (error._tag === "Unauthenticated" ? error.reason : error._tag) }))
  )

const issue = (principal: string) => runtime.runPromise(store.issue({ system: "ERP", admin: false, principal }))
const revokeByHand = (id: string) => client.query("UPDATE auth_api_key SET revoked_at = now() WHERE key_id = $1", [id])
const revokedInDb = async (id: string) =>
  (await client.query("SELECT revoked_at IS NOT NULL AS revoked FROM auth_api_key WHERE key_id = $1", [id])).rows[0]?.revoked
/** An authenticator of a process that never verified anything: what the database says now. */
const uncached = () => Authenticator.make(store, undefined, Effect.succeed(true))

/** Polls `authenticate(key)` until it answers `expected` (up to `timeoutMs`); the answers seen. */
const pollUntil = async (key: string, expected: string, timeoutMs = 2_000) => {
  const deadline = Date.now() + timeoutMs
  let answer = await authenticate(key)
  while (answer !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    answer = await authenticate(key)
  }
  return answer
}

describe("a key verified once", () => {
  it("authenticates without a database lookup, even after its row is revoked by hand (the cache answers)", async () => {
    const issued = await issue("erp-cached")
    const before = lookups
    expect(await authenticate(issued.key)).toBe("erp-cached")
    expect(lookups).toBe(before + 1)
    for (let i = 0; i < 5; i++) expect(await authenticate(issued.key)).toBe("erp-cached")
    expect(lookups).toBe(before + 1)
    await revokeByHand(issued.id)
    expect(await revokedInDb(issued.id)).toBe(true)
    expect(await authenticate(issued.key, uncached())).toBe("RevokedApiKey")
    expect(await authenticate(issued.key)).toBe("erp-cached")
    expect(lookups).toBe(before + 1)
  })

  it("a wrong secret under a cached id is looked up (and refused), the cached key still answers from memory", async () => {
    const issued = await issue("erp-wrong-secret")
    expect(await authenticate(issued.key)).toBe("erp-wrong-secret")
    const before = lookups
    const forged = `${issued.key.slice(0, -4)}${issued.key.endsWith("AAAA") ? "BBBB" : "AAAA"}`
    expect(await authenticate(forged)).toBe("UnknownApiKey")
    expect(lookups).toBe(before + 1)
    expect(await authenticate(issued.key)).toBe("erp-wrong-secret")
    expect(lookups).toBe(before + 1)
  })
})

describe("a revocation by another process", () => {
  it("revoke (the credentials CLI's connection): the cached key is refused within 2 s", async () => {
    const issued = await issue("erp-revoked-elsewhere")
    const other = await issue("erp-bystander")
    expect(await authenticate(issued.key)).toBe("erp-revoked-elsewhere")
    expect(await authenticate(other.key)).toBe("erp-bystander")
    expect(await authenticate(issued.key)).toBe("erp-revoked-elsewhere")
    expect(await withApiKeyStore(database.url, (elsewhere) => elsewhere.revoke(issued.id))).toBe(true)
    expect(await pollUntil(issued.key, "RevokedApiKey")).toBe("RevokedApiKey")
    expect(await revokedInDb(issued.id)).toBe(true)
    expect(await authenticate(issued.key)).toBe("RevokedApiKey")
    // Only the revoked key was forgotten: the bystander still answers from memory.
    const before = lookups
    expect(await authenticate(other.key)).toBe("erp-bystander")
    expect(lookups).toBe(before)
  })

  it("rotate: the cached old key is refused within 2 s, the new one authenticates as the same principal", async () => {
    const issued = await issue("erp-rotated-elsewhere")
    expect(await authenticate(issued.key)).toBe("erp-rotated-elsewhere")
    expect(await authenticate(issued.key)).toBe("erp-rotated-elsewhere")
    const rotated = await withApiKeyStore(database.url, (elsewhere) => elsewhere.rotate(issued.id))
    expect(rotated).toBeDefined()
    expect(await pollUntil(issued.key, "RevokedApiKey")).toBe("RevokedApiKey")
    expect(await authenticate(rotated?.key ?? "")).toBe("erp-rotated-elsewhere")
  })

  it("a revocation heard while the lookup was under way: its (older) answer is used once, not cached", async () => {
    const issued = await issue("erp-raced")
    afterNextLookup = async () => {
      const heard = revocations.heard()
      expect(await withApiKeyStore(database.url, (elsewhere) => elsewhere.revoke(issued.id))).toBe(true)
      await until("the revocation to be heard", () => revocations.heard() > heard, 2_000)
    }
    expect(await authenticate(issued.key)).toBe("erp-raced")
    expect(afterNextLookup).toBeUndefined()
    const before = lookups
    expect(await authenticate(issued.key)).toBe("RevokedApiKey")
    expect(lookups).toBe(before + 1)
  })

  it("a revocation that sends no notification (rolled back) leaves the cache as it was", async () => {
    const issued = await issue("erp-rolled-back")
    expect(await authenticate(issued.key)).toBe("erp-rolled-back")
    await client.query("BEGIN")
    await client.query("SELECT pg_notify('logimesh_api_key_revoked', $1)", [issued.id])
    await client.query("ROLLBACK")
    await new Promise((resolve) => setTimeout(resolve, 200))
    const before = lookups
    expect(await authenticate(issued.key)).toBe("erp-rolled-back")
    expect(lookups).toBe(before)
  })
})

describe("the listener's connection lost", () => {
  it("empties the cache: every request goes to the database until LISTEN stands again, then caching resumes", async () => {
    const cached = await issue("erp-cached-before-loss")
    const revoked = await issue("erp-revoked-during-loss")
    expect(await authenticate(cached.key)).toBe("erp-cached-before-loss")
    expect(await authenticate(revoked.key)).toBe("erp-revoked-during-loss")
    const killed = await client.query(
      "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'logimesh-key-revocations'"
    )
    expect(killed.rows).toEqual([{ done: true }])
    await until("the listener to notice its loss", () => revocations.session() === undefined, 2_000)
    // Revoked by hand while nobody listens: honoured at once, the database is asked.
    await revokeByHand(revoked.id)
    let before = lookups
    expect(await authenticate(revoked.key)).toBe("RevokedApiKey")
    expect(lookups).toBe(before + 1)
    // A key verified before the loss is looked up again, and every time while the listener is down.
    before = lookups
    expect(await authenticate(cached.key)).toBe("erp-cached-before-loss")
    expect(await authenticate(cached.key)).toBe("erp-cached-before-loss")
    expect(lookups).toBe(before + 2)
    expect(revocations.session()).toBeUndefined()
    // Back: the first request looks the key up, the next ones answer from memory (a revocation by hand unseen).
    await until("the listener to reconnect", () => revocations.session() !== undefined, 10_000)
    before = lookups
    expect(await authenticate(cached.key)).toBe("erp-cached-before-loss")
    expect(lookups).toBe(before + 1)
    await revokeByHand(cached.id)
    expect(await authenticate(cached.key)).toBe("erp-cached-before-loss")
    expect(lookups).toBe(before + 1)
    // And revocations are heard again.
    const later = await issue("erp-after-reconnect")
    expect(await authenticate(later.key)).toBe("erp-after-reconnect")
    expect(await withApiKeyStore(database.url, (elsewhere) => elsewhere.revoke(later.id))).toBe(true)
    expect(await pollUntil(later.key, "RevokedApiKey")).toBe("RevokedApiKey")
  }, 30_000)
})
