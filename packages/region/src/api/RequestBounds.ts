/**
 * The bounds every command request must keep before anything reads it
 * further, whatever carried it (HTTP, `CommandRoutes.ts`; a message,
 * `sites/CommandMessageHandler.ts`):
 *   - the body: at most `api.maxBodyBytes` of `sites/mesh.json` (default
 *     1 MiB). Over HTTP a declared `Content-Length` above it is refused
 *     before any byte is read, and a chunked body stops being buffered at
 *     the limit (effect's `MaxBodySize`; the rest is discarded): 413;
 *   - a body is `application/json` (parameters such as `charset` allowed),
 *     else 415;
 *   - `Idempotency-Key`: 1-200 visible ASCII characters; the correlation id
 *     (`X-Correlation-Id`, `Logimesh-Correlation-Id`): 1-128 of
 *     `A-Z a-z 0-9 . _ : / -`; else 400 naming the header;
 *   - the path: every percent-escape decodes (`%E0%A4%A` does not), else 400
 *     naming the decode error.
 * A message that breaks one is parked with the refusal's `reason` (`BodyTooLarge`,
 * `UnsupportedMediaType`, `BadHeader`, `BadPath`) as its park reason.
 */
import { ByteSize, Effect } from "effect"
import { randomUUID } from "node:crypto"
import { HttpIncomingMessage, type HttpServerRequest } from "effect/http"
import { problemResponse } from "./problems.ts"
import type { FieldIssue } from "./ReferenceChecks.ts"

export const IDEMPOTENCY_KEY_MAX_LENGTH = 200
export const CORRELATION_ID_MAX_LENGTH = 128

/** 1-200 visible ASCII characters (no space, no control character). */
export const idempotencyKeyFormat = /^[\x21-\x7E]{1,200}$/
/** 1-128 characters of letters, digits and `. _ : / -` (an order id, the usual correlation id, fits). */
export const correlationIdFormat = /^[A-Za-z0-9._:/-]{1,128}$/

/** The id a response and its log lines share: the caller's `X-Correlation-Id` when well-formed, else a fresh one. */
export const correlationIdOf = (request: HttpServerRequest.HttpServerRequest): string => {
  const sent = request.headers["x-correlation-id"]
  return sent !== undefined && correlationIdFormat.test(sent) ? sent : randomUUID()
}

export interface BoundsRefusal {
  readonly status: 400 | 413 | 415
  /** The park reason of a message refused so. */
  readonly reason: "BodyTooLarge" | "UnsupportedMediaType" | "BadHeader" | "BadPath" | "UnreadableBody"
  readonly title: string
  readonly detail: string
  readonly errors: ReadonlyArray<FieldIssue>
}

const refusal = (status: BoundsRefusal["status"], reason: BoundsRefusal["reason"], title: string, path: string, message: string): BoundsRefusal => ({
  status,
  reason,
  title,
  detail: `${path}: ${message}`,
  errors: [{ path, message }]
})

export const bodyTooLarge = (maxBytes: number, what = "the body"): BoundsRefusal =>
  refusal(413, "BodyTooLarge", "request body too large", "", `${what} is larger than ${maxBytes} bytes`)

/** A body already in hand (a message's): at most `maxBytes`. */
export const checkBodySize = (bytes: number, maxBytes: number): BoundsRefusal | undefined => (bytes > maxBytes ? bodyTooLarge(maxBytes) : undefined)

/** A declared `Content-Length` above the limit: refused before any byte is read. */
export const checkDeclaredLength = (contentLength: string | undefined, maxBytes: number): BoundsRefusal | undefined => {
  if (contentLength === undefined) return undefined
  const declared = Number(contentLength)
  return Number.isFinite(declared) && declared > maxBytes ? bodyTooLarge(maxBytes, `Content-Length ${contentLength}`) : undefined
}

/** A body must be JSON: `application/json`, with parameters (`; charset=utf-8`) or none. */
export const checkContentType = (contentType: string | undefined): BoundsRefusal | undefined => {
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase()
  return mediaType === "application/json"
    ? undefined
    : refusal(
        415,
        "UnsupportedMediaType",
        "unsupported media type",
        "header Content-Type",
        `a command body must be application/json, not ${contentType === undefined ? "(none)" : JSON.stringify(contentType.slice(0, 100))}`
      )
}

export interface CommandHeaderValues {
  readonly idempotencyKey: string | undefined
  readonly correlationId: string | undefined
}

/** The formats of the command headers; `names` are the headers as the transport spells them. */
export const checkCommandHeaders = (
  values: CommandHeaderValues,
  names: { readonly idempotencyKey: string; readonly correlationId: string } = { idempotencyKey: "Idempotency-Key", correlationId: "X-Correlation-Id" }
): BoundsRefusal | undefined => {
  if (values.idempotencyKey !== undefined && !idempotencyKeyFormat.test(values.idempotencyKey)) {
    return refusal(
      400,
      "BadHeader",
      `malformed ${names.idempotencyKey}`,
      `header ${names.idempotencyKey}`,
      `must be 1-${IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters (got ${values.idempotencyKey.length} characters)`
    )
  }
  if (values.correlationId !== undefined && !correlationIdFormat.test(values.correlationId)) {
    return refusal(
      400,
      "BadHeader",
      `malformed ${names.correlationId}`,
      `header ${names.correlationId}`,
      `must be 1-${CORRELATION_ID_MAX_LENGTH} characters of letters, digits and . _ : / - (got ${values.correlationId.length} characters)`
    )
  }
  return undefined
}

/** A path whose every percent-escape decodes; else the decode error. */
export const checkPath = (path: string): BoundsRefusal | undefined => {
  for (const segment of path.split("?")[0]?.split("/") ?? []) {
    try {
      decodeURIComponent(segment)
    } catch (error) {
      return refusal(400, "BadPath", "malformed path", "path", `${JSON.stringify(segment.slice(0, 100))} does not decode (${String(error)})`)
    }
  }
  return undefined
}

/**
 * The request target's path exactly as the router will match it, or a refusal: no `;`, `#` or `\` (the router
 * cuts a path at `;` while URL parsing keeps it), no dot segments (`..`, `.`, `%2e`: URL parsing resolves them,
 * the router does not), nothing URL parsing would rewrite. Access is decided on the returned path, so the route
 * it names is the route that runs.
 */
export const canonicalPath = (url: string): string | BoundsRefusal => {
  const raw = url.split("?")[0] ?? ""
  const why = /[;#\\]/.test(raw)
    ? "holds ; # or \\"
    : !raw.startsWith("/")
      ? "is not an absolute path"
      : new URL(raw, "http://region").pathname !== raw
        ? "is not in canonical form (dot segments, or characters URL parsing rewrites)"
        : undefined
  return why === undefined ? raw : refusal(400, "BadPath", "malformed path", "path", `${JSON.stringify(raw.slice(0, 100))} ${why}`)
}

export const refusalResponse = (refused: BoundsRefusal) => problemResponse(refused.status, refused.title, { detail: refused.detail, errors: refused.errors })

/**
 * The body of an HTTP command, bounded: refused at once when `Content-Length` declares more than `maxBytes`;
 * otherwise read up to `maxBytes` (a longer, e.g. chunked, body fails at the limit and the rest is discarded
 * unread). A body must be `application/json`. No body at all reads as "".
 */
export const readBoundedBody = (request: HttpServerRequest.HttpServerRequest, maxBytes: number): Effect.Effect<string | BoundsRefusal> =>
  Effect.gen(function* () {
    const declared = checkDeclaredLength(request.headers["content-length"], maxBytes)
    if (declared !== undefined) return declared
    const hasBody =
      (request.headers["content-length"] !== undefined && request.headers["content-length"] !== "0") || request.headers["transfer-encoding"] !== undefined
    if (hasBody) {
      const wrongType = checkContentType(request.headers["content-type"])
      if (wrongType !== undefined) return wrongType
    }
    return yield* request.text.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBytes)),
      Effect.catch((error) =>
        Effect.succeed(
          error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"
            ? bodyTooLarge(maxBytes)
            : refusal(400, "UnreadableBody", "unreadable body", "", "the body could not be read")
        )
      )
    )
  })

export const isRefusal = (value: string | BoundsRefusal): value is BoundsRefusal => typeof value !== "string"
