/**
 * @logimesh/logging — Effect's logger routed to pino JSON, with correlation
 * id, order id, site and region on every line.
 */
export { type LogContext, logContextKeys, withLogContext } from "./LogContext.ts"
export { makePinoLogger, PinoLoggerLayer, type PinoLoggerOptions } from "./PinoLogger.ts"
