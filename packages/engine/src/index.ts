/**
 * @logimesh/engine — per-key actors with exactly-once effects.
 *
 * An entity type is a pure decider plus codecs (`EntityDefinition`). The
 * engine consumes its commands from a durable JetStream consumer, runs one
 * actor per key (sequential per key, concurrent across keys, bounded
 * memory), writes each step — inbox, audit rows, snapshot, outbox — in one
 * Postgres transaction shared by many keys (group commit), acks after the
 * commit, holds early arrivals per source until their gap fills, parks what
 * cannot be processed (`engine_parked`, replayable), and relays the outbox
 * to JetStream with `Nats-Msg-Id` = `<region>:<outbox id>`.
 *
 * Public: everything exported here. Internal: the actor map. The group
 * committer is exported for the benchmark only (raw Postgres limit).
 */
export {
  type Decider,
  type Decision,
  type EntityDefinition,
  type EventHistory,
  eventUpcaster,
  type EventUpcaster,
  eventVersioning,
  taggedEntity
} from "./EntityDefinition.ts"
export { CommitNotifier, type CommitNotifierShape, type CommitWaiter, makeCommitNotifier } from "./CommitNotifier.ts"
export { EngineHeaders } from "./EngineHeaders.ts"
export type { EffectMessage } from "./EntityActors.ts"
export { engineMigrations } from "./engineMigrations.ts"
export {
  Engine,
  type EngineInputTarget,
  engineLayer,
  type EngineOptions,
  engineServices,
  type EngineServices,
  type EngineShape,
  type EngineStats,
  makeEngine,
  runEngine,
  type RunningEngine
} from "./Engine.ts"
export type { CommitStats, GroupCommitOptions } from "./GroupCommitter.ts"
/** The group committer and its step: for the benchmark's raw Postgres limit (the engine's own statements and batching). */
export { type GroupCommitter, makeGroupCommitter } from "./GroupCommitter.ts"
export type { AuditRow, EngineStep, OutboxRow, RawInput, SourcePosition, StepResult } from "./EngineStep.ts"
export { type CrashPoint, FaultInjector, type FaultInjectorShape, type FaultPoint, parseFaults, type UnsafePoint } from "./FaultInjector.ts"
export { type CommittedOutboxRow, defaultHandoffCapacity, makeOutboxHandoff, OutboxHandoff, type OutboxHandoffShape } from "./OutboxHandoff.ts"
export { outboxMsgId, type OutboxRelay, type OutboxRelayOptions, relayHandedOnce, relayOnce, type RelayStats, runOutboxRelay } from "./OutboxRelay.ts"
export { type HeldInput, loadEntities, loadEntity, type LoadedEntity, rebuildState } from "./loadEntity.ts"
export { runHoldSweeper, sweepHeld } from "./HoldSweeper.ts"
export { makeStepLatency, type StepLatency, type StepLatencySnapshot } from "./StepLatency.ts"
export { type EngineHorizons, type EnginePruned, pruneEngineTables, pruneInbox, pruneReplayedParked, pruneSentOutbox } from "./EngineRetention.ts"
export {
  type ParkedEntry,
  ParkedMessages,
  type ParkedMessagesShape,
  type ParkInput,
  replayHeaders,
  replayMsgId,
  type ReplayDecision,
  type ReplayResult,
  type ReplayThroughResult
} from "./ParkedMessages.ts"
export { redriveConsumer, type RedriveOptions } from "./redriveConsumer.ts"
export {
  type AppliedMessage,
  type AuditRecord,
  type AuditSelector,
  EngineQueries,
  type EngineQueriesOver,
  type EngineQueriesShape,
  engineQueries,
  type EntitySnapshot,
  keyPatternOf,
  type MessageOutcome,
  type OutboxRecord,
  type OutboxWindow,
  type ParkedRecord
} from "./EngineQueries.ts"
export { rawInputOf } from "./decodeInput.ts"
