/**
 * Routes Effect's logger to pino: one JSON line per entry, with
 * `correlationId`, `orderId`, `site` and `region` always present (null when
 * unknown) so operators can filter on them, plus any other annotations.
 * Secrets never reach a line: pino censors the `redactedPaths` fields, and
 * the message, string annotations, errors and causes go through `redactText`.
 */
import { Cause, type Layer, Logger, References } from "effect"
import type { LogLevel } from "effect"
import pino from "pino"
import { logContextKeys } from "./LogContext.ts"
import { REDACTED, redactedPaths, redactText } from "./redact.ts"

export interface PinoLoggerOptions {
  /** The service name, e.g. `region` or `topology`. */
  readonly service: string
  /** The region this process serves, when it serves one. */
  readonly region?: string
  /** Where lines go; defaults to stdout. */
  readonly destination?: pino.DestinationStream
}

const pinoLevel = (level: LogLevel.LogLevel): pino.Level => {
  switch (level) {
    case "Trace":
      return "trace"
    case "Debug":
      return "debug"
    case "Info":
      return "info"
    case "Warn":
      return "warn"
    case "Error":
      return "error"
    case "Fatal":
      return "fatal"
    default:
      return "info"
  }
}

const partText = (part: unknown): string =>
  redactText(typeof part === "string" ? part : part instanceof Error ? `${part.name}: ${part.message}` : JSON.stringify(part))

const messageParts = (message: unknown): ReadonlyArray<unknown> => (Array.isArray(message) ? message : [message])

export const makePinoLogger = (options: PinoLoggerOptions): Logger.Logger<unknown, void> => {
  const base = pino(
    {
      level: "trace",
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...redactedPaths], censor: REDACTED }
    },
    options.destination ?? pino.destination({ sync: true })
  )
  return Logger.make(({ cause, fiber, logLevel, message }) => {
    const annotations = fiber.getRef(References.CurrentLogAnnotations)
    const line: Record<string, unknown> = {}
    for (const key of logContextKeys) line[key] = annotations[key] ?? null
    if (line["region"] === null && options.region !== undefined) line["region"] = options.region
    for (const [key, value] of Object.entries(annotations)) {
      if (!(key in line)) line[key] = typeof value === "string" ? redactText(value) : value
    }
    const parts = messageParts(message)
    const error = parts.find((part): part is Error => part instanceof Error)
    if (error !== undefined)
      line["err"] = { type: error.name, message: redactText(error.message), stack: error.stack === undefined ? undefined : redactText(error.stack) }
    if (cause.reasons.length > 0) line["cause"] = redactText(Cause.pretty(cause))
    const level = pinoLevel(logLevel)
    if (level === "fatal" || level === "error" || base.isLevelEnabled(level)) base[level](line, parts.map(partText).join(" "))
  })
}

/** Replaces the default loggers with pino. */
export const PinoLoggerLayer = (options: PinoLoggerOptions): Layer.Layer<never> => Logger.layer([makePinoLogger(options)])
