/**
 * Test support of the model for other packages' tests (`@logimesh/model/testing`):
 * the envelope arbitrary and the `OrderReleased` v1 fixtures. Not part of the
 * runtime surface (`src/index.ts`).
 */
export { encodedEnvelope, envelopeArb } from "./envelopeArbitrary.ts"
export { carrierServiceFor, envelopeJson, v1Data } from "./orderReleasedFixtures.ts"
