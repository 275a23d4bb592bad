/**
 * SSCCs the simulated WES prints on its cartons: extension digit, the
 * site's 7-digit GS1 company prefix, a 9-digit serial reference and the GS1
 * mod-10 check digit (`gs1CheckDigit` of @logimesh/model). The serial is
 * derived from the run seed, the order's index and the carton number, so a
 * run is reproducible and two cartons of one run never share an SSCC.
 */
import { gs1CheckDigit, gs1CheckDigitOk } from "@logimesh/model"

export const makeSscc = (extension: number, companyPrefix: string, serial: number): string => {
  if (!Number.isInteger(extension) || extension < 0 || extension > 9) throw new Error(`SSCC extension digit must be 0-9, got ${extension}`)
  if (!/^\d{7}$/.test(companyPrefix)) throw new Error(`GS1 company prefix must be 7 digits, got ${companyPrefix}`)
  if (!Number.isSafeInteger(serial) || serial < 0 || serial > 999_999_999) throw new Error(`SSCC serial must be 0-999999999, got ${serial}`)
  const payload = `${extension}${companyPrefix}${String(serial).padStart(9, "0")}`
  return `${payload}${gs1CheckDigit(payload)}`
}

/**
 * Carton `carton` (0-9) of the order with index `orderIndex` (0-99999) in a
 * run seeded with `seed`: serial = 3 digits of the seed, 5 of the order, 1 of
 * the carton.
 */
export const cartonSscc = (companyPrefix: string, seed: number, orderIndex: number, carton: number): string => {
  if (orderIndex < 0 || orderIndex > 99_999) throw new Error(`order index ${orderIndex} does not fit an SSCC serial (0-99999)`)
  if (carton < 0 || carton > 9) throw new Error(`carton number ${carton} does not fit an SSCC serial (0-9)`)
  const seedPart = ((seed % 1000) + 1000) % 1000
  return makeSscc(0, companyPrefix, seedPart * 1_000_000 + orderIndex * 10 + carton)
}

export const isValidSscc = (sscc: string): boolean => /^\d{18}$/.test(sscc) && gs1CheckDigitOk(sscc)
