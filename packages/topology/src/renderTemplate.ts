/**
 * Renders the config templates kept in `infra/` (`{{name}}` placeholders).
 * A placeholder without a value is an error, never an empty string.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/** Repository root (this file lives in packages/topology/src). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

export const infraPath = (relative: string): string => fileURLToPath(new URL(`../../../infra/${relative}`, import.meta.url))

export const renderTemplate = (template: string, values: Readonly<Record<string, string | number>>): string =>
  template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key]
    if (value === undefined) throw new Error(`template placeholder {{${key}}} has no value`)
    return String(value)
  })

export const renderInfraTemplate = (relative: string, values: Readonly<Record<string, string | number>>): string =>
  renderTemplate(readFileSync(infraPath(relative), "utf8"), values)
