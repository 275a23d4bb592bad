/**
 * Dependency rules of logimesh (ARCHITECTURE.md, "Dependency rules").
 * Run by `npm run depcheck` inside the test command; a broken rule fails CI.
 *
 * Package kinds, by folder name under packages/:
 *   platform  config, db, bus, logging, engine, governance, modulespec   (no business-module knowledge)
 *   kernel    model                            (canonical schemas and envelope; pure, imports only effect)
 *   module    order, shipment, task, inventory, pod           (one business object each)
 *   adapter   adapter-*                        (REST, webhooks, EDI, files, connectors)
 *   app       region                           (composes everything)
 *   tooling   topology, testkit, simulators, drills (never imported by runtime code)
 */
const modules = "(order|shipment|task|inventory|pod)"
const platform = "(config|db|bus|logging|engine|governance|modulespec)"

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles make layers impossible to reason about.",
      from: {},
      to: { circular: true }
    },
    {
      name: "module-not-to-other-module",
      severity: "error",
      comment: "Business modules talk by events or a public service; cross-module flows live in the region package.",
      from: { path: `^packages/${modules}/` },
      to: { path: `^packages/${modules}/`, pathNot: "^packages/$1/" }
    },
    {
      name: "module-not-to-adapter",
      severity: "error",
      comment: "Adapters depend on modules, never the other way round.",
      from: { path: `^packages/${modules}/` },
      to: { path: "^packages/adapter-" }
    },
    {
      name: "platform-not-to-business",
      severity: "error",
      comment: "Platform packages know nothing of modules, adapters or the app.",
      from: { path: `^packages/${platform}/src/` },
      to: { path: `^packages/(${modules.slice(1, -1)}|adapter-[^/]+|region)/` }
    },
    {
      name: "runtime-not-to-tooling",
      severity: "error",
      comment: "Runtime code never imports the topology runner or the test harness.",
      from: { path: "^packages/[^/]+/src/", pathNot: "^packages/(topology|testkit|simulators|drills)/" },
      to: { path: "^packages/(topology|testkit|simulators|drills)/" }
    },
    {
      name: "only-through-index",
      severity: "error",
      comment: "Another package is reached through its public index.ts, never its internal files.",
      from: { path: "^packages/([^/]+)/" },
      to: { path: "^packages/[^/]+/src/", pathNot: ["^packages/$1/", "^packages/[^/]+/src/index\\.ts$"] }
    },
    {
      name: "model-is-pure",
      severity: "error",
      comment: "The canonical model is pure data and functions: it imports effect and itself, nothing else.",
      from: { path: "^packages/model/src/" },
      to: { pathNot: ["^packages/model/src/", "node_modules/effect/"] }
    },
    {
      name: "decider-is-pure",
      severity: "error",
      comment: "Deciders are pure functions: no I/O imports (Temporal-samples rule).",
      from: { path: "(Decider|decide)\\.ts$" },
      to: {
        path: "^(node:|fs$|net$|http$|child_process$|pg$|kysely|@nats-io/|pino$)|node_modules/(pg|kysely|@nats-io|pino)/|^packages/(db|bus)/"
      }
    }
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["(^|/)(node_modules|\\.tsbuild|\\.test-runs|\\.logimesh)/", "^test/fixtures/"] },
    tsConfig: { fileName: require("node:path").join(__dirname, "tsconfig.base.json") },
    tsPreCompilationDeps: true,
    preserveSymlinks: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".json"]
    }
  }
}
