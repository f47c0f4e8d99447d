/**
 * Renders every Kubernetes object the program declares for a stack, without a cluster:
 * the program runs under Pulumi mocks and each declared object is written as YAML.
 *
 *   npx ts-node tests/lib/render.ts <stack> [--out <dir>] [--kinds WorkflowTemplate,CronWorkflow,Workflow]
 *
 * With --out, writes <dir>/<stack>-<cluster>.yaml per cluster; otherwise all of it to stdout.
 *
 * Used by `argo lint` in CI, the integration fixtures and the benchmark's kubectl comparison; it
 * runs the program under the test mocks, so it lives with them.
 */
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { ArkoudaCluster } from "../../components/cluster";
import { ancestors, configOf, runProgram } from "./mock-program";

export interface RenderedObject {
    readonly cluster: string;
    readonly manifest: Record<string, any>;
}

/** Stack config values (without the project prefix) from Pulumi.<stack>.yaml. */
export function stackConfigValues(stackFile: string): Record<string, unknown> {
    const document = parse(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> };
    return Object.fromEntries(Object.entries(document.config ?? {}).map(([k, v]) => [k.replace(/^arkouda-workflows:/, ""), v]));
}

/** Every declared Kubernetes object (not providers or components) for the given config values. */
export async function renderObjects(values: Record<string, unknown>, secretKeys: string[] = []): Promise<RenderedObject[]> {
    const run = await runProgram(configOf(values, secretKeys));
    return run.declared
        .filter((d) => d.custom && d.type.startsWith("kubernetes:") && d.inputs.kind)
        .map((d) => ({ cluster: (ancestors(d).find((a) => a instanceof ArkoudaCluster) as ArkoudaCluster).name, manifest: d.inputs }));
}

async function main(argv: string[]) {
    const stack = argv[0];
    if (!stack) throw new Error("usage: render.ts <stack> [--out <dir>] [--kinds A,B]");
    const out = argv.includes("--out") ? argv[argv.indexOf("--out") + 1] : undefined;
    const kinds = argv.includes("--kinds") ? new Set(argv[argv.indexOf("--kinds") + 1].split(",")) : undefined;
    const objects = (await renderObjects(stackConfigValues(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`)))).filter(
        (o) => !kinds || kinds.has(o.manifest.kind),
    );
    const toYaml = (list: RenderedObject[]) => list.map((o) => stringify(o.manifest, { sortMapEntries: true })).join("---\n");
    if (!out) {
        process.stdout.write(toYaml(objects));
        return;
    }
    // One file per cluster: each cluster has its own copy of the shared templates.
    fs.mkdirSync(out, { recursive: true });
    for (const cluster of [...new Set(objects.map((o) => o.cluster))].sort()) {
        const file = path.join(out, `${stack}-${cluster}.yaml`);
        const list = objects.filter((o) => o.cluster === cluster);
        fs.writeFileSync(file, toYaml(list));
        console.error(`[render] ${stack}/${cluster}: ${list.length} objects -> ${file}`);
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((error) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
    });
}
