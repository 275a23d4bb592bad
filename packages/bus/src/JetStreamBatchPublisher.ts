/**
 * Pipelined JetStream publishing without a request object per message.
 *
 * A JetStream publish is a core publish with a reply subject; the stream
 * answers on it with a PubAck (`{stream, seq, duplicate}`) or an error
 * (`{error: {code, err_code, description}}`), and the server answers a
 * status 503 when nothing captures the subject. The client's `js.publish`
 * makes a request per message (a promise, a timer and two stack-capturing
 * errors each). Here every message is a plain `publish` whose reply subject
 * is `<inbox>.<n>` on ONE wildcard subscription owned by the publisher, and a
 * batch has one progress timeout: when no ack arrives for `timeout`, every
 * message still unacked fails with `Timeout` (retryable; re-publishing under
 * the same `Nats-Msg-Id` is safe, the stream dedupes it).
 *
 * Every message gets its own result: an ack (check `duplicate`) or a
 * classified `BusError`. Nothing is reported delivered without its ack.
 */
import { createInbox, headers as makeHeaders, type Msg, type MsgHdrs, type NatsConnection as NatsClient, type Subscription } from "@nats-io/transport-node"
import { Result } from "effect"
import { BadRequest, BusError, classifyBusError, NoResponders, Timeout } from "./BusError.ts"
import { BusHeaders } from "./BusHeaders.ts"

export interface OutgoingMessage {
  readonly subject: string
  readonly payload: Uint8Array
  readonly msgId: string
  readonly headers?: Readonly<Record<string, string>>
  readonly expectLastSubjectSequence?: number
}

export interface PublishAck {
  readonly stream: string
  readonly seq: number
  /** True when the stream already held this `msgId`; nothing new was stored. */
  readonly duplicate: boolean
}

/** One message's outcome: its ack, or why it was not acked. */
export type PublishResult = Result.Result<PublishAck, BusError>

export interface BatchPublisher {
  /** Results in input order; never rejects. */
  readonly publishBatch: (messages: ReadonlyArray<OutgoingMessage>, window: number, timeoutMs?: number) => Promise<ReadonlyArray<PublishResult>>
  readonly close: () => void
}

const expectedLastSubjectSequence = "Nats-Expected-Last-Subject-Sequence"

/** The message's headers, then the msg id (and expected sequence) in place of any the record carries. */
const headersOf = (message: OutgoingMessage): MsgHdrs => {
  const h = makeHeaders()
  // `append` on a fresh set: `set` would first delete the key, one more scan of every header per header.
  if (message.headers !== undefined) {
    for (const key in message.headers) {
      if (key !== BusHeaders.msgId && key !== expectedLastSubjectSequence) h.append(key, message.headers[key]!)
    }
  }
  h.append(BusHeaders.msgId, message.msgId)
  if (message.expectLastSubjectSequence !== undefined) h.append(expectedLastSubjectSequence, String(message.expectLastSubjectSequence))
  return h
}

interface ApiError {
  readonly code?: number
  readonly err_code?: number
  readonly description?: string
}

const failure = (subject: string, reason: BusError["reason"]): PublishResult => Result.fail(new BusError({ operation: `publish ${subject}`, reason }))

/** A reply on the ack subject -> the message's result. */
const resultOf = (subject: string, msg: Msg): PublishResult => {
  if (msg.data.length === 0) {
    return msg.headers?.code === 503
      ? failure(subject, new NoResponders({ message: `no stream captures ${subject}` }))
      : failure(subject, new BadRequest({ message: `empty publish ack (status ${msg.headers?.code ?? "none"})` }))
  }
  let body: { readonly stream?: unknown; readonly seq?: unknown; readonly duplicate?: unknown; readonly error?: ApiError }
  try {
    body = JSON.parse(new TextDecoder().decode(msg.data))
  } catch (cause) {
    return failure(subject, new BadRequest({ message: `unparsable publish ack: ${String(cause)}` }))
  }
  if (body.error !== undefined) {
    // Same shape as the client's JetStreamApiError, so one classifier maps both.
    const error = Object.assign(new Error(body.error.description ?? "JetStream API error"), {
      name: "JetStreamApiError",
      code: body.error.err_code ?? body.error.code
    })
    return Result.fail(classifyBusError(`publish ${subject}`, error))
  }
  if (typeof body.stream !== "string" || body.stream === "" || typeof body.seq !== "number") {
    return failure(subject, new BadRequest({ message: "invalid publish ack" }))
  }
  return Result.succeed({ stream: body.stream, seq: body.seq, duplicate: body.duplicate === true })
}

/** A publisher with its own reply subscription on `client`; `close()` unsubscribes. */
export const makeBatchPublisher = (client: NatsClient, defaultTimeoutMs: number): BatchPublisher => {
  const inbox = createInbox()
  const waiting = new Map<string, (msg: Msg) => void>()
  let subscription: Subscription | undefined
  let counter = 0

  const subscribe = (): void => {
    if (subscription !== undefined && !subscription.isClosed()) return
    subscription = client.subscribe(`${inbox}.*`, {
      callback: (error, msg) => {
        if (error !== null) return // the batch's timeout reports what never got an ack
        const token = msg.subject.slice(inbox.length + 1)
        const handler = waiting.get(token)
        if (handler === undefined) return // late ack of a timed-out message: the next round re-publishes, the stream dedupes
        waiting.delete(token)
        handler(msg)
      }
    })
  }

  const publishBatch = (messages: ReadonlyArray<OutgoingMessage>, window: number, timeoutMs = defaultTimeoutMs): Promise<ReadonlyArray<PublishResult>> =>
    new Promise((resolve) => {
      const results: Array<PublishResult | undefined> = new Array(messages.length)
      const tokens: Array<string | undefined> = new Array(messages.length)
      let next = 0
      let settled = 0
      let sending = false
      let done = false
      let timer: ReturnType<typeof setTimeout> | undefined

      const finish = () => {
        if (done) return
        done = true
        if (timer !== undefined) clearTimeout(timer)
        resolve(results as ReadonlyArray<PublishResult>)
      }
      const settle = (index: number, result: PublishResult) => {
        if (results[index] !== undefined) return
        results[index] = result
        settled += 1
      }
      const onTimeout = () => {
        for (let i = 0; i < messages.length; i++) {
          if (results[i] !== undefined) continue
          const token = tokens[i]
          if (token !== undefined) waiting.delete(token)
          const subject = messages[i]!.subject
          settle(i, failure(subject, new Timeout({ message: `no publish ack within ${timeoutMs} ms${token === undefined ? " (not sent)" : ""}` })))
        }
        finish()
      }
      const arm = () => {
        if (timer !== undefined) clearTimeout(timer)
        timer = setTimeout(onTimeout, timeoutMs)
      }
      const send = () => {
        if (sending) return
        sending = true
        while (next < messages.length && next - settled < window) {
          const index = next++
          const message = messages[index]!
          if (message.msgId === "") {
            settle(index, failure(message.subject, new BadRequest({ message: "msgId (Nats-Msg-Id) is required" })))
            continue
          }
          const token = String(++counter)
          tokens[index] = token
          waiting.set(token, (msg) => {
            settle(index, resultOf(message.subject, msg))
            if (settled === messages.length) return finish()
            arm()
            send()
          })
          try {
            client.publish(message.subject, message.payload, { reply: `${inbox}.${token}`, headers: headersOf(message) })
          } catch (cause) {
            waiting.delete(token)
            settle(index, Result.fail(classifyBusError(`publish ${message.subject}`, cause)))
          }
        }
        sending = false
        if (settled === messages.length) finish()
      }

      if (messages.length === 0) return resolve([])
      try {
        subscribe()
      } catch (cause) {
        return resolve(messages.map((m) => Result.fail(classifyBusError(`publish ${m.subject}`, cause))))
      }
      arm()
      send()
    })

  return {
    publishBatch,
    close: () => {
      subscription?.unsubscribe()
      subscription = undefined
    }
  }
}
