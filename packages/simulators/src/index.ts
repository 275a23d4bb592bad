/**
 * @logimesh/simulators — the systems around logimesh, played against the
 * order-to-delivery contract (docs/order-to-delivery.md): an ERP, one WES
 * per site (on its site's leaf), dispatch/TMS and carriers. Each reads its
 * `sys.*` messages from the region's SYSTEMS stream with its own durable
 * pull consumer and calls the `/v1` HTTP API. `planScenario` plans a seeded
 * run with a realistic share of exceptions; `runScenario` drives one against
 * a live region and summarises it.
 */
export {
  ApiClient,
  type ApiAnswer,
  type ApiCall,
  type ApiClientOptions,
  type ApiStats,
  ApiUnavailable,
  canonicalJson,
  type DuplicateMismatch,
  problemText,
  type Rejection,
  type SystemName
} from "./ApiClient.ts"
export { CarrierSimulator, type CarrierShipmentView, type CarrierSimulatorOptions } from "./CarrierSimulator.ts"
export { JobTracker, KeyedMutex, Semaphore, Signal, sleep } from "./Concurrency.ts"
export { centsToAmount, gramsToKg, kgToGrams } from "./Decimals.ts"
export { type DepartedShipment, DispatchSimulator, type DispatchShipmentView, type DispatchSimulatorOptions } from "./DispatchSimulator.ts"
export { type ErpMismatch, type ErpOrderView, type ErpProgress, ErpSimulator, type ErpSimulatorOptions } from "./ErpSimulator.ts"
export { bookOf, FOUND_STOCK_EA, InventoryCounter, type PostedCount } from "./InventoryCounts.ts"
export {
  DEFAULT_EXCEPTION_RATES,
  DEFAULT_KNOBS,
  EXCEPTION_KINDS,
  type ExceptionKind,
  type ExceptionRates,
  type Knobs,
  type KnobsInput,
  type Latency,
  QUIET_EXCEPTIONS,
  resolveKnobs
} from "./Knobs.ts"
export { type DedupState, MessageDedup } from "./MessageDedup.ts"
export { hash32, Prng, unitFromLabel } from "./Prng.ts"
export {
  BASELINE_STOCK_EA,
  type CarrierInfo,
  DEFAULT_ADDRESSES,
  DEFAULT_CARRIERS,
  DEFAULT_ITEMS,
  DEFAULT_SITES,
  type InventoryOwner,
  type ItemMaster,
  type ShipToAddress,
  siteInfo,
  type SiteInfo
} from "./ReferenceData.ts"
export {
  classifyOrder,
  observedExceptions,
  type OrderEvidence,
  type OrderOutcome,
  type OrderResult,
  percentile,
  runScenario,
  type RunScenarioOptions,
  scenarioSucceeded,
  type ScenarioProgress,
  type SimulatedSystemHandle,
  type ScenarioSummary
} from "./runScenario.ts"
export {
  expectedPickEa,
  type FinalState,
  type OrderPlan,
  orderIdOf,
  planScenario,
  type PlanInput,
  type PlannedLine,
  rmaIdOf,
  type ScenarioPlan,
  shipmentIdOf,
  taskIdOf
} from "./Scenario.ts"
export { type SentCommand, SentLedger } from "./SentLedger.ts"
export { apiKeyOf, type ConsumerRef, durableName, type NatsAuth, type SimulatorApiKeys, type SimulatorCommon, systemsStreamName } from "./SimulatorSupport.ts"
export { cartonSscc, isValidSscc, makeSscc } from "./SsccFactory.ts"
export { type ConsumerStats, SystemConsumer, type SystemConsumerOptions, type SystemMessage } from "./SystemConsumer.ts"
export { WesSimulator, type WesCarton, type WesOrderView, type WesPick, type WesSimulatorOptions } from "./WesSimulator.ts"
export { SITE_COMMANDS_STREAM, SiteCommandChannel, type SiteCommandChannelOptions } from "./SiteCommandChannel.ts"
