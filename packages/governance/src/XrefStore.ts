/**
 * Cross-reference ids: which canonical order or shipment an external id
 * stands for (ERP order number, WES order id, dispatch shipment id, carton
 * SSCC, carrier PRO / BOL), looked up both ways.
 *
 * Invariants (held by Postgres constraints, not by read-then-write):
 *  - one external id (namespace, scope, value) maps to one canonical id:
 *    mapping it to another is refused with `XrefConflict`, never overwritten;
 *  - in one-to-one namespaces (ERP order number, WES order id, dispatch
 *    shipment id) a canonical id has one external id per scope;
 *  - registering a mapping that already exists is a no-op (`already_registered`),
 *    so a redelivered message can register again safely.
 *
 * `scope` separates id spaces of different instances of one system (each
 * site's WES numbers its orders on its own): a site id, or "" for global.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { Db, type DbError } from "@logimesh/db"

export const XrefNamespace = Schema.Literals(["erp_order_number", "wes_order_id", "dispatch_shipment_id", "sscc", "carrier_pro", "carrier_bol"])
export type XrefNamespace = typeof XrefNamespace.Type

export const CanonicalKind = Schema.Literals(["order", "shipment"])
export type CanonicalKind = typeof CanonicalKind.Type

/** Which canonical kind the ids of each namespace stand for. */
export const namespaceKind: Readonly<Record<XrefNamespace, CanonicalKind>> = {
  erp_order_number: "order",
  wes_order_id: "order",
  dispatch_shipment_id: "shipment",
  sscc: "shipment",
  carrier_pro: "shipment",
  carrier_bol: "shipment"
}

export interface ExternalRef {
  readonly namespace: XrefNamespace
  readonly scope: string
  readonly externalId: string
}

export interface CanonicalRef {
  readonly kind: CanonicalKind
  readonly id: string
}

export class XrefConflict extends Schema.TaggedError<XrefConflict>()("XrefConflict", {
  namespace: XrefNamespace,
  scope: Schema.String,
  externalId: Schema.String,
  /** What the caller tried to register. */
  requested: Schema.Struct({ kind: CanonicalKind, id: Schema.String }),
  /** What the store already holds: the canonical id the external id maps to, or the external id the canonical one already has. */
  existing: Schema.String
}) {
  get isRetryable(): boolean {
    return false
  }

  override get message(): string {
    const scope = this.scope === "" ? "" : `@${this.scope}`
    return `${this.namespace}${scope} ${this.externalId} cannot map to ${this.requested.kind} ${this.requested.id}: already ${this.existing}`
  }
}

export class XrefKindMismatch extends Schema.TaggedError<XrefKindMismatch>()("XrefKindMismatch", {
  namespace: XrefNamespace,
  expected: CanonicalKind,
  got: CanonicalKind
}) {
  get isRetryable(): boolean {
    return false
  }

  override get message(): string {
    return `${this.namespace} ids stand for a ${this.expected}, not a ${this.got}`
  }
}

type Tables = {
  governance_xref: { namespace: string; scope: string; external_id: string; canonical_kind: string; canonical_id: string; registered_at?: Date }
}

export interface XrefStoreShape {
  readonly register: (
    external: ExternalRef,
    canonical: CanonicalRef
  ) => Effect.Effect<"registered" | "already_registered", XrefConflict | XrefKindMismatch | DbError>
  readonly resolve: (external: ExternalRef) => Effect.Effect<Option.Option<CanonicalRef>, DbError>
  readonly externalIdsOf: (canonical: CanonicalRef) => Effect.Effect<ReadonlyArray<ExternalRef>, DbError>
}

const make = Effect.gen(function* () {
  const db = yield* Db
  const xref =
    (operation: string) =>
    <A>(run: (k: ReturnType<typeof db.kysely.withTables<Tables>>) => Promise<A>) =>
      db.use(operation, (k) => run(k.withTables<Tables>()))

  const resolve: XrefStoreShape["resolve"] = (external) =>
    xref("governance.xref.resolve")((k) =>
      k
        .selectFrom("governance_xref")
        .select(["canonical_kind", "canonical_id"])
        .where("namespace", "=", external.namespace)
        .where("scope", "=", external.scope)
        .where("external_id", "=", external.externalId)
        .executeTakeFirst()
    ).pipe(Effect.map((row) => Option.fromNullishOr(row).pipe(Option.map((r) => ({ kind: r.canonical_kind as CanonicalKind, id: r.canonical_id })))))

  const externalIdsOf: XrefStoreShape["externalIdsOf"] = (canonical) =>
    xref("governance.xref.externalIdsOf")((k) =>
      k
        .selectFrom("governance_xref")
        .select(["namespace", "scope", "external_id"])
        .where("canonical_kind", "=", canonical.kind)
        .where("canonical_id", "=", canonical.id)
        .orderBy("namespace")
        .orderBy("scope")
        .orderBy("external_id")
        .execute()
    ).pipe(Effect.map((rows) => rows.map((r) => ({ namespace: r.namespace as XrefNamespace, scope: r.scope, externalId: r.external_id }))))

  const register: XrefStoreShape["register"] = (external, canonical) =>
    Effect.gen(function* () {
      const expected = namespaceKind[external.namespace]
      if (expected !== canonical.kind) return yield* new XrefKindMismatch({ namespace: external.namespace, expected, got: canonical.kind })
      // The constraints decide; ON CONFLICT waits for a concurrent insert of the same key to commit.
      const inserted = yield* xref("governance.xref.register")((k) =>
        k
          .insertInto("governance_xref")
          .values({
            namespace: external.namespace,
            scope: external.scope,
            external_id: external.externalId,
            canonical_kind: canonical.kind,
            canonical_id: canonical.id
          })
          .onConflict((oc) => oc.doNothing())
          .returning("namespace")
          .execute()
      )
      if (inserted.length > 0) return "registered" as const
      const existing = yield* resolve(external)
      if (Option.isSome(existing)) {
        if (existing.value.kind === canonical.kind && existing.value.id === canonical.id) return "already_registered" as const
        return yield* conflict(external, canonical, `mapped to ${existing.value.kind} ${existing.value.id}`)
      }
      const others = (yield* externalIdsOf(canonical)).filter((e) => e.namespace === external.namespace && e.scope === external.scope)
      return yield* conflict(external, canonical, `${canonical.kind} ${canonical.id} has ${external.namespace} ${others.map((o) => o.externalId).join(", ")}`)
    })

  return { register, resolve, externalIdsOf } satisfies XrefStoreShape
})

const conflict = (external: ExternalRef, canonical: CanonicalRef, existing: string) =>
  new XrefConflict({ namespace: external.namespace, scope: external.scope, externalId: external.externalId, requested: canonical, existing })

export class XrefStore extends Context.Service<XrefStore, XrefStoreShape>()("logimesh/governance/XrefStore") {
  static readonly layer: Layer.Layer<XrefStore, never, Db> = Layer.effect(XrefStore, make)
}
