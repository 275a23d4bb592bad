/**
 * Applies the mesh's streams and consumers (derived from `sites/`) to a
 * running hub and, through it, to every enabled site's domain. Idempotent:
 * prints created / updated / unchanged per stream and consumer; refuses to
 * re-create a stream whose retention changed.
 *
 *   npm run apply-streams -- [--hub nats://127.0.0.1:4222] [--sites sites] [--dry-run]
 *
 * Defaults come from NATS_URL and LOGIMESH_SITES_DIR (through ProcessSettings); it connects with the
 * credentials of NATS_NKEY_SEED_FILE / NATS_CA_FILE (the topology hands it the admin's).
 */
import { Duration, Effect, Layer } from "effect"
import { parseArgs } from "node:util"
import { applyStreams, meshStreamPlan, NatsConnection, natsCredentialsFromSettings, type StreamPlan } from "@logimesh/bus"
import { loadMeshConfig, ProcessSettings } from "@logimesh/config"

const { values } = parseArgs({
  options: {
    hub: { type: "string" },
    sites: { type: "string" },
    "dry-run": { type: "boolean", default: false }
  }
})

const describePlan = (plan: StreamPlan): ReadonlyArray<string> => [
  ...plan.streams.map(
    (s) =>
      `stream   ${s.domain ?? "(local)"}/${s.name}  subjects=[${s.subjects.join(", ")}]  sources=[${s.sources
        .map((src) => `${src.domain}/${src.name}`)
        .join(", ")}]  max_age=${Duration.format(s.maxAge)}  duplicate_window=${Duration.format(s.duplicateWindow)}  ` +
      `max_msgs=${s.maxMsgs}  max_bytes=${s.maxBytes}  discard=${s.discard}`
  ),
  ...plan.consumers.map(
    (c) =>
      `consumer ${c.domain ?? "(local)"}/${c.stream}/${c.name}  filter=${c.filterSubject ?? "(all)"}  max_deliver=${c.maxDeliver}  ` +
      `max_ack_pending=${c.maxAckPending}  backoff=[${c.backoff.map(Duration.format).join(", ")}]  dlq=${c.deadLetterSubject}`
  )
]

const program = Effect.gen(function* () {
  const sitesDir = values.sites ?? (yield* ProcessSettings.sitesDir)
  const hubUrl = values.hub ?? (yield* ProcessSettings.natsUrl)
  const plan = meshStreamPlan(yield* loadMeshConfig(sitesDir))
  if (values["dry-run"]) {
    for (const line of describePlan(plan)) console.log(line)
    return
  }
  const credentials = yield* natsCredentialsFromSettings
  const results = yield* applyStreams(plan).pipe(
    Effect.provide(Layer.fresh(NatsConnection.layerFrom({ url: hubUrl, name: "logimesh-apply-streams", credentials })))
  )
  for (const r of results) {
    const changed = r.changed.length === 0 ? "" : `  (${r.changed.join(", ")})`
    console.log(`${r.action.padEnd(9)} ${r.kind.padEnd(8)} ${r.domain ?? "(local)"}/${r.name}${changed}`)
  }
  console.log(`applied ${results.length} definitions to ${hubUrl}`)
})

Effect.runPromiseExit(program).then((exit) => {
  if (exit._tag === "Failure") {
    const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
    console.error(failure?._tag === "Fail" ? `apply-streams failed: ${failure.error.message}` : exit.cause)
    process.exitCode = 1
  }
})
