/**
 * The benchmark's plain program (bench/baseline/index.ts) declares each manifest this program
 * renders with a plain @pulumi/kubernetes class per kind and refuses a kind it has no class for,
 * so a kind the program starts declaring must get one there, or the bench's comparison fails.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { configOf, runProgram } from "../lib/mock-program";

const BASELINE = path.join(__dirname, "..", "..", "bench", "baseline", "index.ts");

describe("bench baseline: a plain class for every kind the program declares", function () {
    this.timeout(60000);

    it("has a case for each core and Kubernetes-group kind (Argo's kinds go to CustomResource)", async () => {
        const run = await runProgram(
            configOf({
                instances: [{ name: "a", volumes: [{ name: "data", mountPath: "/data", claim: { size: "1Gi" } }] }],
                exporters: [{ name: "x", metricsServiceHost: "a-metrics" }],
                clusters: [{ name: "c", context: "ctx", createNamespace: true }],
            }),
        );
        const source = fs.readFileSync(BASELINE, "utf8");
        const kinds = [
            ...new Set(
                run.declared
                    .filter((d) => d.type.startsWith("kubernetes:") && !String(d.inputs.apiVersion).startsWith("argoproj.io/"))
                    .map((d) => String(d.inputs.kind)),
            ),
        ].sort();
        assert.ok(kinds.includes("ConfigMap") && kinds.includes("NetworkPolicy"), kinds.join(", "));
        const missing = kinds.filter((k) => k !== "Namespace" && !source.includes(`case "${k}":`));
        assert.deepStrictEqual(missing, [], `bench/baseline/index.ts has no case for ${missing.join(", ")}`);
    });
});
