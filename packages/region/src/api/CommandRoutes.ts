/**
 * Serves every command route of the `/v1` API (`commandTable.ts`) the same
 * way, in this order, answering at the first problem:
 *   1. `X-Source-System` names the caller (400 if missing or unknown);
 *   2. the body is JSON (400 "malformed JSON");
 *   3. reference checks: sites, items, units (count quantities normalised), docks (422 naming each field);
 *   4. the command schema (422 naming each field);
 *   5. ownership: the caller owns the transition, or 403 (recorded in the ownership audit, shown in the timeline);
 *   6. `Idempotency-Key`: a repeat returns the stored response; a reused key with another body is 422;
 *   7. the command goes to its module's actor (`CommandGateway`); the answer is its events (200/201),
 *      its rejection (409 when the state does not allow it, 422 otherwise), or 202 if it has not committed in time.
 * Nothing is applied before step 7, so a refused request changes nothing.
 */
import { Effect, Result, Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { createHash, randomUUID } from "node:crypto"
import { OwnershipGuard } from "@logimesh/governance"
import { messageIssuesOf, SourceSystem } from "@logimesh/model"
import { CommandGateway, type CommandResult } from "./CommandGateway.ts"
import type { CommandRoute } from "./CommandRoute.ts"
import { commandTable } from "./commandTable.ts"
import { IdempotencyStore } from "./IdempotencyStore.ts"
import { problemBody, problemResponse, unavailable, withCorrelation } from "./problems.ts"
import { ReferenceDataService } from "./ReferenceDataService.ts"
import { checkReferences } from "./ReferenceChecks.ts"

const decodeSource = Schema.decodeUnknownResult(SourceSystem)
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

/** Status and JSON body of a command's outcome (stored with its Idempotency-Key). */
const outcomeResponse = (route: CommandRoute, key: string, msgId: string, result: CommandResult): { status: number; body: unknown } => {
  switch (result._tag) {
    case "Applied":
      return {
        status: route.created === true && result.events.length > 0 ? 201 : 200,
        body: {
          status: result.events.length === 0 ? "unchanged" : "applied",
          module: route.module,
          key,
          msgId,
          events: result.events.map((e) => ({ seq: e.seq, type: e.type, data: e.payload }))
        }
      }
    case "Rejected": {
      const payload = (result.rejection.payload ?? {}) as Record<string, unknown>
      const invalidState = result.rejection.type === "InvalidState"
      return {
        status: invalidState ? 409 : 422,
        body: problemBody(invalidState ? 409 : 422, invalidState ? `not allowed in state "${String(payload["state"])}"` : `rejected: ${result.rejection.type}`, {
          detail: typeof payload["detail"] === "string" ? payload["detail"] : `${route.tag} was rejected by ${route.module} ${key}`,
          rejection: { type: result.rejection.type, ...payload },
          ...(invalidState ? { state: payload["state"] } : {}),
          module: route.module,
          key,
          msgId
        })
      }
    }
    case "Pending":
      return {
        status: 202,
        body: { status: "accepted", module: route.module, key, msgId, detail: "not committed yet; send the same request with the same Idempotency-Key to learn the outcome" }
      }
  }
}

const respond = (status: number, body: unknown) =>
  status >= 400
    ? HttpServerResponse.jsonUnsafe(body, { status, contentType: "application/problem+json" })
    : HttpServerResponse.jsonUnsafe(body, { status })

const handle = (route: CommandRoute) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const params = yield* HttpRouter.params
    const gateway = yield* CommandGateway
    const idempotency = yield* IdempotencyStore
    const guard = yield* OwnershipGuard
    const refs = yield* ReferenceDataService
    const headers = request.headers

    const source = decodeSource(headers["x-source-system"])
    if (Result.isFailure(source)) {
      return problemResponse(400, "unknown caller", {
        errors: [{ path: "header X-Source-System", message: `must be one of ${SourceSystem.literals.join(", ")}` }]
      })
    }
    const sender = source.success
    const text = yield* request.text.pipe(Effect.orElseSucceed(() => ""))
    let body: unknown
    try {
      body = text.trim() === "" ? {} : JSON.parse(text)
    } catch (error) {
      return problemResponse(400, "malformed JSON", { detail: String(error), errors: [{ path: "", message: "the body is not valid JSON" }] })
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return problemResponse(400, "the body must be a JSON object", { errors: [{ path: "", message: "expected a JSON object" }] })
    }
    const input: Record<string, unknown> = { ...(body as Record<string, unknown>) }
    for (const [param, field] of Object.entries(route.pathFields)) input[field] = params[param]
    input["_tag"] = route.tag
    input["by"] = sender

    const referenceIssues = checkReferences(input, route.references, refs)
    if (referenceIssues.length > 0) return problemResponse(422, "unknown or invalid reference", { errors: referenceIssues })
    const decoded = Schema.decodeUnknownExit(route.schema)(input, { errors: "all" })
    if (decoded._tag === "Failure") {
      const failure = decoded.cause.reasons.find((r) => r._tag === "Fail")
      const issues = failure !== undefined && "error" in failure && Schema.isSchemaError(failure.error)
        ? messageIssuesOf(failure.error.issue).map((i) => ({ path: i.path, message: i.message }))
        : [{ path: "", message: String(decoded.cause) }]
      return problemResponse(422, "invalid command", { errors: issues })
    }
    const command = decoded.value
    const key = route.keyOf(command)
    const correlationId = headers["x-correlation-id"] ?? route.orderOf(command) ?? randomUUID()
    const idempotencyKey = headers["idempotency-key"]
    const scopedKey = idempotencyKey === undefined ? undefined : `${sender}:${idempotencyKey}`
    const msgId = scopedKey === undefined ? `api:${randomUUID()}` : `api:${sha256(scopedKey)}`

    const ownership = route.ownership(command)
    const refused = yield* guard.enforce({ ...ownership, sender }, { messageId: msgId }).pipe(
      Effect.as(undefined),
      Effect.catchTag("OwnershipViolation", (violation) => Effect.succeed(violation))
    )
    if (refused !== undefined) {
      return problemResponse(403, "not the owner", {
        detail: refused.message,
        object: ownership.object,
        transition: ownership.transition,
        sender,
        owners: [...refused.owners]
      })
    }

    let repeat = false
    if (scopedKey !== undefined) {
      const requestHash = sha256(`${request.method} ${request.url}\n${JSON.stringify(body)}`)
      const claim = yield* idempotency.claim(scopedKey, requestHash, msgId)
      if (claim._tag === "KeyReused") {
        return problemResponse(422, "Idempotency-Key reused with a different request", {
          errors: [{ path: "header Idempotency-Key", message: "this key was used for a different request; use a new key" }]
        })
      }
      if (claim._tag === "Stored") return respond(claim.status, claim.response)
      repeat = claim._tag === "Pending"
    }

    const encoded = Schema.encodeSync(route.schema)(command)
    const result = yield* gateway.send({
      module: route.module,
      entityType: route.module,
      key,
      command: encoded,
      msgId,
      correlationId,
      sourceSystem: sender
    }, { repeat })
    const outcome = outcomeResponse(route, key, msgId, result)
    if (scopedKey !== undefined && outcome.status !== 202) yield* idempotency.complete(scopedKey, outcome.status, outcome.body)
    yield* Effect.logInfo("command").pipe(
      Effect.annotateLogs({ correlationId, route: route.path, sender, key, status: outcome.status, msgId })
    )
    return withCorrelation(respond(outcome.status, outcome.body), correlationId)
  }).pipe(Effect.catchTags({ DbError: (e) => Effect.succeed(unavailable(e)), BusError: (e) => Effect.succeed(unavailable(e)) }))

export const CommandRoutes = HttpRouter.use(Effect.fn(function*(router) {
  for (const route of commandTable) yield* router.add("POST", route.path as HttpRouter.PathInput, handle(route))
}))
