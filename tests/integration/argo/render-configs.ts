/**
 * Renders the program's objects for several configurations, in a child process of its own (the
 * Pulumi mocks are process-global state; the mocha process that runs the integration tests must
 * not carry them).
 *
 *   npx ts-node tests/integration/argo/render-configs.ts <request.json>
 *
 * The request is a RenderRequest; one YAML file per (config, cluster) is written to `out`,
 * `<name>-<cluster>.yaml`, and the list of files is printed to stdout as JSON (RenderedFile[]).
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { renderObjects, stackConfigValues } from "../../lib/render";

export interface RenderConfig {
    /** File name prefix. */
    readonly name: string;
    /** A stack (Pulumi.<stack>.yaml) or explicit config values (without the project prefix). */
    readonly stack?: string;
    readonly values?: Record<string, unknown>;
    /** Overrides the config's top-level `namespace` (clusters without their own namespace use it). */
    readonly namespace?: string;
}

export interface RenderRequest {
    readonly out: string;
    readonly configs: readonly RenderConfig[];
    /** Only these kinds (default: every object). */
    readonly kinds?: readonly string[];
}

export interface RenderedFile {
    readonly config: string;
    readonly cluster: string;
    readonly file: string;
    readonly kinds: Record<string, number>;
}

const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

export function configValues(c: RenderConfig): Record<string, unknown> {
    const base = c.stack ? stackConfigValues(path.join(REPO_ROOT, `Pulumi.${c.stack}.yaml`)) : { ...(c.values ?? {}) };
    return c.namespace ? { ...base, namespace: c.namespace } : base;
}

export async function render(request: RenderRequest): Promise<RenderedFile[]> {
    fs.mkdirSync(request.out, { recursive: true });
    const files: RenderedFile[] = [];
    for (const c of request.configs) {
        const objects = (await renderObjects(configValues(c))).filter((o) => !request.kinds || request.kinds.includes(o.manifest.kind));
        for (const cluster of [...new Set(objects.map((o) => o.cluster))].sort()) {
            const list = objects.filter((o) => o.cluster === cluster).map((o) => o.manifest);
            const file = path.join(request.out, `${c.name}-${cluster}.yaml`);
            fs.writeFileSync(file, list.map((m) => stringify(m, { sortMapEntries: true })).join("---\n"));
            const kinds: Record<string, number> = {};
            for (const m of list) kinds[m.kind] = (kinds[m.kind] ?? 0) + 1;
            files.push({ config: c.name, cluster, file, kinds });
        }
    }
    return files;
}

if (require.main === module) {
    const request = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as RenderRequest;
    render(request)
        .then((files) => process.stdout.write(JSON.stringify(files)))
        .catch((error) => {
            console.error(error instanceof Error ? (error.stack ?? error.message) : error);
            process.exit(1);
        });
}
