/**
 * The Pulumi entry point (Pulumi.yaml `main`). Runs the program as built into bin/ by
 * `npm run build:program` (scripts/setup.sh builds it): JavaScript, ts-node is not loaded. It
 * refuses a build older than its sources, naming the command.
 *
 * ARKOUDA_DEV=1 runs index.ts instead, through ts-node with tsconfig.json's settings
 * (transpile-only, swc): no build step, for working on the program (docs/development.md).
 */
"use strict";
const path = require("path");

if (process.env.ARKOUDA_DEV === "1") {
    // A language host that registered ts-node already (one run without scripts/language-host) loads .ts.
    if (!require.extensions[".ts"]) require("ts-node").register({ project: path.join(__dirname, "tsconfig.json") });
    module.exports = require("./index.ts");
} else {
    // A RunError prints its message alone, without a stack trace. refuseStale throws it (see there
    // why not this module).
    const { RunError } = require("@pulumi/pulumi");
    require("./scripts/program-build.js").refuseStale(__dirname, RunError);
    module.exports = require("./bin/index.js");
}
