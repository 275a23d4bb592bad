/**
 * An operator's replay of a parked command runs through the command
 * pipeline as the original sender, never as a raw publish: a corrected body
 * that breaks ownership (dispatch creating a sales order, which the ERP owns) is
 * refused with the pipeline's 403, stays parked, and nothing is applied
 * (no order, no message in COMMANDS_<region>, the refusal in the ownership
 * audit). Control: the ERP's parked order, corrected, is applied once and a
 * second replay is refused.
 */
import { jetstreamManager } from "@nats-io/jetstream"
import { connect, headers as natsHeaders } from "@nats-io/transport-node"
import { jetstream } from "@nats-io/jetstream"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestTopology, type TestTopology } from "@logimesh/testkit"
import { ADMIN_USER, waitFor } from "@logimesh/topology"
import { natsAuthOptions } from "@logimesh/bus"
import { orderBody } from "../flow/apiClient.ts"

let mesh: TestTopology
/** The operator's credentials (the parked-message routes are admin routes). */
let admin: Record<string, string> = {}

beforeAll(async () => {
  mesh = await startTestTopology("parked-replay")
  admin = { authorization: `Bearer ${mesh.apiKeys.admin}` }
}, 120_000)

afterAll(async () => {
  await mesh?.stop()
}, 60_000)

const UNKNOWN_SITE = "dc-nowhere"

interface ParkedListEntry {
  readonly id: number
  readonly reason: string
  readonly subject: string
  readonly status: string
}

/** A central system's create-order command, as a message into the hub's INGRESS for an unknown ship-from site (parked as UnknownSite). */
const sendIngress = async (system: "erp" | "dispatch", order: string) => {
  // The central system itself, with its own NATS user (it may publish only its own INGRESS subjects).
  const hub = await connect({ servers: mesh.hubUrl, ...natsAuthOptions(mesh.topology.natsCredentials(system)) })
  try {
    const h = natsHeaders()
    h.set("Logimesh-Command-Path", "/v1/orders")
    h.set("Idempotency-Key", `replay-${order}`)
    await jetstream(hub, { domain: "hub" }).publish(`in.${UNKNOWN_SITE}.${system}`, new TextEncoder().encode(JSON.stringify(orderBody(order, UNKNOWN_SITE))), {
      msgID: `${system}:${order}`,
      headers: h
    })
  } finally {
    await hub.close()
  }
}

const parkedOf = (system: string) =>
  waitFor(
    `the ${system}'s order parked as UnknownSite`,
    async () => {
      const body = (await (await fetch(`${mesh.regionUrl}/v1/parked`, { headers: admin })).json()) as { readonly parked: ReadonlyArray<ParkedListEntry> }
      return body.parked.find((p) => p.reason === "UnknownSite" && p.subject === `in.${UNKNOWN_SITE}.${system}`)
    },
    { timeoutMs: 20_000 }
  )

const replay = (id: number, body: unknown) =>
  fetch(`${mesh.regionUrl}/v1/parked/${id}/replay`, { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify(body) })

/** Messages stored in the region's module command stream: what reached the engines. */
const commandsStored = async () => {
  const nc = await connect({ servers: mesh.hubUrl, ...natsAuthOptions(mesh.topology.natsCredentials(ADMIN_USER)) })
  try {
    return (await (await jetstreamManager(nc, { domain: "hub" })).streams.info("COMMANDS_eu-west")).state.messages
  } finally {
    await nc.close()
  }
}

const parkedStatus = async (id: number) =>
  ((await (await fetch(`${mesh.regionUrl}/v1/parked/${id}`, { headers: admin })).json()) as { readonly status: string }).status

describe("replaying a parked command", () => {
  it("refuses a correction that breaks ownership, as the original sender, and applies nothing", async () => {
    await sendIngress("dispatch", "SO-REPLAY-DISPATCH")
    const parked = await parkedOf("dispatch")
    const before = await commandsStored()

    const answer = await replay(parked.id, orderBody("SO-REPLAY-DISPATCH", "dc-antwerp"))
    expect(answer.status).toBe(422)
    const body = (await answer.json()) as { readonly outcome: { readonly status: number; readonly body: { readonly sender: string; readonly object: string } } }
    expect(body.outcome.status).toBe(403)
    expect(body.outcome.body).toMatchObject({ sender: "DISPATCH", object: "SalesOrder" })

    expect(await parkedStatus(parked.id)).toBe("parked")
    expect((await fetch(`${mesh.regionUrl}/v1/orders/SO-REPLAY-DISPATCH`, { headers: admin })).status).toBe(404)
    expect(await commandsStored()).toBe(before)
    const audit = (await (await fetch(`${mesh.regionUrl}/v1/governance/ownership-rejections`, { headers: admin })).json()) as {
      readonly rejections: ReadonlyArray<{ readonly sender: string; readonly business_key: string | null }>
    }
    expect(audit.rejections.some((r) => r.sender === "DISPATCH" && r.business_key === "SO-REPLAY-DISPATCH")).toBe(true)
  })

  it("control: the ERP's parked order, corrected, is applied once through the pipeline; a second replay is refused", async () => {
    await sendIngress("erp", "SO-REPLAY-ERP")
    const parked = await parkedOf("erp")
    const before = await commandsStored()

    const answer = await replay(parked.id, orderBody("SO-REPLAY-ERP", "dc-antwerp"))
    expect(answer.status).toBe(200)
    expect(await answer.json()).toMatchObject({ status: "replayed", outcome: { status: 201 } })
    expect(await parkedStatus(parked.id)).toBe("replayed")
    expect((await replay(parked.id, orderBody("SO-REPLAY-ERP", "dc-antwerp"))).status).toBe(409)

    const timeline = (await (await fetch(`${mesh.regionUrl}/v1/orders/SO-REPLAY-ERP/timeline`, { headers: admin })).json()) as {
      readonly timeline: ReadonlyArray<{ readonly type: string }>
    }
    expect(timeline.timeline.filter((e) => e.type === "OrderCreated")).toHaveLength(1)
    expect(await commandsStored()).toBeGreaterThan(before)
  })
})
