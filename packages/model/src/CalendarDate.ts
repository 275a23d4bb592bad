/**
 * An ISO calendar date ("2025-06-03"): a day, not an instant (requested ship
 * dates). Refuses dates that do not exist (2025-02-30, month 13).
 */
import { Schema } from "effect"

const isCalendarDate = (s: string): boolean => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false
  const day = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(s)
}

export const CalendarDate = Schema.String.pipe(
  Schema.check(Schema.isMaxLength(10).abort(), Schema.makeFilter(isCalendarDate, { expected: "a calendar date YYYY-MM-DD" }))
)
