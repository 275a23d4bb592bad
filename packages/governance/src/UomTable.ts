/**
 * Unit-of-measure conversions, exact: `sites/governance/uom.json` declares
 * units by dimension (count, mass, length). Mass and length units carry a
 * fixed factor to their dimension's base (KG, CM): LB = 0.45359237 KG,
 * IN = 2.54 CM. Count units (CS, PL) are per item: how many EA one case or
 * pallet of that item holds.
 *
 * Arithmetic is on exact rationals of bigints; a result is returned only if
 * it is an exact (terminating) decimal, and a count result only if it is a
 * whole number. Anything else is a typed `UomError` — an unknown unit, a
 * conversion that is not defined (other dimension, no per-item factor), or
 * an inexact one (unless the caller asks to round to a number of decimals).
 * So converting there and back gives exactly what went in.
 */
import { BigDecimal, Result, Schema } from "effect"
import { ConfigIssue } from "@logimesh/config"
import { definedFields, NonNegativeDecimal, Quantity, UnitCode } from "@logimesh/model"

export const Dimension = Schema.Literals(["count", "mass", "length"])
export type Dimension = typeof Dimension.Type

const positiveDecimal = NonNegativeDecimal.pipe(
  Schema.check(Schema.makeFilter((n: BigDecimal.BigDecimal) => BigDecimal.isPositive(n), { expected: "a decimal > 0" }))
)

export const UomFile = Schema.Struct({
  /** The count unit every item is counted in (EA). */
  baseCountUnit: UnitCode,
  units: Schema.Record(
    UnitCode,
    Schema.Struct({
      dimension: Dimension,
      description: Schema.NonEmptyString,
      /** Mass/length: how many base units one of this unit is (LB: "0.45359237" KG). Count units take it per item. */
      toBase: Schema.optionalKey(positiveDecimal)
    })
  ),
  /** Per item: how many base count units (EA) one of each packaging unit holds. */
  items: Schema.Record(Schema.String, Schema.Record(UnitCode, positiveDecimal))
})
export type UomFile = typeof UomFile.Type

export class UnknownUnit extends Schema.TaggedError<UnknownUnit>()("UnknownUnit", { message: Schema.String }) {}
export class UndefinedConversion extends Schema.TaggedError<UndefinedConversion>()("UndefinedConversion", { message: Schema.String }) {}
export class InexactConversion extends Schema.TaggedError<InexactConversion>()("InexactConversion", { message: Schema.String }) {}

export const UomErrorReason = Schema.Union([UnknownUnit, UndefinedConversion, InexactConversion])
export type UomErrorReason = typeof UomErrorReason.Type

/** A conversion that cannot be made. Terminal: the message is parked with `message` as the reason. */
export class UomError extends Schema.TaggedError<UomError>()("UomError", {
  from: Schema.String,
  to: Schema.String,
  item: Schema.optionalKey(Schema.String),
  reason: UomErrorReason
}) {
  get isRetryable(): boolean {
    return false
  }

  override get message(): string {
    return `cannot convert ${this.from} to ${this.to}${this.item === undefined ? "" : ` for item ${this.item}`}: ${this.reason.message}`
  }
}

/** Cross-checks a decoded file: factors where they belong, item units that are count units. */
export const validateUomFile = (uom: UomFile): ReadonlyArray<ConfigIssue> => {
  const issues: Array<ConfigIssue> = []
  const base = uom.units[uom.baseCountUnit]
  if (base === undefined || base.dimension !== "count") {
    issues.push(new ConfigIssue({ path: "baseCountUnit", message: `"${uom.baseCountUnit}" must be a declared count unit` }))
  }
  for (const [code, unit] of Object.entries(uom.units)) {
    if (unit.dimension !== "count" && unit.toBase === undefined) {
      issues.push(new ConfigIssue({ path: `units.${code}.toBase`, message: `a ${unit.dimension} unit needs its factor to the base unit` }))
    }
    if (unit.dimension === "count" && unit.toBase !== undefined) {
      issues.push(new ConfigIssue({ path: `units.${code}.toBase`, message: "count units are converted per item (see items), not by a fixed factor" }))
    }
  }
  for (const [item, factors] of Object.entries(uom.items)) {
    for (const [code, factor] of Object.entries(factors)) {
      const unit = uom.units[code as UnitCode]
      if (unit === undefined || unit.dimension !== "count" || code === uom.baseCountUnit) {
        issues.push(new ConfigIssue({ path: `items.${item}.${code}`, message: `"${code}" is not a declared packaging (count) unit` }))
      } else if (!BigDecimal.isInteger(factor)) {
        issues.push(new ConfigIssue({ path: `items.${item}.${code}`, message: `a ${code} holds a whole number of ${uom.baseCountUnit}` }))
      }
    }
  }
  return issues
}

// ------------------------------------------------------------ exact rationals

interface Ratio {
  readonly n: bigint
  readonly d: bigint
}
const abs = (x: bigint) => (x < 0n ? -x : x)
const gcd = (a: bigint, b: bigint): bigint => {
  let [x, y] = [abs(a), abs(b)]
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}
const ratio = (n: bigint, d: bigint): Ratio => {
  const g = gcd(n, d) || 1n
  return { n: n / g, d: d / g }
}
const fromDecimal = (x: BigDecimal.BigDecimal): Ratio => (x.scale >= 0 ? ratio(x.value, 10n ** BigInt(x.scale)) : ratio(x.value * 10n ** BigInt(-x.scale), 1n))
const times = (a: Ratio, b: Ratio) => ratio(a.n * b.n, a.d * b.d)
const over = (a: Ratio, b: Ratio) => ratio(a.n * b.d, a.d * b.n)

/** The exact decimal of a ratio, or undefined when its expansion does not terminate. */
const toDecimal = (r: Ratio): BigDecimal.BigDecimal | undefined => {
  let d = r.d
  let twos = 0
  let fives = 0
  while (d % 2n === 0n) [d, twos] = [d / 2n, twos + 1]
  while (d % 5n === 0n) [d, fives] = [d / 5n, fives + 1]
  if (d !== 1n) return undefined
  const scale = Math.max(twos, fives)
  return BigDecimal.normalize(BigDecimal.make((r.n * 10n ** BigInt(scale)) / r.d, scale))
}
/** Half-even rounding of a non-negative ratio to `decimals` places. */
const roundTo = (r: Ratio, decimals: number): BigDecimal.BigDecimal => {
  const num = r.n * 10n ** BigInt(decimals)
  let q = num / r.d
  const twiceRemainder = (num % r.d) * 2n
  if (twiceRemainder > r.d || (twiceRemainder === r.d && q % 2n !== 0n)) q += 1n
  return BigDecimal.normalize(BigDecimal.make(q, decimals))
}

export interface ConvertOptions {
  /** Item whose packaging defines count units (CS, PL). */
  readonly item?: string
  /** Round a non-terminating mass/length result to this many decimals instead of failing. */
  readonly roundToDecimals?: number
}

export const convert = (uom: UomFile, quantity: Quantity, to: UnitCode, options: ConvertOptions = {}): Result.Result<Quantity, UomError> => {
  const fail = (reason: UomErrorReason) => Result.fail(new UomError({ from: quantity.unit, to, ...definedFields({ item: options.item }), reason }))
  const fromUnit = uom.units[quantity.unit]
  const toUnit = uom.units[to]
  if (fromUnit === undefined) return fail(new UnknownUnit({ message: `unknown unit "${quantity.unit}"` }))
  if (toUnit === undefined) return fail(new UnknownUnit({ message: `unknown unit "${to}"` }))
  if (fromUnit.dimension !== toUnit.dimension) {
    return fail(new UndefinedConversion({ message: `${quantity.unit} measures ${fromUnit.dimension}, ${to} measures ${toUnit.dimension}` }))
  }
  const factorOf = (code: UnitCode, unit: typeof fromUnit): BigDecimal.BigDecimal | string => {
    if (unit.dimension !== "count") return unit.toBase ?? `${code} has no factor`
    if (code === uom.baseCountUnit) return BigDecimal.fromBigInt(1n)
    if (options.item === undefined) return `${code} is a packaging unit: name the item`
    return uom.items[options.item]?.[code] ?? `no ${code} factor declared for item ${options.item}`
  }
  const fromFactor = factorOf(quantity.unit, fromUnit)
  const toFactor = factorOf(to, toUnit)
  if (typeof fromFactor === "string") return fail(new UndefinedConversion({ message: fromFactor }))
  if (typeof toFactor === "string") return fail(new UndefinedConversion({ message: toFactor }))
  const exact = over(times(fromDecimal(quantity.amount), fromDecimal(fromFactor)), fromDecimal(toFactor))
  if (toUnit.dimension === "count") {
    if (exact.d !== 1n) {
      return fail(
        new InexactConversion({
          message: `${quantity} is not a whole number of ${to} (${BigDecimal.format(toFactor)} ${uom.baseCountUnit} per ${to})`
        })
      )
    }
    return Result.succeed(new Quantity({ amount: BigDecimal.fromBigInt(exact.n), unit: to }))
  }
  const decimal = toDecimal(exact)
  if (decimal !== undefined) return Result.succeed(new Quantity({ amount: decimal, unit: to }))
  if (options.roundToDecimals !== undefined) return Result.succeed(new Quantity({ amount: roundTo(exact, options.roundToDecimals), unit: to }))
  return fail(new InexactConversion({ message: `${quantity} in ${to} is not an exact decimal; ask for rounding explicitly` }))
}
