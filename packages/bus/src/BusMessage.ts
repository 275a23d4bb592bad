/**
 * One delivered JetStream message as a consumer handler sees it: raw bytes,
 * headers and delivery facts. Nothing is decoded here; decoding (and parking
 * what cannot be decoded) is the handler's job.
 */
import type { JsMsg } from "@nats-io/jetstream"
import { BusHeaders } from "./BusHeaders.ts"

export interface BusMessage {
  readonly subject: string
  readonly data: Uint8Array
  /** Header name -> first value. */
  readonly headers: Readonly<Record<string, string>>
  /** `Nats-Msg-Id` of the publish, when it had one. */
  readonly msgId: string | undefined
  readonly stream: string
  readonly consumer: string
  /** JetStream domain of the stream (empty when the server has none). */
  readonly domain: string
  readonly streamSequence: number
  /** 1 on the first delivery. */
  readonly deliveryCount: number
  /** `deliveryCount - 1`. */
  readonly redeliveryCount: number
  readonly timestamp: Date
}

export const toBusMessage = (msg: JsMsg): BusMessage => {
  const headers: Record<string, string> = {}
  // Iterated, not `get(key)` per key: each `get` scans every key again.
  if (msg.headers !== undefined) {
    for (const [key, values] of msg.headers) if (values.length > 0) headers[key] = values[0]!
  }
  const info = msg.info
  return {
    subject: msg.subject,
    data: msg.data,
    headers,
    msgId: headers[BusHeaders.msgId],
    stream: info.stream,
    consumer: info.consumer,
    domain: info.domain,
    streamSequence: info.streamSequence,
    deliveryCount: info.deliveryCount,
    redeliveryCount: info.deliveryCount - 1,
    timestamp: msg.time
  }
}
