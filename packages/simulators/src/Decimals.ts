/**
 * Exact decimal strings for the wire (`Quantity.amount`, `Money.amount`):
 * weights are kept as integer grams and money as integer cents inside the
 * simulators and only formatted at the edge, so no float ever rounds a value.
 */

/** 1350 -> "1.350" (KG with three decimals). */
export const gramsToKg = (grams: number): string => fixed(grams, 3)

/** 12340 -> "123.40" (two decimals). */
export const centsToAmount = (cents: number): string => fixed(cents, 2)

/** "1.35" -> 1350; "2" -> 2000. Throws on anything but a plain non-negative decimal. */
export const kgToGrams = (kg: string): number => scaled(kg, 3)

const fixed = (units: number, decimals: number): string => {
  if (!Number.isSafeInteger(units) || units < 0) throw new Error(`not a whole non-negative number of units: ${units}`)
  const text = String(units).padStart(decimals + 1, "0")
  return `${text.slice(0, -decimals)}.${text.slice(-decimals)}`
}

const scaled = (decimal: string, decimals: number): number => {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(decimal)
  if (m === null) throw new Error(`not a plain decimal: ${JSON.stringify(decimal)}`)
  const fraction = (m[2] ?? "").padEnd(decimals, "0")
  if (fraction.length > decimals && /[1-9]/.test(fraction.slice(decimals))) {
    throw new Error(`${decimal} has more than ${decimals} decimals`)
  }
  return Number(m[1]) * 10 ** decimals + Number(fraction.slice(0, decimals))
}

/** The amount of a count quantity as a whole number ("3" -> 3, "3.0" -> 3); undefined when it is not whole. */
export const wholeAmount = (amount: unknown): number | undefined => {
  if (typeof amount !== "string" && typeof amount !== "number") return undefined
  const n = Number(amount)
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined
}
