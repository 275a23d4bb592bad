/**
 * @logimesh/logging — Effect's logger routed to pino JSON, with correlation
 * id, order id, site and region on every line; the redaction of secrets
 * (`redactText`) that every line and every DbError / BusError text goes through.
 */
export { type LogContext, logContextKeys, withLogContext } from "./LogContext.ts"
export { makePinoLogger, PinoLoggerLayer, type PinoLoggerOptions } from "./PinoLogger.ts"
export { REDACTED, redactedPaths, redactText } from "./redact.ts"
