/**
 * Governance at a real consumer (real nats-server, real Postgres, the bus's
 * ConsumerRunner, the repository's `sites/governance/`): an intake handler
 * decodes each change once at the edge, enforces system-of-record ownership,
 * maps external status codes and converts units, then applies the change.
 *
 * For every row of the ownership table and every source system: the owner's
 * change is applied; a non-owner's is refused, recorded in
 * `governance_ownership_rejection`, counted in the metric and parked in the
 * DLQ with a readable reason. An unknown status code, an unknown unit and
 * malformed JSON are parked with their reasons too; nothing is applied twice
 * and nothing is dropped: applied + parked = published.
 */
import { Duration, Effect, Exit, Layer, ManagedRuntime, Metric, Redacted, Schema, Scope } from "effect"
import { sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  applyStreams,
  BusHeaders,
  type BusMessage,
  ConsumerRunner,
  consumerTarget,
  JetStreamPublisher,
  limitsStream,
  NatsConnection,
  Outcome,
  Subjects
} from "@logimesh/bus"
import { loadMeshConfig } from "@logimesh/config"
import { Db, runMigrations } from "@logimesh/db"
import {
  convert,
  type GovernanceData,
  governanceMigrations,
  loadGovernance,
  type OwnershipChange,
  OwnershipGuard,
  ownershipRejectionsOf,
  toCanonicalStatus
} from "../src/index.ts"
import { definedFields, messageIssuesOf, Quantity, SourceSystem, UnitCode } from "@logimesh/model"
import { createTestDatabase, randomSuffix, type TestDatabase, startTestNats, type TestNats } from "@logimesh/testkit"
import { repoRoot, waitFor } from "@logimesh/topology"
import { join } from "node:path"
import { allSystems, ownershipTable } from "./ownershipTable.ts"

/** What a site or central system sends to the intake (vendor fields already mapped by an adapter). */
const IntakeChange = Schema.Struct({
  object: Schema.NonEmptyString,
  transition: Schema.NonEmptyString,
  sender: SourceSystem,
  site: Schema.optionalKey(Schema.NonEmptyString),
  businessKey: Schema.NonEmptyString,
  status: Schema.optionalKey(Schema.Struct({ system: SourceSystem, code: Schema.String })),
  quantity: Schema.optionalKey(Schema.Struct({ item: Schema.String, value: Quantity, to: UnitCode }))
})

/** A change the intake cannot use (malformed JSON, a schema violation): terminal, so the runner parks it at once. */
class InvalidMessage extends Schema.TaggedError<InvalidMessage>()("InvalidMessage", { detail: Schema.String }) {
  get isRetryable(): boolean {
    return false
  }

  override get message(): string {
    return this.detail
  }
}

/** Decode once at the edge: JSON, then the schema, naming every failing field. */
const decodeChange = (data: Uint8Array) =>
  Effect.gen(function* () {
    const json = yield* Effect.try({
      try: () => JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data)) as unknown,
      catch: (cause) => new InvalidMessage({ detail: `not valid JSON: ${String(cause)}` })
    })
    return yield* Schema.decodeUnknownEffect(IntakeChange)(json, { errors: "all" }).pipe(
      Effect.mapError(
        (error) =>
          new InvalidMessage({
            detail: messageIssuesOf(error.issue)
              .map((i) => `${i.path || "(message)"}: ${i.message}`)
              .join("; ")
          })
      )
    )
  })

type Tables = { intake_applied: { msg_id: string; business_key: string; sender: string; status: string | null; quantity: string | null } }

const token = `g${randomSuffix()}`
const site = token
const stream = `GOV_${token}`
const dlqStream = `GOVDLQ_${token}`
const consumer = `intake_${token}`
const encode = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value))

let nats: TestNats
let database: TestDatabase
let governance: GovernanceData
let runtime: ManagedRuntime.ManagedRuntime<Db | OwnershipGuard | NatsConnection | JetStreamPublisher | ConsumerRunner, unknown>
let scope: Scope.Closeable

const definition = {
  domain: undefined,
  stream,
  name: consumer,
  description: "governed intake",
  filterSubject: undefined,
  ackWait: Duration.seconds(10),
  maxDeliver: 3,
  maxAckPending: 500,
  backoff: [],
  deadLetterSubject: Subjects.deadLetter(token, stream, consumer),
  deadLetterDomain: undefined
}

/** The intake handler: decode once, enforce ownership, map status, convert units, apply; any terminal error parks. */
const intake = (message: BusMessage) =>
  Effect.gen(function* () {
    const change = yield* decodeChange(message.data)
    const guard = yield* OwnershipGuard
    yield* guard.enforce(change as OwnershipChange, message.msgId === undefined ? {} : { messageId: message.msgId })
    const status =
      change.status === undefined
        ? null
        : yield* Effect.fromResult(toCanonicalStatus(governance.statusCodes, change.status.system, "Milestone", change.status.code))
    const quantity =
      change.quantity === undefined
        ? null
        : yield* Effect.fromResult(convert(governance.uom, change.quantity.value, change.quantity.to, { item: change.quantity.item }))
    const db = yield* Db
    yield* db.use("intake.apply", (k) =>
      k
        .withTables<Tables>()
        .insertInto("intake_applied")
        .values({
          msg_id: message.msgId ?? `seq:${message.streamSequence}`,
          business_key: change.businessKey,
          sender: change.sender,
          status: status === null ? null : String(status),
          quantity: quantity === null ? null : quantity.toString()
        })
        .execute()
    )
    return Outcome.Ack()
  })

beforeAll(async () => {
  ;[nats, database] = await Promise.all([startTestNats("governed-intake"), createTestDatabase("governed_intake")])
  const sites = join(repoRoot, "sites")
  governance = await Effect.runPromise(loadMeshConfig(sites).pipe(Effect.flatMap((mesh) => loadGovernance(sites, mesh))))
  const db = Db.layerFrom({ url: Redacted.make(database.url), maxConnections: 4 })
  const bus = Layer.mergeAll(JetStreamPublisher.layer, ConsumerRunner.layer).pipe(
    Layer.provideMerge(NatsConnection.layerFrom({ url: nats.url, name: "governed-intake" }))
  )
  runtime = ManagedRuntime.make(Layer.mergeAll(OwnershipGuard.layerFrom(governance.ownership).pipe(Layer.provideMerge(db)), bus))
  await runtime.runPromise(
    Effect.gen(function* () {
      yield* runMigrations(governanceMigrations)
      const db = yield* Db
      yield* db.use("intake.table", (k) =>
        sql`CREATE TABLE intake_applied (msg_id text PRIMARY KEY, business_key text NOT NULL, sender text NOT NULL, status text, quantity text)`.execute(k)
      )
      const limits = { description: "governed intake", maxAge: Duration.hours(1), duplicateWindow: Duration.minutes(2) }
      yield* applyStreams({
        streams: [
          limitsStream({ ...limits, name: stream, subjects: [Subjects.siteEvents(site)] }),
          limitsStream({ ...limits, name: dlqStream, subjects: [Subjects.deadLetters(token)] })
        ],
        consumers: [definition]
      })
    })
  )
  scope = await Effect.runPromise(Scope.make())
  await runtime.runPromise(ConsumerRunner.use((r) => r.run({ ...consumerTarget(definition), concurrency: 8, handler: intake })).pipe(Scope.provide(scope)))
})

afterAll(async () => {
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  await runtime?.dispose()
  await nats?.stop()
  await database?.drop()
})

interface Parked {
  readonly msgId: string
  readonly reason: string
  readonly detail: string
}

const parkedMessages = (expected: number) =>
  runtime.runPromise(
    NatsConnection.use((n) =>
      Effect.promise(async () => {
        const ordered = await n.jetstream().consumers.get(dlqStream)
        const iterator = await ordered.consume()
        const all: Array<Parked> = []
        for await (const m of iterator) {
          all.push({
            msgId: m.headers?.get(BusHeaders.originalMsgId) ?? "",
            reason: m.headers?.get(BusHeaders.parkReason) ?? "",
            detail: m.headers?.get(BusHeaders.parkDetail) ?? ""
          })
          if (all.length >= expected) break
        }
        await iterator.close()
        return all
      })
    )
  )

const count = (text: ReturnType<typeof sql<{ n: string }>>) =>
  runtime.runPromise(Db.use((db) => db.use("count", (k) => text.execute(k)))).then((r) => Number(r.rows[0]?.n ?? 0))

describe("governed intake", () => {
  it("applies owners' changes, parks and records everything else with a readable reason", async () => {
    const published: Array<{ msgId: string; owner: boolean }> = []
    const metricBefore = new Map<string, number>()
    const publish = (msgId: string, body: unknown) =>
      runtime.runPromise(JetStreamPublisher.use((p) => p.publish(Subjects.siteEvent(site, "change"), encode(body), { msgId })))

    for (const row of ownershipTable) {
      for (const sender of allSystems) {
        const labels = { object: row.object, transition: row.transition, sender }
        const key = JSON.stringify(labels)
        // Read once, before the first message with these labels is published (two site rows can share labels).
        if (!metricBefore.has(key)) metricBefore.set(key, Number((await runtime.runPromise(Metric.value(ownershipRejectionsOf(labels)))).count))
        const msgId = `${token}:${row.object}:${row.transition}:${row.site ?? "-"}:${sender}`
        published.push({ msgId, owner: row.owners.includes(sender) })
        await publish(msgId, {
          object: row.object,
          transition: row.transition,
          sender,
          businessKey: `BK-${row.object}`,
          ...definedFields({ site: row.site })
        })
      }
    }
    // A carrier milestone with a code nobody mapped, a unit nobody declared, and malformed JSON.
    await publish(`${token}:bad-status`, {
      object: "Milestone",
      transition: "arrive",
      sender: "CARRIER",
      businessKey: "SHP-1",
      status: { system: "CARRIER", code: "A3" }
    })
    await publish(`${token}:bad-unit`, {
      object: "PickTask",
      transition: "confirm_pick",
      sender: "WES",
      site: "dc-rotterdam",
      businessKey: "SO-9",
      quantity: { item: "SKU-42", value: { amount: "2", unit: "BOX" }, to: "EA" }
    })
    await publish(`${token}:bad-json`, '{ "object": "SalesOrder", ')
    // Two changes that pass everything, with a mapped status and an exact conversion.
    await publish(`${token}:good-status`, {
      object: "Milestone",
      transition: "arrive",
      sender: "CARRIER",
      businessKey: "SHP-2",
      status: { system: "CARRIER", code: "X1" }
    })
    await publish(`${token}:good-unit`, {
      object: "PickTask",
      transition: "confirm_pick",
      sender: "WES",
      site: "dc-rotterdam",
      businessKey: "SO-10",
      quantity: { item: "SKU-42", value: { amount: "2", unit: "CS" }, to: "EA" }
    })

    const owners = published.filter((p) => p.owner).length
    const refused = published.length - owners
    const expectedApplied = owners + 2
    const expectedParked = refused + 3
    await waitFor(
      "every change applied or parked",
      async () => {
        const applied = await count(sql<{ n: string }>`SELECT count(*) AS n FROM intake_applied`)
        const info = await runtime.runPromise(
          NatsConnection.use((n) => n.jetstreamManager().pipe(Effect.flatMap((jsm) => Effect.promise(() => jsm.streams.info(dlqStream)))))
        )
        return applied === expectedApplied && info.state.messages === expectedParked ? true : undefined
      },
      { timeoutMs: 30_000, intervalMs: 100 }
    )

    // Owners' changes applied, exactly once each.
    const applied = await runtime.runPromise(
      Db.use((db) => db.use("applied", (k) => k.withTables<Tables>().selectFrom("intake_applied").selectAll().execute()))
    )
    expect(new Set(applied.map((a) => a.msg_id))).toEqual(
      new Set([...published.filter((p) => p.owner).map((p) => p.msgId), `${token}:good-status`, `${token}:good-unit`])
    )
    expect(applied.find((a) => a.msg_id === `${token}:good-status`)?.status).toBe("arrived")
    expect(applied.find((a) => a.msg_id === `${token}:good-unit`)?.quantity).toBe("24 EA")

    // Every refusal recorded in the audit table and counted in the metric.
    expect(await count(sql<{ n: string }>`SELECT count(*) AS n FROM governance_ownership_rejection`)).toBe(refused)
    for (const row of ownershipTable) {
      for (const sender of allSystems.filter((s) => !row.owners.includes(s))) {
        const labels = { object: row.object, transition: row.transition, sender }
        const after = Number((await runtime.runPromise(Metric.value(ownershipRejectionsOf(labels)))).count)
        // The same (object, transition, sender) can appear on two site rows; each refusal counts once.
        const rowsWithLabels = ownershipTable.filter((r) => r.object === row.object && r.transition === row.transition && !r.owners.includes(sender)).length
        expect(after - (metricBefore.get(JSON.stringify(labels)) ?? 0)).toBe(rowsWithLabels)
      }
    }

    // Everything else parked, with the reason an operator can act on.
    const parked = await parkedMessages(expectedParked)
    const byId = new Map(parked.map((p) => [p.msgId, p]))
    for (const p of published.filter((p) => !p.owner)) {
      expect(byId.get(p.msgId)?.reason).toBe("OwnershipViolation")
      expect(byId.get(p.msgId)?.detail).toMatch(/may not/)
    }
    expect(byId.get(`${token}:bad-status`)).toMatchObject({ reason: "UnknownStatusCode" })
    expect(byId.get(`${token}:bad-status`)?.detail).toContain('unknown CARRIER status code "A3"')
    expect(byId.get(`${token}:bad-unit`)).toMatchObject({ reason: "UomError" })
    expect(byId.get(`${token}:bad-unit`)?.detail).toContain("BOX")
    expect(byId.get(`${token}:bad-json`)).toMatchObject({ reason: "InvalidMessage" })
    expect(byId.get(`${token}:bad-json`)?.detail).toContain("not valid JSON")
    expect(applied.length + parked.length).toBe(published.length + 5)
  })
})
