/**
 * Reconciliation's classification without servers: each case builds the
 * observations (outbox rows, what the hub scan saw, which outbox ids exist,
 * each site's scan) and checks the statuses, counts, differences and the gaps
 * a repair may re-publish. The I/O that gathers them is tested against real
 * servers in reconciliation.integration.test.ts.
 */
import { describe, expect, it } from "vitest"
import type { OutboxRecord } from "@logimesh/engine"
import {
  classify,
  type HubMessage,
  type Observations,
  type SiteObservation,
  strangerOutboxIds,
  wesSitesToRead
} from "../src/reconciliation/classifyReconciliation.ts"
import type { Counts } from "../src/reconciliation/ReconciliationReport.ts"
import type { ScanResult } from "../src/reconciliation/StreamScan.ts"

const NOW = Date.parse("2026-12-07T12:00:00Z")
const S = 1_000
const MIN = 60 * S
const REGION = "eu-west"

const complete: ScanResult = { scanned: 0, firstSeq: 1, lastSeq: 100, lastTimestampMs: NOW, complete: true, truncated: null }

interface RowSpec {
  readonly id: string
  readonly subject?: string
  readonly order?: string
  /** Written this long ago. */
  readonly ageMs?: number
  /** Marked sent this long ago (absent: unsent). */
  readonly sentAgoMs?: number
}

const row = (r: RowSpec): OutboxRecord => ({
  id: r.id,
  subject: r.subject ?? "sys.erp.fulfilment-progress",
  headers: {},
  createdAt: new Date(NOW - (r.ageMs ?? 10 * MIN)),
  sentAt: r.sentAgoMs === undefined ? null : new Date(NOW - r.sentAgoMs),
  payloadKey: r.order ?? "SO-1"
})

const hub = (entries: ReadonlyArray<readonly [string, Partial<HubMessage> & { readonly seqs: ReadonlyArray<number> }]>) =>
  new Map(entries.map(([msgId, m]) => [msgId, { subject: "sys.erp.fulfilment-progress", timestampMs: NOW - 5 * MIN, payloadOrder: null, ...m }]))

const observe = (o: {
  readonly rows: ReadonlyArray<RowSpec>
  readonly hub?: ReadonlyMap<string, HubMessage>
  readonly scan?: ScanResult
  readonly maxAgeMs?: number
  readonly present?: ReadonlyArray<string>
  readonly sites?: ReadonlyArray<readonly [string, SiteObservation]>
  readonly order?: string
  readonly maxRows?: number
  readonly maxListed?: number
}): Observations => ({
  region: REGION,
  otherRegions: ["us-east"],
  now: NOW,
  since: new Date(NOW - 60 * MIN),
  until: new Date(NOW),
  order: o.order ?? null,
  graceMs: MIN,
  maxMessages: 100_000,
  skewMs: 30 * S,
  maxRows: o.maxRows ?? 1_000,
  maxListed: o.maxListed ?? 1_000,
  prunedBeforeMs: NOW - 30 * MIN,
  outbox: o.rows.map(row),
  hub: {
    stream: "SYSTEMS_eu-west",
    endSeq: 100,
    maxAgeMs: o.maxAgeMs ?? 0,
    duplicateWindowMs: 2 * MIN,
    firstStoredMs: NOW - 60 * MIN,
    startTime: new Date(NOW - 60 * MIN - 30 * S),
    messages: o.hub ?? new Map(),
    scan: o.scan ?? complete
  },
  outboxIdsPresent: new Set(o.present ?? []),
  sites: new Map(o.sites ?? [])
})

const siteRead = (ids: ReadonlyArray<readonly [string, number]>, scan: ScanResult = complete): SiteObservation => ({
  status: "read",
  endSeq: 10,
  ids: new Map(ids),
  scan
})

interface Case {
  readonly name: string
  readonly observations: Observations
  readonly totals: Partial<Counts>
  readonly differences: ReadonlyArray<string>
  readonly gaps?: ReadonlyArray<string>
  readonly clean: boolean
  readonly complete?: boolean
  readonly stream?: Partial<{ direct: number; foreign: number; pruned: number }>
}

const cases: ReadonlyArray<Case> = [
  {
    name: "a sent row stored once is clean",
    observations: observe({ rows: [{ id: "1", sentAgoMs: 9 * MIN }], hub: hub([["eu-west:1", { seqs: [7] }]]) }),
    totals: { rows: 1, sent: 1, stored: 1 },
    differences: [],
    clean: true
  },
  {
    name: "an unsent row inside the grace is pending, past it unsent",
    observations: observe({
      rows: [
        { id: "1", ageMs: 30 * S },
        { id: "2", ageMs: 2 * MIN }
      ]
    }),
    totals: { rows: 2, sent: 0, pending: 1, unsent: 1 },
    differences: ["unsent 2"],
    clean: false
  },
  {
    name: "a sent row missing from a complete scan is a gap a repair may re-publish",
    observations: observe({ rows: [{ id: "1", sentAgoMs: 9 * MIN }] }),
    totals: { sent: 1, gap: 1 },
    differences: ["gap 1"],
    gaps: ["1"],
    clean: false
  },
  {
    name: "a sent row older than the stream's max_age is expired, not a gap",
    observations: observe({ rows: [{ id: "1", ageMs: 50 * MIN, sentAgoMs: 50 * MIN }], maxAgeMs: 20 * MIN }),
    totals: { expired: 1, gap: 0 },
    differences: [],
    clean: true
  },
  {
    name: "a sent row after a truncated scan's last message is unverified, and the report incomplete",
    observations: observe({
      rows: [
        { id: "1", sentAgoMs: MIN },
        { id: "2", sentAgoMs: 50 * MIN, ageMs: 50 * MIN }
      ],
      scan: { ...complete, complete: false, truncated: "max_messages", lastTimestampMs: NOW - 40 * MIN }
    }),
    totals: { unverified: 1, gap: 1 },
    differences: ["gap 2"],
    gaps: ["2"],
    clean: false,
    complete: false
  },
  {
    name: "one msg id at two sequences is a duplicate",
    observations: observe({ rows: [{ id: "1", sentAgoMs: 9 * MIN }], hub: hub([["eu-west:1", { seqs: [7, 9] }]]) }),
    totals: { stored: 1, duplicate: 1 },
    differences: ["duplicate 1"],
    clean: false
  },
  {
    name: "stream messages without a row: unexpected, pruned, outside the window, direct, foreign, no id",
    observations: observe({
      rows: [],
      hub: hub([
        ["eu-west:40", { seqs: [1] }],
        ["eu-west:41", { seqs: [2], timestampMs: NOW - 45 * MIN }],
        ["eu-west:42", { seqs: [3] }],
        ["eu-west:outcome:x", { seqs: [4] }],
        ["us-east:5", { seqs: [5] }],
        ["", { seqs: [6] }],
        ["eu-west:43", { seqs: [7], timestampMs: NOW - 2 * 60 * MIN }]
      ]),
      present: ["42"]
    }),
    totals: { rows: 0, unexpected: 2 },
    differences: ["unexpected -", "unexpected eu-west:40"],
    clean: false,
    stream: { direct: 1, foreign: 1, pruned: 1 }
  },
  {
    name: "a WES message at the hub and at its site is at_site; missing there (old) not_at_site; young site_pending",
    observations: observe({
      rows: [
        { id: "1", subject: "sys.wes.dc-a.order-release", sentAgoMs: 9 * MIN },
        { id: "2", subject: "sys.wes.dc-a.order-release", sentAgoMs: 9 * MIN },
        { id: "3", subject: "sys.wes.dc-a.order-release", sentAgoMs: 20 * S }
      ],
      hub: hub([
        ["eu-west:1", { seqs: [1] }],
        ["eu-west:2", { seqs: [2] }],
        ["eu-west:3", { seqs: [3], timestampMs: NOW - 20 * S }]
      ]),
      sites: [["dc-a", siteRead([["eu-west:1", 1]])]]
    }),
    totals: { stored: 3, at_site: 1, not_at_site: 1, site_pending: 1 },
    differences: ["not_at_site 2"],
    clean: false
  },
  {
    name: "a site without SITE_COMMANDS leaves its rows site_unknown, not a difference",
    observations: observe({
      rows: [{ id: "1", subject: "sys.wes.dc-a.order-release", sentAgoMs: 9 * MIN }],
      hub: hub([["eu-west:1", { seqs: [1] }]]),
      sites: [["dc-a", { status: "absent", detail: "no SITE_COMMANDS", endSeq: 0 }]]
    }),
    totals: { stored: 1, site_unknown: 1 },
    differences: [],
    clean: true,
    complete: true
  },
  {
    name: "an unreachable site makes the report incomplete",
    observations: observe({
      rows: [{ id: "1", subject: "sys.wes.dc-a.order-release", sentAgoMs: 9 * MIN }],
      hub: hub([["eu-west:1", { seqs: [1] }]]),
      sites: [["dc-a", { status: "unreachable", detail: "timeout", endSeq: 0 }]]
    }),
    totals: { site_unknown: 1 },
    differences: [],
    clean: true,
    complete: false
  },
  {
    name: "a WES gap already at its site is reported but never re-published; one known absent there is",
    observations: observe({
      rows: [
        { id: "1", subject: "sys.wes.dc-a.order-release", sentAgoMs: 9 * MIN },
        { id: "2", subject: "sys.wes.dc-a.order-release", sentAgoMs: 9 * MIN },
        { id: "3", subject: "sys.wes.dc-b.order-release", sentAgoMs: 9 * MIN }
      ],
      sites: [
        ["dc-a", siteRead([["eu-west:1", 1]])],
        ["dc-b", siteRead([], { ...complete, complete: false, truncated: "deadline" })]
      ]
    }),
    totals: { gap: 3 },
    differences: ["gap 1", "gap 2", "gap 3"],
    gaps: ["2"],
    clean: false,
    complete: false
  },
  {
    name: "a message stored twice at its site is a duplicate",
    observations: observe({
      rows: [{ id: "1", subject: "sys.wes.dc-a.order-release", sentAgoMs: 9 * MIN }],
      hub: hub([["eu-west:1", { seqs: [1] }]]),
      sites: [["dc-a", siteRead([["eu-west:1", 2]])]]
    }),
    totals: { at_site: 1, duplicate: 1 },
    differences: ["duplicate 1"],
    clean: false
  },
  {
    name: "one order asked for: strangers of other orders are not counted",
    observations: observe({
      rows: [{ id: "1", sentAgoMs: 9 * MIN, order: "SO-9" }],
      hub: hub([
        ["eu-west:1", { seqs: [1] }],
        ["eu-west:50", { seqs: [2], payloadOrder: "SO-1" }],
        ["eu-west:51", { seqs: [3], payloadOrder: "SO-9" }]
      ]),
      order: "SO-9"
    }),
    totals: { stored: 1, unexpected: 1 },
    differences: ["unexpected eu-west:51"],
    clean: false
  },
  {
    name: "more rows than maxRows: the read is truncated and says so",
    observations: observe({
      rows: [
        { id: "1", sentAgoMs: 9 * MIN },
        { id: "2", sentAgoMs: 9 * MIN }
      ],
      hub: hub([
        ["eu-west:1", { seqs: [1] }],
        ["eu-west:2", { seqs: [2] }]
      ]),
      present: ["2"],
      maxRows: 1
    }),
    totals: { rows: 1, stored: 1 },
    differences: [],
    clean: true,
    complete: false
  }
]

const differenceLabel = (d: { readonly kind: string; readonly outbox_id: string | null; readonly msg_id: string | null }) =>
  `${d.kind} ${d.kind === "unexpected" ? (d.msg_id ?? "-") : d.outbox_id}`

describe("classify", () => {
  it.each(cases)("$name", (c) => {
    const { report, gaps } = classify(c.observations)
    expect(report.totals).toMatchObject(c.totals)
    expect(report.differences.map(differenceLabel)).toEqual(c.differences)
    expect(gaps.map((g) => g.id)).toEqual(c.gaps ?? [])
    expect(report.clean).toBe(c.clean)
    if (c.complete !== undefined) expect(report.complete).toBe(c.complete)
    if (c.stream !== undefined) expect(report.systems_stream).toMatchObject(c.stream)
  })

  it("lists at most maxListed differences and says the list was cut; the counts stay complete", () => {
    const { report } = classify(
      observe({
        rows: [
          { id: "1", ageMs: 2 * MIN },
          { id: "2", ageMs: 2 * MIN },
          { id: "3", ageMs: 2 * MIN }
        ],
        maxListed: 2
      })
    )
    expect(report.totals.unsent).toBe(3)
    expect(report.differences).toHaveLength(2)
    expect(report.differences_truncated).toBe(true)
  })

  it("groups by (order, system): only groups with a difference, unless one order was asked for", () => {
    const rows: ReadonlyArray<RowSpec> = [
      { id: "1", sentAgoMs: 9 * MIN, order: "SO-1" },
      { id: "2", sentAgoMs: 9 * MIN, order: "SO-2", subject: "sys.dispatch.shipment-request" }
    ]
    const all = classify(observe({ rows, hub: hub([["eu-west:1", { seqs: [1] }]]) })).report
    expect(all.groups.map((g) => `${g.order} ${g.system} gap=${g.gap}`)).toEqual(["SO-2 dispatch gap=1"])
    expect(all.by_system).toMatchObject({ erp: { stored: 1 }, dispatch: { gap: 1 } })
    const one = classify(observe({ rows: [rows[0]!], hub: hub([["eu-west:1", { seqs: [1] }]]), order: "SO-1" })).report
    expect(one.groups.map((g) => `${g.order} ${g.system} stored=${g.stored}`)).toEqual(["SO-1 erp stored=1"])
  })

  it("asks the I/O for exactly the outbox ids and sites it needs", () => {
    const o = observe({
      rows: [
        { id: "1", subject: "sys.wes.dc-b.order-release", sentAgoMs: 9 * MIN },
        { id: "2", subject: "sys.wes.dc-a.order-release", sentAgoMs: 9 * MIN },
        { id: "3", subject: "sys.wes.dc-c.order-release", ageMs: 10 * S }
      ],
      hub: hub([
        ["eu-west:1", { seqs: [1] }],
        ["eu-west:77", { seqs: [2] }],
        ["eu-west:outcome:1", { seqs: [3] }]
      ])
    })
    expect(strangerOutboxIds(o)).toEqual(["77"])
    // dc-a: a gap (missing at the hub); dc-b: stored; dc-c: only a pending row.
    expect(wesSitesToRead(o)).toEqual(["dc-a", "dc-b"])
  })
})
