/**
 * Who sent a command message, from the subject it was published on: a site's
 * systems publish `site.<site>.evt.command` into their own leaf (the WES of
 * that site), central systems `in.<site>.<system>` into the hub's INGRESS.
 * NATS permissions decide who may publish which subject, so the subject names
 * the sender; no header can. Also where that sender hears its answers.
 */
import { Subjects } from "@logimesh/bus"
import type { SourceSystem } from "@logimesh/model"

export interface CommandSender {
  readonly system: typeof SourceSystem.Type
  /** The site a WES speaks for. */
  readonly site: string | undefined
  /** Where the region publishes its answer to this sender's commands. */
  readonly answerSubject: string
}

const centralSystems: Readonly<Record<string, { readonly system: typeof SourceSystem.Type; readonly answer: "erp" | "dispatch" }>> = {
  erp: { system: "ERP", answer: "erp" },
  dispatch: { system: "DISPATCH", answer: "dispatch" }
}

/** The sender a command subject stands for; undefined for a subject no outside system publishes commands on. */
export const commandSenderOf = (subject: string): CommandSender | undefined => {
  const tokens = subject.split(".")
  const [root, site, kind, leaf] = tokens
  if (root === "site" && site !== undefined && tokens.length === 4 && kind === "evt" && leaf === "command") {
    return { system: "WES", site, answerSubject: Subjects.siteOutcome(site) }
  }
  if (root === "in" && site !== undefined && tokens.length === 3) {
    const central = centralSystems[kind ?? ""]
    return central === undefined ? undefined : { system: central.system, site: undefined, answerSubject: Subjects.centralSystem(central.answer, "outcome") }
  }
  return undefined
}
