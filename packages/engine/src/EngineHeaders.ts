/**
 * Headers the engine reads on inputs and writes on its outputs.
 *
 * Inputs: `Logimesh-Source` names the sending system, `Logimesh-Source-Seq`
 * its per-entity sequence (1, 2, 3 ...). Both absent = no ordering check
 * (the inbox alone dedupes). Outputs carry the entity key, the audit seq and
 * whether the row is an event or a rejection.
 */
export const EngineHeaders = {
  source: "Logimesh-Source",
  sourceSeq: "Logimesh-Source-Seq",
  entityType: "Logimesh-Entity-Type",
  entityKey: "Logimesh-Entity-Key",
  eventSeq: "Logimesh-Event-Seq",
  kind: "Logimesh-Kind",
  type: "Logimesh-Type",
  causationId: "Logimesh-Causation-Id",
  /** On a replay of a parked message: the parked row's id (the original message id is in `causationId`). */
  replayOf: "Logimesh-Replay-Of"
} as const
