/**
 * API keys, for callers without an identity provider (table `auth_api_key`,
 * owned by the region's auth module). A key reads `lmk_<id>_<secret>`: the id
 * finds its row, the secret (32 random bytes) is stored only as its SHA-256
 * and compared in constant time. A key is shown once, when issued or rotated;
 * a revoked key is refused from the next request on: revoke and rotate
 * `pg_notify` the key id on `API_KEY_REVOKED_CHANNEL` in the transaction that
 * revokes it, and every region process hears it (`ApiKeyRevocations`) and
 * forgets the key from its cache of verified keys (`Authenticator`). A
 * revocation written by hand (SQL without the notification) is honoured by a
 * process only once its cached verification expires (`FRESH_MS`).
 *
 *   issue   a new key for a principal (system, site for a WES, admin)
 *   list    every key with its principal and state, never a secret
 *   revoke  refuse the key from now on
 *   rotate  a new key for the same principal; the old one is revoked in the same transaction
 *
 * Who calls it: the `Authenticator` (verify), `npm run credentials` and the
 * topology (issue, list, revoke, rotate).
 */
import { Context, Effect, Layer } from "effect"
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { sql } from "kysely"
import type { Migrations } from "@logimesh/db"
import { Db, type DbError } from "@logimesh/db"
import type { SiteId, SourceSystem } from "@logimesh/model"
import { API_KEY_REVOKED_CHANNEL } from "./ApiKeyRevocations.ts"
import { defaultPrincipalId, type Principal } from "./Principal.ts"

export const apiKeyMigrations: Migrations = {
  "auth/0001_api_key": {
    up: async (db) => {
      await sql`
        CREATE TABLE auth_api_key (
          key_id      text        PRIMARY KEY,
          principal   text        NOT NULL,
          system      text        NOT NULL,
          site        text,
          admin       boolean     NOT NULL DEFAULT false,
          secret_hash text        NOT NULL,
          label       text,
          created_at  timestamptz NOT NULL DEFAULT now(),
          revoked_at  timestamptz
        );
        CREATE INDEX auth_api_key_principal ON auth_api_key (principal);
      `.execute(db)
    }
  }
}

export const API_KEY_PREFIX = "lmk_"

/** What a key is issued for. */
export interface ApiKeyGrant {
  readonly system: SourceSystem
  readonly site?: SiteId | undefined
  readonly admin: boolean
  /** Default `defaultPrincipalId(system, site)`: `erp`, `wes@dc-antwerp`. */
  readonly principal?: string | undefined
  readonly label?: string | undefined
}

export interface IssuedApiKey {
  readonly id: string
  /** The whole key, `lmk_<id>_<secret>`: shown once, stored nowhere. */
  readonly key: string
  readonly principal: Principal
}

export interface ApiKeyRecord {
  readonly id: string
  readonly principal: string
  readonly system: string
  readonly site: string | null
  readonly admin: boolean
  readonly label: string | null
  readonly createdAt: string
  readonly revokedAt: string | null
}

export type ApiKeyCheck = { readonly _tag: "Valid"; readonly principal: Principal } | { readonly _tag: "Unknown" } | { readonly _tag: "Revoked" }

export interface ApiKeyStoreShape {
  readonly issue: (grant: ApiKeyGrant) => Effect.Effect<IssuedApiKey, DbError>
  readonly list: Effect.Effect<ReadonlyArray<ApiKeyRecord>, DbError>
  /** False when no key has this id (or it was revoked already). */
  readonly revoke: (id: string) => Effect.Effect<boolean, DbError>
  /** Undefined when no live key has this id. */
  readonly rotate: (id: string) => Effect.Effect<IssuedApiKey | undefined, DbError>
  readonly verify: (key: string) => Effect.Effect<ApiKeyCheck, DbError>
}

const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest()

/** `lmk_<16 hex>_<43 base64url>` -> id and secret; anything else is not a key. */
export const parseApiKey = (key: string): { readonly id: string; readonly secret: string } | undefined => {
  const match = /^lmk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(key)
  return match === null ? undefined : { id: match[1]!, secret: match[2]! }
}

const newKey = () => {
  const id = randomBytes(8).toString("hex")
  const secret = randomBytes(32).toString("base64url")
  return { id, secret, key: `${API_KEY_PREFIX}${id}_${secret}`, hash: sha256(secret).toString("hex") }
}

/** Compared whether or not a row was found, so an unknown id costs what a wrong secret costs. */
const DUMMY_HASH = sha256("no such key").toString("hex")

interface Row {
  readonly key_id: string
  readonly principal: string
  readonly system: string
  readonly site: string | null
  readonly admin: boolean
  readonly secret_hash: string
  readonly label: string | null
  readonly created_at: Date
  readonly revoked_at: Date | null
}

const principalOf = (row: Pick<Row, "principal" | "system" | "site" | "admin">): Principal => ({
  id: row.principal,
  system: row.system as SourceSystem,
  ...(row.site === null ? {} : { site: row.site as SiteId }),
  admin: row.admin
})

export class ApiKeyStore extends Context.Service<ApiKeyStore, ApiKeyStoreShape>()("logimesh/region/ApiKeyStore") {
  static readonly layer = Layer.effect(
    ApiKeyStore,
    Effect.gen(function* () {
      const db = yield* Db
      const insert = (grant: ApiKeyGrant) => {
        const fresh = newKey()
        const principal: Principal = {
          id: grant.principal ?? defaultPrincipalId(grant.system, grant.site),
          system: grant.system,
          ...(grant.site === undefined ? {} : { site: grant.site }),
          admin: grant.admin
        }
        return {
          issued: { id: fresh.id, key: fresh.key, principal } satisfies IssuedApiKey,
          statement: sql`
            INSERT INTO auth_api_key (key_id, principal, system, site, admin, secret_hash, label)
            VALUES (${fresh.id}, ${principal.id}, ${principal.system}, ${principal.site ?? null}, ${principal.admin}, ${fresh.hash}, ${grant.label ?? null})`
        }
      }
      const issue: ApiKeyStoreShape["issue"] = (grant) => {
        const { issued, statement } = insert(grant)
        return db.use("auth.apiKey.issue", (k) => statement.execute(k)).pipe(Effect.as(issued))
      }
      const list: ApiKeyStoreShape["list"] = db
        .use("auth.apiKey.list", (k) =>
          sql<Row>`SELECT key_id, principal, system, site, admin, secret_hash, label, created_at, revoked_at
            FROM auth_api_key ORDER BY created_at, key_id`.execute(k)
        )
        .pipe(
          Effect.map((result) =>
            result.rows.map(
              (row): ApiKeyRecord => ({
                id: row.key_id,
                principal: row.principal,
                system: row.system,
                site: row.site,
                admin: row.admin,
                label: row.label,
                createdAt: row.created_at.toISOString(),
                revokedAt: row.revoked_at === null ? null : row.revoked_at.toISOString()
              })
            )
          )
        )
      // One statement, so one transaction: the notification is sent (on commit) if and only if the row was revoked.
      const revoke: ApiKeyStoreShape["revoke"] = (id) =>
        db
          .use("auth.apiKey.revoke", (k) =>
            sql<{ key_id: string }>`
              WITH revoked AS (UPDATE auth_api_key SET revoked_at = now() WHERE key_id = ${id} AND revoked_at IS NULL RETURNING key_id)
              SELECT key_id, pg_notify(${API_KEY_REVOKED_CHANNEL}, key_id) FROM revoked`.execute(k)
          )
          .pipe(Effect.map((result) => result.rows.length > 0))
      const rotate: ApiKeyStoreShape["rotate"] = (id) =>
        db.transaction("auth.apiKey.rotate", async (tx) => {
          const old = await sql<Row>`
            UPDATE auth_api_key SET revoked_at = now() WHERE key_id = ${id} AND revoked_at IS NULL
            RETURNING key_id, principal, system, site, admin, secret_hash, label, created_at, revoked_at`.execute(tx)
          const row = old.rows[0]
          if (row === undefined) return undefined
          // Every process caching verified keys hears of it when the transaction commits (`ApiKeyRevocations`).
          await sql`SELECT pg_notify(${API_KEY_REVOKED_CHANNEL}, ${row.key_id})`.execute(tx)
          const before = principalOf(row)
          const { issued, statement } = insert({
            system: before.system,
            site: before.site,
            admin: before.admin,
            principal: before.id,
            label: row.label ?? undefined
          })
          await statement.execute(tx)
          return issued
        })
      const verify: ApiKeyStoreShape["verify"] = (key) =>
        Effect.gen(function* () {
          const parsed = parseApiKey(key)
          if (parsed === undefined) return { _tag: "Unknown" } as const
          const found = yield* db.use("auth.apiKey.verify", (k) =>
            sql<Row>`SELECT key_id, principal, system, site, admin, secret_hash, label, created_at, revoked_at
              FROM auth_api_key WHERE key_id = ${parsed.id}`.execute(k)
          )
          const row = found.rows[0]
          const given = sha256(parsed.secret)
          const stored = Buffer.from(row?.secret_hash ?? DUMMY_HASH, "hex")
          const matches = stored.length === given.length && timingSafeEqual(stored, given)
          if (row === undefined || !matches) return { _tag: "Unknown" } as const
          if (row.revoked_at !== null) return { _tag: "Revoked" } as const
          return { _tag: "Valid", principal: principalOf(row) } as const
        })
      return ApiKeyStore.of({ issue, list, revoke, rotate, verify })
    })
  )
}
