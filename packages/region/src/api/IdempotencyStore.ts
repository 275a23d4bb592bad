/**
 * `Idempotency-Key` for the command API (table `api_idempotency`, owned by
 * the API). A key is scoped by the calling principal (`["<principal id>", "<key>"]`). The first request with a
 * key claims it with the hash of its method, path and body and the message id
 * its command is published under; the response is stored once the step has
 * committed. The same key again:
 *   - same hash, response stored   -> the stored response (no new effect)
 *   - same hash, still pending     -> wait for the same message id's outcome
 *   - different hash               -> `KeyReused` (the API answers 422)
 * The message id is derived from the key, so even two concurrent first
 * requests publish one message and the module's inbox applies it once.
 *
 * Keys are kept `retention.apiIdempotencyHours` (at least 72 h: webhook
 * senders retry for up to 3 days), then `pruneIdempotencyKeys` deletes them
 * (the region's retention job). A retry after that is a new request, but it
 * publishes under the same derived message id, so the module's inbox (kept
 * at least as long) still refuses a second effect.
 */
import { type Duration, Context, Effect, Layer } from "effect"
import { sql } from "kysely"
import type { Migrations } from "@logimesh/db"
import { Db, type DbError, horizonCutoff, pruneTable } from "@logimesh/db"

export const idempotencyMigrations: Migrations = {
  "api/0001_idempotency": {
    up: async (db) => {
      await sql`
        CREATE TABLE api_idempotency (
          scoped_key   text        PRIMARY KEY,
          request_hash text        NOT NULL,
          msg_id       text        NOT NULL,
          status       integer,
          response     jsonb,
          created_at   timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX api_idempotency_created_at ON api_idempotency (created_at);
      `.execute(db)
    }
  }
}

export type Claim =
  | { readonly _tag: "New" }
  | { readonly _tag: "Stored"; readonly status: number; readonly response: unknown }
  | { readonly _tag: "Pending"; readonly msgId: string }
  | { readonly _tag: "KeyReused" }

export interface IdempotencyStoreShape {
  readonly claim: (scopedKey: string, requestHash: string, msgId: string) => Effect.Effect<Claim, DbError>
  readonly complete: (scopedKey: string, status: number, response: unknown) => Effect.Effect<void, DbError>
}

export class IdempotencyStore extends Context.Service<IdempotencyStore, IdempotencyStoreShape>()("logimesh/region/IdempotencyStore") {
  static readonly layer = Layer.effect(
    IdempotencyStore,
    Effect.gen(function* () {
      const db = yield* Db
      const claim: IdempotencyStoreShape["claim"] = (scopedKey, requestHash, msgId) =>
        db.use("api.idempotency.claim", async (k) => {
          const inserted = await sql<{ scoped_key: string }>`
            INSERT INTO api_idempotency (scoped_key, request_hash, msg_id) VALUES (${scopedKey}, ${requestHash}, ${msgId})
            ON CONFLICT (scoped_key) DO NOTHING RETURNING scoped_key`.execute(k)
          if (inserted.rows.length > 0) return { _tag: "New" } as const
          const existing = await sql<{ request_hash: string; msg_id: string; status: number | null; response: unknown }>`
            SELECT request_hash, msg_id, status, response FROM api_idempotency WHERE scoped_key = ${scopedKey}`.execute(k)
          const row = existing.rows[0]
          if (row === undefined) return { _tag: "New" } as const
          if (row.request_hash !== requestHash) return { _tag: "KeyReused" } as const
          if (row.status !== null) return { _tag: "Stored", status: row.status, response: row.response } as const
          return { _tag: "Pending", msgId: row.msg_id } as const
        })
      const complete: IdempotencyStoreShape["complete"] = (scopedKey, status, response) =>
        db
          .use("api.idempotency.complete", (k) =>
            sql`UPDATE api_idempotency SET status = ${status}, response = ${JSON.stringify(response)}::jsonb
              WHERE scoped_key = ${scopedKey} AND status IS NULL`.execute(k)
          )
          .pipe(Effect.asVoid)
      return IdempotencyStore.of({ claim, complete })
    })
  )
}

/** Deletes keys claimed longer ago than `horizon` (stored or still pending); returns how many. */
export const pruneIdempotencyKeys = (horizon: Duration.Input, chunk?: number): Effect.Effect<number, DbError, Db> =>
  pruneTable({
    table: "api_idempotency",
    chunk,
    deleteChunk: (limit) =>
      sql`
        DELETE FROM api_idempotency WHERE scoped_key IN (
          SELECT scoped_key FROM api_idempotency WHERE created_at < ${horizonCutoff(horizon)} ORDER BY created_at LIMIT ${limit})`
  })
