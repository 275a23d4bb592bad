/**
 * Optional fields passed on as optional: `definedFields({ a: x, b: y })`
 * keeps only the fields whose value is not `undefined`, typed so each may be
 * absent. With `exactOptionalPropertyTypes`, an optional field must be absent
 * rather than `undefined`; spread the result where the field is optional:
 * `{ subject, ...definedFields({ headers }) }`.
 */
export const definedFields = <T extends Readonly<Record<string, unknown>>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value
  return out as { [K in keyof T]?: Exclude<T[K], undefined> }
}
