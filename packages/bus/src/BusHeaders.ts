/**
 * Names of the message headers logimesh reads or writes on the bus.
 * `Nats-*` headers belong to the server; `Logimesh-*` are ours.
 */
export const BusHeaders = {
  msgId: "Nats-Msg-Id",
  parkReason: "Logimesh-Park-Reason",
  parkDetail: "Logimesh-Park-Detail",
  originalSubject: "Logimesh-Original-Subject",
  originalStream: "Logimesh-Original-Stream",
  originalDomain: "Logimesh-Original-Domain",
  originalSequence: "Logimesh-Original-Seq",
  originalConsumer: "Logimesh-Original-Consumer",
  originalMsgId: "Logimesh-Original-Msg-Id",
  deliveryCount: "Logimesh-Delivery-Count",
  parkedAt: "Logimesh-Parked-At"
} as const

/**
 * Headers of a `/v1` command carried as a message (a site's SITE_EVENTS, the
 * hub's INGRESS). The sender's own headers: a replay of a parked command
 * keeps them (unlike the park bookkeeping above), so it is the same command
 * with the same key.
 */
export const CommandHeaders = {
  /** The `/v1` command path it is for, e.g. `/v1/tasks/T-1/confirm-pick`. */
  commandPath: "Logimesh-Command-Path",
  /** Who sent it (a `SourceSystem`, e.g. `WES`). */
  sourceSystem: "Logimesh-Source-System",
  /** The sender's key for one business action (same meaning as the HTTP `Idempotency-Key`). */
  idempotencyKey: "Idempotency-Key",
  correlationId: "Logimesh-Correlation-Id"
} as const

/** Server-owned header prefix: such headers are never copied onto a parked message (they carry expectations and source info). */
export const serverHeaderPrefix = "Nats-"
