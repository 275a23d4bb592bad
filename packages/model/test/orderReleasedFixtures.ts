/**
 * Test support: an `OrderReleased` as a v1 producer wrote it (no
 * serviceLevel), its envelope at any schema version, and a piece of code that
 * exists only since v2 (it needs the service level). Shared by
 * OrderReleased.test.ts and the NATS round trip in test/envelope/.
 */
import type { OrderReleased, ServiceLevel } from "../src/index.ts"

export const v1Data = {
  order: "ORD-1001",
  shipFrom: "dc-rotterdam",
  lines: [{ lineNumber: 1, item: "SKU-42", quantity: { amount: "12", unit: "EA" }, requestedShipDate: "2025-06-03" }],
  releasedAt: "2025-06-01T14:05:00+02:00"
}

/** Structured-mode JSON of an `com.logimesh.order.released` envelope carrying `data` at `schemaversion`. */
export const envelopeJson = (schemaversion: number, data: unknown) =>
  JSON.stringify({
    specversion: "1.0",
    id: `erp-${schemaversion}-1`,
    source: "/erp/sap-s4",
    type: "com.logimesh.order.released",
    time: "2025-06-01T12:05:01Z",
    datacontenttype: "application/json",
    correlationid: "ORD-1001",
    region: "eu-west",
    site: "dc-rotterdam",
    businesskey: "ORD-1001",
    schemaversion,
    sourcesystem: "ERP",
    sequence: 17,
    data
  })

/** Code that exists only since v2: it needs the service level. */
export const carrierServiceFor = (event: OrderReleased): string => {
  const byLevel: Record<ServiceLevel, string> = {
    STANDARD: "ROAD-48H",
    ECONOMY: "ROAD-72H",
    EXPRESS: "ROAD-24H",
    NEXT_DAY: "AIR-NEXT-DAY",
    SAME_DAY: "COURIER"
  }
  return `${event.order}:${byLevel[event.serviceLevel]}`
}
