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
  parkedAt: "Logimesh-Parked-At",
  /** A site's command message (SITE_EVENTS): the `/v1` command path it is for, e.g. `/v1/tasks/T-1/confirm-pick`. */
  commandPath: "Logimesh-Command-Path",
  /** Who sent a site's command message (a `SourceSystem`, e.g. `WES`). */
  sourceSystem: "Logimesh-Source-System",
  /** The sender's key for one business action (same meaning as the HTTP `Idempotency-Key`). */
  idempotencyKey: "Idempotency-Key",
  correlationId: "Logimesh-Correlation-Id"
} as const

/** Server-owned header prefix: such headers are never copied onto a parked message (they carry expectations and source info). */
export const serverHeaderPrefix = "Nats-"
