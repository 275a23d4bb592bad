/**
 * The process's one NATS connection, owned by a Layer: opened when the Layer
 * is built, drained when its scope closes. Exposes the connection status for
 * readiness probes (tracked by a fiber in the Layer's scope, not a global
 * listener) and JetStream clients per domain (`undefined` = the domain of the
 * server the process is connected to; a site id or `"hub"` reaches that
 * domain's JetStream across leafnode links).
 */
import { type JetStreamClient, jetstream, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream"
import { connect, type NatsConnection as NatsClient } from "@nats-io/transport-node"
import { type Config, Context, Duration, Effect, Layer, Ref, Stream } from "effect"
import { ProcessSettings } from "@logimesh/config"
import { type BusError, classifyBusError } from "./BusError.ts"
import { type NatsCredentialFiles, natsAuthOptions, natsCredentialsFromSettings } from "./NatsCredentials.ts"

export type ConnectionStatus = "connected" | "reconnecting" | "closed"

export interface NatsConnectionShape {
  /** The underlying client; for bus internals and administration. */
  readonly client: NatsClient
  readonly url: string
  /** Current link state to the server; `/readyz` is ready only when `connected`. */
  readonly status: Effect.Effect<ConnectionStatus>
  /** JetStream client for a domain (memoized). */
  readonly jetstream: (domain?: string) => JetStreamClient
  /** JetStream manager (administration API) for a domain. */
  readonly jetstreamManager: (domain?: string) => Effect.Effect<JetStreamManager, BusError>
}

export interface NatsConnectionOptions {
  readonly url: string
  /** Client name shown in the server's `/connz`. */
  readonly name?: string
  /** Timeout of JetStream API calls and publish acks, default 5 s. */
  readonly requestTimeout?: Duration.Input
  /** How long draining may take when the scope closes before the connection is closed hard, default 5 s. */
  readonly drainTimeout?: Duration.Input
  /** Seed file and CA (NatsCredentials.ts); absent: anonymous, plain TCP. */
  readonly credentials?: NatsCredentialFiles | undefined
}

const statusAfter = (current: ConnectionStatus, event: { readonly type: string }): ConnectionStatus => {
  switch (event.type) {
    case "disconnect":
    case "reconnecting":
    case "staleConnection":
    case "forceReconnect":
      return "reconnecting"
    case "reconnect":
      return "connected"
    case "close":
      return "closed"
    default:
      return current
  }
}

const make = (options: NatsConnectionOptions) =>
  Effect.gen(function* () {
    const timeout = Duration.toMillis(Duration.fromInputUnsafe(options.requestTimeout ?? Duration.seconds(5)))
    const drainTimeout = Duration.fromInputUnsafe(options.drainTimeout ?? Duration.seconds(5))
    const client = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          connect({
            servers: options.url,
            name: options.name ?? "logimesh",
            timeout,
            maxReconnectAttempts: -1,
            reconnectTimeWait: 500,
            ...natsAuthOptions(options.credentials)
          }),
        catch: (cause) => classifyBusError(`connect ${options.url}`, cause)
      }),
      (nc) =>
        Effect.promise(() => nc.drain().catch(() => undefined)).pipe(
          Effect.timeoutOrElse({ duration: drainTimeout, orElse: () => Effect.promise(() => nc.close()) })
        )
    )
    const state = yield* Ref.make<ConnectionStatus>("connected")
    yield* Stream.fromAsyncIterable(client.status(), (cause) => cause).pipe(
      Stream.runForEach((event) => Ref.update(state, (current) => statusAfter(current, event))),
      Effect.ignore,
      Effect.forkScoped
    )
    const clients = new Map<string, JetStreamClient>()
    const keyOf = (domain: string | undefined) => domain ?? ""
    const optionsFor = (domain: string | undefined) => (domain === undefined ? { timeout } : { timeout, domain })
    return NatsConnection.of({
      client,
      url: options.url,
      status: Effect.map(Ref.get(state), (status) => (client.isClosed() ? "closed" : status)),
      jetstream: (domain) => {
        const key = keyOf(domain)
        const existing = clients.get(key)
        if (existing !== undefined) return existing
        const created = jetstream(client, optionsFor(domain))
        clients.set(key, created)
        return created
      },
      jetstreamManager: (domain) =>
        Effect.tryPromise({
          try: () => jetstreamManager(client, { ...optionsFor(domain), checkAPI: false }),
          catch: (cause) => classifyBusError(`jetstreamManager ${domain ?? "(local)"}`, cause)
        })
    })
  })

export class NatsConnection extends Context.Service<NatsConnection, NatsConnectionShape>()("logimesh/bus/NatsConnection") {
  /** Connects to an explicit URL (tests, tools). */
  static readonly layerFrom = (options: NatsConnectionOptions): Layer.Layer<NatsConnection, BusError> => Layer.effect(NatsConnection, make(options))

  /** Connects to `NATS_URL` with the credentials of `NATS_NKEY_SEED_FILE` / `NATS_CA_FILE`, read through `ProcessSettings`. */
  static readonly layer: Layer.Layer<NatsConnection, BusError | Config.ConfigError> = Layer.effect(
    NatsConnection,
    Effect.flatMap(Effect.all([ProcessSettings.natsUrl, natsCredentialsFromSettings]), ([url, credentials]) =>
      make({ url, name: "logimesh-region", credentials })
    )
  )
}
