/**
 * @logimesh/drills — failover drills against the local topology: a bounded,
 * fixed-seed simulated load, one fault injected mid-burst, observed from
 * independent evidence and healed, then every command the simulators sent
 * matched to the region's records by message id. Tooling: never imported by
 * runtime code. Run with `npm run drill -- <name|all> [--repeat N]`.
 */
export { countEffects, type CountEffectsOptions, type EffectCounts } from "./countEffects.ts"
export { type Drill, type DrillContext, drillNamed, drills } from "./drillCatalog.ts"
export { failureReport } from "./failureReport.ts"
export { allOf, consumerStalled, type FaultEvidence, type FaultObserver, hubLinkDown, postgresRefusing, processReplaced } from "./FaultObserver.ts"
export {
  type AppliedRecord,
  commandMsgIdOf,
  inFlightAt,
  matchSentCommands,
  type ParkedRecord,
  type RegionRecords,
  type SentCounts,
  type SentFate,
  senderName
} from "./matchSentCommands.ts"
export { sampleRegionRss } from "./RegionRssSampler.ts"
export { drillFailures, drillPassed, type DrillOptions, type DrillResult, type DrillRun, runDrill } from "./runDrill.ts"
