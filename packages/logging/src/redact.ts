/**
 * Keeps secrets out of logs and error texts: `redactText` scrubs a string
 * (a message, an error's text, a stack) of the password in URLs
 * (`postgres://user:pass@host`, `nats://user:pass@host`, `nats://token@host`),
 * `password=` / `token=` / `api_key=` style pairs, `Authorization` values
 * (`Bearer ...`, `Basic ...`) and logimesh API keys (`lmk_...`);
 * `redactedPaths` are the fields pino replaces whole, wherever a log line
 * carries them (`authorization` headers, passwords, tokens, API keys,
 * database URLs). Used by the pino logger on every line and by `DbError` /
 * `BusError` for their messages.
 */

export const REDACTED = "[REDACTED]"

const rules: ReadonlyArray<readonly [RegExp, string]> = [
  // scheme://user:password@host -> scheme://user:[REDACTED]@host
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]*):([^\s/@]*)@/gi, `$1$2:${REDACTED}@`],
  // scheme://token@host (NATS token URLs) -> scheme://[REDACTED]@host
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]+)@/gi, `$1${REDACTED}@`],
  // Authorization header values
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
  [/(authorization["']?\s*[:=]\s*["']?)[^"',;\s]+/gi, `$1${REDACTED}`],
  // key=value secrets in connection strings and query strings
  [/\b(password|passwd|pwd|token|api[_-]?key|secret|access_token)=([^&\s"';]+)/gi, `$1=${REDACTED}`],
  // logimesh API keys
  [/\blmk_[A-Za-z0-9_-]+/g, `lmk_${REDACTED}`]
]

/** `text` with every credential it shows replaced by `[REDACTED]`. */
export const redactText = (text: string): string => rules.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text)

/** Fields pino censors whole on every line (top level and one level down, e.g. `headers.authorization`). */
export const redactedPaths: ReadonlyArray<string> = [
  "authorization",
  "password",
  "token",
  "apiKey",
  "api_key",
  "databaseUrl",
  "DATABASE_URL",
  "natsUrl",
  "NATS_URL"
].flatMap((field) => [field, `*.${field}`, `*.headers.${field}`, `headers.${field}`])
