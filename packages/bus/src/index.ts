/**
 * @logimesh/bus — the NATS JetStream platform of logimesh: the process's NATS
 * connection (Layer-owned, status for readiness), publishing with a required
 * `Nats-Msg-Id` and PubAck check (single and pipelined), a pull-consumer
 * runner whose handlers return ack / nak / park as data, the subject scheme,
 * and the declarative stream/consumer plan with its administration
 * (`applyStreams`, kept apart from runtime consumption).
 *
 * Public: everything exported here. Internal: `publishRaw`, `toBusMessage`,
 * the config mappers of `applyStreams.ts` — reach them only through this file.
 */
export {
  BadRequest,
  BusError,
  BusErrorReason,
  classifyBusError,
  ConsumerNotFound,
  DefinitionConflict,
  Disconnected,
  isRetryableReason,
  NoResponders,
  StreamFull,
  StreamNotFound,
  Timeout,
  WrongLastSequence
} from "./BusError.ts"
export { BusHeaders, CommandHeaders } from "./BusHeaders.ts"
export type { BusMessage } from "./BusMessage.ts"
export { Outcome } from "./Outcome.ts"
export { type NatsCredentialFiles, natsAuthOptions, natsCredentialsFromSettings } from "./NatsCredentials.ts"
export { type ConnectionStatus, NatsConnection, type NatsConnectionOptions, type NatsConnectionShape } from "./NatsConnection.ts"
export {
  JetStreamPublisher,
  type JetStreamPublisherShape,
  type OutgoingMessage,
  type PublishAck,
  type PublishAllOptions,
  type PublishOptions,
  type PublishResult
} from "./JetStreamPublisher.ts"
export { type BatchPublisher, makeBatchPublisher } from "./JetStreamBatchPublisher.ts"
export { ConsumerRunner, type ConsumerRunnerShape, type ConsumerSpec, defaultRetryDelay, DependencyGate } from "./ConsumerRunner.ts"
export { Subjects, subjectToken } from "./Subjects.ts"
export {
  type ConsumerDefinition,
  consumerDefaults,
  consumerProblems,
  consumerTarget,
  deliveryExhaustedStream,
  EXHAUSTED_LANE_MAX_DELIVER,
  exhaustedLaneName,
  limitsStream,
  meshStreamLimits,
  meshStreamPlan,
  noStreamLimits,
  siteConsumerName,
  siteIngressConsumerName,
  UNROUTED_CONSUMER,
  type SourceDefinition,
  type StreamDefinition,
  type StreamLimits,
  StreamNames,
  type StreamPlan,
  withDeliveryExhaustedLane
} from "./StreamDefinitions.ts"
export { type ApplyAction, type ApplyResult, applyStreams } from "./applyStreams.ts"
