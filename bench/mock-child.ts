/**
 * The benchmark's work under Pulumi mocks, one job per process (a fresh heap each time):
 *
 *   mock-child.ts cost                         workflow cost of the dev stack's generated templates
 *   mock-child.ts eval <instances> <clusters>  evaluate the program, report time/memory/resources
 *   mock-child.ts render <instances> <namespace> <out.yaml> [clusters]
 *                                              the Kubernetes objects of an N-instance (× M-cluster)
 *                                              dev stack as YAML (kubectl comparison, the baseline
 *                                              program), SSH Secrets filled with a real RSA-3072
 *                                              key pair (mocks have no key)
 *   mock-child.ts serialize                    each dynamic provider serialized as the SDK does it
 *                                              in a run without the build's code: time and size
 *
 * Prints one JSON object on stdout.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { workflowCost } from "../tests/lib/workflow-cost";
import type { WorkflowTemplate } from "../components/argo/model";
import { generateRsaKeyPair } from "../components/dynamic/ssh-key-pair";
import { dynamicProviders } from "../components/dynamic/provider-code";
import { configOf, runProgram } from "../tests/lib/mock-program";
import { renderObjects } from "../tests/lib/render";
import { repoStackValues, scaledValues } from "./lib/config";

const DYNAMIC = "pulumi-nodejs:dynamic:";

async function cost() {
    const values = repoStackValues("dev");
    const objects = await renderObjects(values);
    const templates = objects.filter((o) => o.manifest.kind === "WorkflowTemplate").map((o) => o.manifest as WorkflowTemplate);
    const costs = Object.fromEntries(templates.map((t) => [t.metadata.name, workflowCost(t)]));
    // With metrics off (the instance's own parameter), for the "3 with metrics off" figure.
    const deploy = templates.find((t) => t.metadata.name === "deploy-arkouda-on-kubernetes");
    const del = templates.find((t) => t.metadata.name === "delete-arkouda-on-kubernetes");
    const params = (t: WorkflowTemplate) =>
        Object.fromEntries((t.spec.arguments?.parameters ?? []).map((p: any) => [p.name, String(p.value ?? "")]));
    const metricsOff = {
        deploy: deploy ? workflowCost(deploy, { ...params(deploy), "metrics-enabled": "false" }) : undefined,
        delete: del ? workflowCost(del, { ...params(del), "metrics-enabled": "false" }) : undefined,
    };
    return { costs, metricsOff };
}

async function evaluate(instances: number, clusters: number) {
    const values = scaledValues({ instances, clusters }, "bench-eval");
    const before = process.memoryUsage();
    const t0 = process.hrtime.bigint();
    const config = configOf(values);
    const tConfig = process.hrtime.bigint();
    const run = await runProgram(config);
    const t1 = process.hrtime.bigint();
    const dynamic = run.declared.filter((d) => d.type.startsWith(DYNAMIC));
    const providerTexts = dynamic.map((d) => String(d.inputs.__provider ?? ""));
    const byType: Record<string, number> = {};
    for (const d of run.declared) byType[d.type] = (byType[d.type] ?? 0) + 1;
    return {
        instances,
        clusters,
        configS: Number(tConfig - t0) / 1e9,
        evalS: Number(t1 - t0) / 1e9,
        resources: run.declared.length + 1 /* the stack */,
        kubernetesObjects: run.declared.filter((d) => d.custom && d.type.startsWith("kubernetes:") && d.inputs.kind).length,
        byType,
        dynamicResources: dynamic.length,
        dynamicProviderBytes: providerTexts.reduce((s, t) => s + t.length, 0),
        dynamicProviderDistinct: new Set(providerTexts).size,
        dynamicProviderSizes: Object.fromEntries(
            [...new Set(dynamic.map((d) => d.type))].map((t) => [
                t,
                String(dynamic.find((d) => d.type === t)!.inputs.__provider ?? "").length,
            ]),
        ),
        heapUsedMB: (process.memoryUsage().heapUsed - before.heapUsed) / 2 ** 20,
        maxRssMB: process.resourceUsage().maxRSS / 1024,
    };
}

/**
 * Each provider the program registers (its modules are loaded with runProgram's), serialized once,
 * by type, as pulumi.dynamic.Resource does it: seconds and characters.
 */
async function serialize() {
    const out: Record<string, { seconds: number; chars: number }> = {};
    for (const [type, provider] of dynamicProviders()) {
        const t0 = process.hrtime.bigint();
        const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
        out[type] = { seconds: Number(process.hrtime.bigint() - t0) / 1e9, chars: text.length };
    }
    return out;
}

async function render(instances: number, namespace: string, out: string, clusters = 1) {
    const values = scaledValues({ instances, clusters }, namespace);
    const objects = await renderObjects(values);
    const key = generateRsaKeyPair(3072, "arkouda-gasnet");
    const manifests = objects.map((o) => {
        const m = JSON.parse(JSON.stringify(o.manifest));
        // The SSH Secret: under mocks the key pair's outputs are unknown, so its stringData comes
        // out empty (no other Secret's values are unknown there); filled as a real key pair fills it.
        if (m.kind === "Secret" && m.type === "Opaque" && m.stringData && Object.keys(m.stringData).length === 0) {
            m.stringData = { id_rsa: key.privateKey, "id_rsa.pub": key.publicKey, authorized_keys: key.publicKey };
        }
        return m;
    });
    fs.writeFileSync(out, manifests.map((m) => stringify(m, { sortMapEntries: true })).join("---\n"));
    const kinds: Record<string, number> = {};
    for (const m of manifests) kinds[m.kind] = (kinds[m.kind] ?? 0) + 1;
    return { objects: manifests.length, kinds, bytes: fs.statSync(out).size };
}

async function main(argv: string[]) {
    const [mode, ...rest] = argv;
    let result: unknown;
    if (mode === "cost") result = await cost();
    else if (mode === "eval") result = await evaluate(Number(rest[0]), Number(rest[1]));
    else if (mode === "serialize") result = await serialize();
    else if (mode === "render") result = await render(Number(rest[0]), rest[1], rest[2], rest[3] ? Number(rest[3]) : 1);
    else throw new Error(`unknown mode ${mode}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    // Mocks leave nothing to wait for; do not let stray timers hold the process.
    process.exit(0);
}

main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
});
