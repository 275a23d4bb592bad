/**
 * @logimesh/drills — failover drills against the local topology: a bounded,
 * fixed-seed simulated load, one fault injected and healed mid-burst, and the
 * region's records counted by message id afterwards. Tooling: never imported
 * by runtime code. Run with `npm run drill -- <name>`.
 */
export { countEffects, type EffectCounts } from "./countEffects.ts"
export { type Drill, type DrillContext, drillNamed, drills } from "./drillCatalog.ts"
export { sampleRegionRss } from "./RegionRssSampler.ts"
export { drillPassed, type DrillOptions, type DrillResult, type DrillRun, runDrill } from "./runDrill.ts"
