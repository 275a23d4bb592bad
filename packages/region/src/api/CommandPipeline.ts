/**
 * One command of the `/v1` command API, whatever carried it (HTTP, or a
 * site's SITE_EVENTS or the hub's INGRESS, `sites/CommandMessageHandler.ts`), checked and
 * applied in this order, answering at the first problem:
 *   1. the body is a JSON object (400);
 *   2. reference checks: sites, items, units (count quantities normalised), docks (422 naming each field);
 *   3. the command schema (422 naming each field);
 *   4. ownership: the caller owns the transition, or 403 (recorded in the ownership audit, shown in the timeline);
 *      a route-level decision (the system and, for stock, the site's configured owner), the same whether the
 *      object exists or not;
 *   4b. object access: a principal confined to a site may only touch that site's objects; another site's object,
 *      or one whose site cannot be told (it does not exist), is 404 (`auth/ObjectAccess.ts`), so existence
 *      elsewhere is never revealed. `LOGIMESH` (the region itself) sends no command through the API (403, first);
 *   5. `Idempotency-Key`: a repeat returns the stored answer; a reused key with another request is 422;
 *   6. the command goes to its module's actor (`CommandGateway`); the answer is its events (200/201),
 *      its rejection (409 when the state does not allow it, 422 otherwise), or 202 if it has not committed in time.
 * Nothing is applied before step 6, so a refused request changes nothing. The caller is the principal the
 * transport authenticated (HTTP: an API key or JWT, `auth/AuthMiddleware.ts`; a message: the subject it was
 * published on, `auth/SubjectPrincipal.ts`); its system is the sender, and its id scopes the Idempotency-Key.
 */
import { Effect, Schema } from "effect"
import { createHash, randomUUID } from "node:crypto"
import type { BusError } from "@logimesh/bus"
import type { DbError } from "@logimesh/db"
import { OwnershipGuard } from "@logimesh/governance"
import { messageIssuesOf } from "@logimesh/model"
import type { CommandRoute } from "@logimesh/modulespec"
import { mayCommand } from "../auth/ObjectAccess.ts"
import { maySendCommands, type Principal } from "../auth/Principal.ts"
import { CommandGateway, type CommandResult } from "./CommandGateway.ts"
import type { EntityQueries } from "./EntityQueries.ts"
import { IdempotencyStore } from "./IdempotencyStore.ts"
import { problemBody } from "./problems.ts"
import { ReferenceDataService } from "./ReferenceDataService.ts"
import { checkReferences } from "./ReferenceChecks.ts"

export interface CommandRequest {
  /** Who sends it, as its transport authenticated it. */
  readonly principal: Principal
  /** `POST <path>`: with the body, what a repeated Idempotency-Key must match. */
  readonly target: string
  readonly params: Readonly<Record<string, string | undefined>>
  readonly bodyText: string
  readonly idempotencyKey: string | undefined
  readonly correlationId: string | undefined
}

export interface CommandAnswer {
  readonly status: number
  readonly body: unknown
  readonly correlationId: string | undefined
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

/** Status and JSON body of a command's outcome (stored with its Idempotency-Key). */
const outcomeAnswer = (route: CommandRoute, key: string, msgId: string, result: CommandResult): { status: number; body: unknown } => {
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
        body: problemBody(
          invalidState ? 409 : 422,
          invalidState ? `not allowed in state "${String(payload["state"])}"` : `rejected: ${result.rejection.type}`,
          {
            detail: typeof payload["detail"] === "string" ? payload["detail"] : `${route.tag} was rejected by ${route.module} ${key}`,
            rejection: { type: result.rejection.type, ...payload },
            ...(invalidState ? { state: payload["state"] } : {}),
            module: route.module,
            key,
            msgId
          }
        )
      }
    }
    case "Pending":
      return {
        status: 202,
        body: {
          status: "accepted",
          module: route.module,
          key,
          msgId,
          detail: "not committed yet; send the same request with the same Idempotency-Key to learn the outcome"
        }
      }
  }
}

const problem = (status: number, title: string, extra: Readonly<Record<string, unknown>> = {}): CommandAnswer => ({
  status,
  body: problemBody(status, title, extra),
  correlationId: undefined
})

export const executeCommand = (
  route: CommandRoute,
  request: CommandRequest
): Effect.Effect<CommandAnswer, BusError | DbError, CommandGateway | IdempotencyStore | OwnershipGuard | ReferenceDataService | EntityQueries> =>
  Effect.gen(function* () {
    const gateway = yield* CommandGateway
    const idempotency = yield* IdempotencyStore
    const guard = yield* OwnershipGuard
    const refs = yield* ReferenceDataService
    const principal = request.principal
    const sender = principal.system
    if (!maySendCommands(principal)) return problem(403, "forbidden", { detail: "this principal may not send commands" })

    let body: unknown
    try {
      body = request.bodyText.trim() === "" ? {} : JSON.parse(request.bodyText)
    } catch (error) {
      return problem(400, "malformed JSON", { detail: String(error), errors: [{ path: "", message: "the body is not valid JSON" }] })
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return problem(400, "the body must be a JSON object", { errors: [{ path: "", message: "expected a JSON object" }] })
    }
    const input: Record<string, unknown> = { ...(body as Record<string, unknown>) }
    for (const [param, field] of Object.entries(route.pathFields)) input[field] = request.params[param]
    input["_tag"] = route.tag
    input["by"] = sender

    const referenceIssues = checkReferences(input, route.references, refs.current())
    if (referenceIssues.length > 0) return problem(422, "unknown or invalid reference", { errors: referenceIssues })
    const decoded = route.decode(input)
    if (decoded._tag === "Failure") {
      const failure = decoded.cause.reasons.find((r) => r._tag === "Fail")
      const issues =
        failure !== undefined && "error" in failure && Schema.isSchemaError(failure.error)
          ? messageIssuesOf(failure.error.issue).map((i) => ({ path: i.path, message: i.message }))
          : [{ path: "", message: String(decoded.cause) }]
      return problem(422, "invalid command", { errors: issues })
    }
    const command = decoded.value
    const key = command.key
    const correlationId = request.correlationId ?? command.order ?? randomUUID()
    // Unambiguous whatever the id or the key hold (`a:b` + `c` and `a` + `b:c` are different scopes).
    const scopedKey = request.idempotencyKey === undefined ? undefined : JSON.stringify([principal.id, request.idempotencyKey])
    const msgId = scopedKey === undefined ? `api:${randomUUID()}` : `api:${sha256(scopedKey)}`

    const ownership = command.ownership
    const refused = yield* guard.enforce({ ...ownership, sender }, { messageId: msgId }).pipe(
      Effect.as(undefined),
      Effect.catchTag("OwnershipViolation", (violation) => Effect.succeed(violation))
    )
    if (refused !== undefined) {
      return {
        ...problem(403, "not the owner", {
          detail: refused.message,
          object: ownership.object,
          transition: ownership.transition,
          sender,
          owners: [...refused.owners]
        }),
        correlationId
      }
    }
    if (!(yield* mayCommand(principal, route.path, command))) return problem(404, "not found")

    let repeat = false
    if (scopedKey !== undefined) {
      const requestHash = sha256(`${request.target}\n${JSON.stringify(body)}`)
      const claim = yield* idempotency.claim(scopedKey, requestHash, msgId)
      if (claim._tag === "KeyReused") {
        return problem(422, "Idempotency-Key reused with a different request", {
          errors: [{ path: "header Idempotency-Key", message: "this key was used for a different request; use a new key" }]
        })
      }
      if (claim._tag === "Stored") return { status: claim.status, body: claim.response, correlationId }
      repeat = claim._tag === "Pending"
    }

    const encoded = command.encode()
    const result = yield* gateway.send(
      {
        module: route.module,
        entityType: route.module,
        key,
        command: encoded,
        msgId,
        correlationId,
        sourceSystem: sender
      },
      { repeat }
    )
    const outcome = outcomeAnswer(route, key, msgId, result)
    if (scopedKey !== undefined && outcome.status !== 202) yield* idempotency.complete(scopedKey, outcome.status, outcome.body)
    yield* Effect.logInfo("command").pipe(Effect.annotateLogs({ correlationId, route: route.path, sender, key, status: outcome.status, msgId }))
    return { ...outcome, correlationId }
  })

/** A route path (`/v1/tasks/:task/confirm-pick`) as a matcher of concrete paths, returning the path parameters. */
export const routeMatcher = (route: Pick<CommandRoute, "path">) => {
  const names: Array<string> = []
  const pattern = new RegExp(
    "^" +
      route.path
        .split("/")
        .map((part) => {
          if (!part.startsWith(":")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
          names.push(part.slice(1))
          return "([^/]+)"
        })
        .join("/") +
      "$"
  )
  return (path: string): Readonly<Record<string, string>> | undefined => {
    const match = pattern.exec(path)
    if (match === null) return undefined
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? "")]))
  }
}
