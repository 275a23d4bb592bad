/**
 * Tables of the governance package (the region runs these with the other
 * modules' migrations):
 *
 *   governance_ownership_rejection  audit trail of every non-owner change refused
 *                                   (pruned after the audit horizon by age)
 *   governance_xref                 external id <-> canonical id; the primary key
 *                                   refuses one external id for two canonical
 *                                   ids, a partial unique index refuses a second
 *                                   id of a one-to-one namespace
 */
import type { Migrations } from "@logimesh/db"
import { sql } from "kysely"

export const governanceMigrations: Migrations = {
  "governance/0001_ownership_rejection_and_xref": {
    up: async (db) => {
      await db.schema
        .createTable("governance_ownership_rejection")
        .addColumn("id", "bigserial", (c) => c.primaryKey())
        .addColumn("rejected_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn("object", "text", (c) => c.notNull())
        .addColumn("transition", "text", (c) => c.notNull())
        .addColumn("sender", "text", (c) => c.notNull())
        .addColumn("owners", sql`text[]`, (c) => c.notNull())
        .addColumn("site", "text")
        .addColumn("business_key", "text")
        .addColumn("message_id", "text")
        .addColumn("reason", "text", (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex("governance_ownership_rejection_by_object")
        .on("governance_ownership_rejection")
        .columns(["object", "transition", "rejected_at"])
        .execute()

      await db.schema
        .createTable("governance_xref")
        .addColumn("namespace", "text", (c) => c.notNull())
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("external_id", "text", (c) => c.notNull())
        .addColumn("canonical_kind", "text", (c) => c.notNull())
        .addColumn("canonical_id", "text", (c) => c.notNull())
        .addColumn("registered_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint("governance_xref_external", ["namespace", "scope", "external_id"])
        .execute()
      await db.schema.createIndex("governance_xref_by_canonical").on("governance_xref").columns(["canonical_kind", "canonical_id"]).execute()
      await sql`CREATE UNIQUE INDEX governance_xref_one_to_one ON governance_xref (namespace, scope, canonical_kind, canonical_id)
        WHERE namespace IN ('erp_order_number', 'wes_order_id', 'dispatch_shipment_id')`.execute(db)
    }
  },
  "governance/0002_ownership_rejection_once_per_message": {
    // A redelivered refused message (a lost term(), a crash before the park) is recorded once.
    up: async (db) => {
      await sql`
        CREATE UNIQUE INDEX governance_ownership_rejection_once ON governance_ownership_rejection (message_id, object, transition)
        WHERE message_id IS NOT NULL`.execute(db)
    }
  },
  "governance/0003_ownership_rejection_rejected_at": {
    // Retention deletes rejections by age, chunk by chunk, through this index.
    up: async (db) => {
      await sql`CREATE INDEX IF NOT EXISTS governance_ownership_rejection_rejected_at ON governance_ownership_rejection (rejected_at)`.execute(db)
    }
  }
}
