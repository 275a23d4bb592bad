/**
 * A position in a log file that is appended to across restarts: what one
 * start of a process wrote, told apart from the lines of earlier runs (a
 * failed start is judged by its own lines only).
 */
import { readFileSync, statSync } from "node:fs"

export interface LogCursor {
  readonly file: string
  /** Everything written to the file since the cursor was taken. */
  text(): string
  /** The last `lines` lines written since the cursor was taken. */
  tail(lines?: number): string
}

export const logCursor = (file: string): LogCursor => {
  let offset = 0
  try {
    offset = statSync(file).size
  } catch {
    // Not created yet: everything it will hold is new.
  }
  const text = (): string => {
    try {
      return readFileSync(file).subarray(offset).toString("utf8")
    } catch {
      return ""
    }
  }
  return {
    file,
    text,
    tail: (lines = 15) => {
      const written = text().trimEnd()
      return written === "" ? "(nothing logged)" : written.split("\n").slice(-lines).join("\n")
    }
  }
}
