/**
 * One actor step as the group committer writes it: everything one input (or
 * one early arrival being held) changes, computed by the actor before the
 * transaction. `expectedVersion` is the entity row version the actor saw; the
 * committer writes the step only if it still holds.
 */

export interface AuditRow {
  readonly seq: number
  readonly kind: "event" | "rejection"
  readonly type: string
  /** Schema version of the type (events; 1 for rejections). */
  readonly version: number
  /** Encoded JSON text. */
  readonly payload: string
}

export interface OutboxRow {
  readonly subject: string
  readonly payload: Uint8Array
  readonly headers: Readonly<Record<string, string>>
}

/** An input as it arrived on the bus (kept for holding and parking). */
export interface RawInput {
  readonly msgId: string
  readonly subject: string
  readonly payload: Uint8Array
  readonly headers: Readonly<Record<string, string>>
  readonly domain: string
  readonly stream: string
  readonly consumer: string
  readonly streamSeq: number
}

export interface SourcePosition {
  readonly source: string
  readonly seq: number
}

export interface EngineStep {
  readonly key: string
  readonly expectedVersion: number
  /** Input applied by this step (inbox row); absent for a hold step. */
  readonly applied: { readonly raw: RawInput; readonly position: SourcePosition | undefined } | undefined
  readonly audit: ReadonlyArray<AuditRow>
  readonly eventSeq: number
  /** New snapshot (encoded state JSON), or keep the stored one. */
  readonly snapshot: { readonly state: string; readonly seq: number } | undefined
  /** Encoded `sources` JSON after the step. */
  readonly sources: string
  readonly outbox: ReadonlyArray<OutboxRow>
  /** Early arrival to persist. */
  readonly hold: { readonly raw: RawInput; readonly position: SourcePosition } | undefined
  /** Held row this step consumes. */
  readonly release: SourcePosition | undefined
}

/** `duplicate`: the input id is already in the inbox. `conflict`: the entity version moved (another writer). */
export type StepResult = "committed" | "duplicate" | "conflict"
