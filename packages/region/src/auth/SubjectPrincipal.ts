/**
 * The principal of a command carried as a NATS message, from the subject it
 * was published on — NATS permissions decide who may publish which subject,
 * so the subject is the sender's credential; no header is:
 *   site.<site>.evt.command   the WES of <site> (`wes@<site>`, confined to that site)
 *   in.<site>.<system>        that central system (`erp`, `dispatch`; region-wide), <site> selecting the region
 * Anything else names no principal (the message is parked). A
 * `Logimesh-Source-System` header that names another system than the subject
 * is a spoofing attempt or a misconfigured sender: parked as `SenderMismatch`.
 * `answerSubjectOf` is where such a sender hears the region's answers.
 */
import { Subjects } from "@logimesh/bus"
import type { SiteId } from "@logimesh/model"
import { defaultPrincipalId, type Principal } from "./Principal.ts"

/** Central systems that may send commands through INGRESS, by their subject token. */
const ingressSystems = { erp: "ERP", dispatch: "DISPATCH" } as const

export const principalOfSubject = (subject: string): Principal | undefined => {
  const parts = subject.split(".")
  if (parts.length === 4 && parts[0] === "site" && parts[2] === "evt" && parts[3] === "command" && parts[1] !== "") {
    const site = parts[1] as SiteId
    return { id: defaultPrincipalId("WES", site), system: "WES", site, admin: false }
  }
  if (parts.length === 3 && parts[0] === "in" && parts[1] !== "") {
    const token = parts[2] ?? ""
    if (Object.hasOwn(ingressSystems, token)) {
      const system = ingressSystems[token as keyof typeof ingressSystems]
      return { id: defaultPrincipalId(system), system, admin: false }
    }
  }
  return undefined
}

/** Where a sender of command messages hears the answers: its site's outcome subject (a WES), or its system's. */
export const answerSubjectOf = (principal: Principal): string | undefined =>
  principal.system === "WES" && principal.site !== undefined
    ? Subjects.siteOutcome(principal.site)
    : principal.system === "ERP"
      ? Subjects.centralSystem("erp", "outcome")
      : principal.system === "DISPATCH"
        ? Subjects.centralSystem("dispatch", "outcome")
        : undefined
