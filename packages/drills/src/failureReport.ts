/**
 * What to look at when a drill fails, as lines for a person: the sent
 * commands without an applied step (with what their sender saw), the orders
 * that did not finish, system messages stored more than once, and system
 * consumers still behind. Shared by `npm run drill` and the CI drill test.
 */
import type { DrillRun } from "./runDrill.ts"
import { senderName } from "./matchSentCommands.ts"

export const failureReport = ({ counts, summary }: Pick<DrillRun, "counts" | "summary">, limit = 10): ReadonlyArray<string> => {
  const lines: Array<string> = []
  for (const { command, fate } of counts.sent.fates.filter((f) => f.fate._tag !== "Applied").slice(0, limit)) {
    const answer = command.answer?.status ?? "none"
    const error = command.lastError === undefined ? "" : `, last error ${command.lastError}`
    const parked = fate._tag === "Parked" ? ` (${fate.reason}, ${fate.where})` : ""
    lines.push(
      `${fate._tag.toLowerCase()}: ${senderName(command)} ${command.action} ${command.path} key ${command.key}; sent ${command.sends}x via ${command.transport}, answer ${answer}${error}${parked}`
    )
  }
  for (const problem of summary.problems.slice(0, limit)) lines.push(`not finished: ${JSON.stringify(problem).slice(0, 400)}`)
  const seen = new Map<string, number>()
  for (const m of counts.systems) seen.set(`${m.subject} ${m.msgId}`, (seen.get(`${m.subject} ${m.msgId}`) ?? 0) + 1)
  for (const [what, n] of [...seen.entries()].filter(([, n]) => n > 1).slice(0, limit)) lines.push(`stored ${n} times: ${what}`)
  for (const c of counts.systemConsumersBehind) lines.push(`behind: ${JSON.stringify(c)}`)
  return lines
}
