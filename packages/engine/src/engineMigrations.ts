/**
 * The engine's tables (owned by the engine; modules never touch them):
 *
 *   engine_entity  one row per actor: `version` (bumped by every committed step, the optimistic
 *                  check between processes), `event_seq` (last audit row), snapshot `state` at
 *                  `snapshot_seq`, `sources` (last applied per-source sequence)
 *   engine_event   the per-entity audit trail: events and rejections, `seq` 1..n per entity,
 *                  `schema_version` of each event's type when written
 *   engine_inbox   one row per applied input message id (exactly-once; pruned after the retention)
 *   engine_outbox  effects to publish; the relay claims unsent rows with FOR UPDATE SKIP LOCKED
 *   engine_held    early arrivals waiting for a gap in their source's sequence to fill
 *   engine_parked  messages an operator has to look at (parked by a consumer or a hold timeout)
 */
import { sql } from "kysely"
import type { Migrations } from "@logimesh/db"

export const engineMigrations: Migrations = {
  "engine/0001_tables": {
    up: async (db) => {
      await sql`
        CREATE TABLE engine_entity (
          entity_type  text        NOT NULL,
          entity_key   text        NOT NULL,
          version      bigint      NOT NULL DEFAULT 0,
          event_seq    bigint      NOT NULL DEFAULT 0,
          state        jsonb,
          snapshot_seq bigint      NOT NULL DEFAULT 0,
          sources      jsonb       NOT NULL DEFAULT '{}'::jsonb,
          updated_at   timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (entity_type, entity_key)
        );
        CREATE TABLE engine_event (
          entity_type text        NOT NULL,
          entity_key  text        NOT NULL,
          seq         bigint      NOT NULL,
          kind        text        NOT NULL CHECK (kind IN ('event', 'rejection')),
          type        text        NOT NULL,
          payload     jsonb       NOT NULL,
          msg_id      text        NOT NULL,
          source      text,
          source_seq  bigint,
          recorded_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (entity_type, entity_key, seq)
        );
        CREATE TABLE engine_inbox (
          msg_id      text        PRIMARY KEY,
          entity_type text        NOT NULL,
          entity_key  text        NOT NULL,
          received_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX engine_inbox_received_at ON engine_inbox (received_at);
        CREATE TABLE engine_outbox (
          id          bigserial   PRIMARY KEY,
          subject     text        NOT NULL,
          payload     bytea       NOT NULL,
          headers     jsonb       NOT NULL DEFAULT '{}'::jsonb,
          created_at  timestamptz NOT NULL DEFAULT now(),
          sent_at     timestamptz
        );
        CREATE INDEX engine_outbox_unsent ON engine_outbox (id) WHERE sent_at IS NULL;
        CREATE TABLE engine_held (
          entity_type text        NOT NULL,
          entity_key  text        NOT NULL,
          source      text        NOT NULL,
          source_seq  bigint      NOT NULL,
          msg_id      text        NOT NULL,
          subject     text        NOT NULL,
          payload     bytea       NOT NULL,
          headers     jsonb       NOT NULL,
          domain      text        NOT NULL,
          stream      text        NOT NULL,
          consumer    text        NOT NULL,
          stream_seq  bigint      NOT NULL,
          held_at     timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (entity_type, entity_key, source, source_seq)
        );
        CREATE INDEX engine_held_held_at ON engine_held (held_at);
        CREATE TABLE engine_parked (
          id            bigserial   PRIMARY KEY,
          dedupe_key    text        NOT NULL UNIQUE,
          reason        text        NOT NULL,
          detail        text        NOT NULL,
          subject       text        NOT NULL,
          payload       bytea       NOT NULL,
          headers       jsonb       NOT NULL,
          domain        text        NOT NULL,
          stream        text        NOT NULL,
          consumer      text        NOT NULL,
          stream_seq    bigint      NOT NULL,
          msg_id        text,
          entity_type   text,
          entity_key    text,
          status        text        NOT NULL DEFAULT 'parked' CHECK (status IN ('parked', 'replayed')),
          parked_at     timestamptz NOT NULL DEFAULT now(),
          replayed_at   timestamptz,
          replay_msg_id text
        );
        CREATE INDEX engine_parked_status ON engine_parked (status, id);
      `.execute(db)
    }
  },
  "engine/0002_outbox_created_at": {
    // Reconciliation reads the outbox by time window (created_at); without this it scanned the table.
    up: async (db) => {
      await sql`CREATE INDEX IF NOT EXISTS engine_outbox_created_at ON engine_outbox (created_at)`.execute(db)
    }
  },
  "engine/0003_event_schema_version": {
    // The schema version of each stored event (EntityDefinition: upcast on load); rows before it are version 1.
    up: async (db) => {
      await sql`ALTER TABLE engine_event ADD COLUMN IF NOT EXISTS schema_version integer NOT NULL DEFAULT 1`.execute(db)
    }
  }
}
