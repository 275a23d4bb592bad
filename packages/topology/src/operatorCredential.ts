/**
 * The credential an operator CLI (`npm run parked`, `npm run reconcile`)
 * sends: `LOGIMESH_API_KEY` when set, else the admin key the local topology
 * issued (`<state dir>/secrets/api-keys.json`; the only region there, or the
 * one named). Undefined when neither exists (the region then answers 401).
 */
import { Effect, Option, Redacted } from "effect"
import { resolve } from "node:path"
import { ProcessSettings } from "@logimesh/config"
import { readApiKeys } from "./TopologyApiKeys.ts"

export const operatorCredential = async (stateDir: string, region?: string): Promise<string | undefined> => {
  const fromEnv = await Effect.runPromise(ProcessSettings.apiKey)
  if (Option.isSome(fromEnv)) return Redacted.value(fromEnv.value)
  const regions = readApiKeys(resolve(stateDir))?.regions ?? {}
  const chosen = region ?? (Object.keys(regions).length === 1 ? Object.keys(regions)[0] : undefined)
  return chosen === undefined ? undefined : regions[chosen]?.admin
}

/** `{ authorization: "Bearer …" }`, or nothing without a credential. */
export const operatorHeaders = async (stateDir: string, region?: string): Promise<Record<string, string>> => {
  const credential = await operatorCredential(stateDir, region)
  return credential === undefined ? {} : { authorization: `Bearer ${credential}` }
}
