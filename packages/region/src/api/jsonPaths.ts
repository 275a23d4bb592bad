/**
 * A tiny path walker over decoded JSON request bodies, for the API's
 * reference checks: `lines.*.item` visits every line's item with its
 * concrete path (`lines.2.item`) so a problem names the exact field.
 */

export interface Visit {
  readonly path: string
  readonly value: unknown
  /** The object holding the value (to read siblings or replace it). */
  readonly parent: Record<string, unknown>
  readonly key: string
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)

/** Every value at `pattern` (dot-separated, `*` = each array element) that exists in `root`. */
export const visit = (root: unknown, pattern: string): ReadonlyArray<Visit> => {
  const out: Array<Visit> = []
  const walk = (node: unknown, parts: ReadonlyArray<string>, prefix: ReadonlyArray<string>) => {
    const [head, ...rest] = parts
    if (head === undefined) return
    if (head === "*") {
      if (!Array.isArray(node)) return
      node.forEach((element, index) => walk(element, rest, [...prefix, String(index)]))
      return
    }
    if (!isRecord(node) || !(head in node)) return
    if (rest.length === 0) {
      out.push({ path: [...prefix, head].join("."), value: node[head], parent: node, key: head })
      return
    }
    walk(node[head], rest, [...prefix, head])
  }
  walk(root, pattern.split("."), [])
  return out
}
