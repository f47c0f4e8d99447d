/**
 * Runs the program's components under Pulumi mocks (fast unit tests; never called
 * integration) and records every resource with the options it was declared with.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { parseStackConfig } from "../../components/config";
import { StackSecrets } from "../../components/config/load";
import { ArkoudaWorkflowsConfig } from "../../components/config/types";
import { rollOut } from "../../components/rollout";
import type { ArkoudaCluster } from "../../components/cluster";
import { asArray } from "../../components/component";

export interface Declared {
    readonly type: string;
    readonly name: string;
    /** Inputs as the mock engine received them, secrets unwrapped. */
    inputs: Record<string, any>;
    /** Dotted paths of the inputs that reached the engine as secrets. */
    readonly secretPaths: string[];
    readonly custom: boolean;
    /** Provider reference (`urn::id`) the engine received, empty for default providers. */
    provider: string;
    /** The resource object and options from the stack transformation. */
    readonly resource?: pulumi.Resource;
    readonly opts: pulumi.ResourceOptions;
    readonly props: Record<string, any>;
}

export interface ProgramRun {
    readonly declared: Declared[];
    readonly clusters: Record<string, ArkoudaCluster>;
    readonly outputs: Record<string, any>;
}

export function stackValues(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

export function configOf(values: Record<string, unknown>, secretKeys: string[] = []): ArkoudaWorkflowsConfig {
    return parseStackConfig({ values: stackValues(values), secretKeys: new Set(secretKeys) });
}

/** Resolves an Output in tests. */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) =>
        pulumi.output(output).apply((v) => {
            resolve(v as T);
            return v;
        }),
    );
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Replace the engine's secret envelopes by their values, noting where they were. */
function unwrapSecrets(value: any, path: string, secretPaths: string[]): any {
    if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, secretPaths));
    if (value && typeof value === "object") {
        if (value[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270") {
            secretPaths.push(path);
            return unwrapSecrets(value.value, path, secretPaths);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v, path ? `${path}.${k}` : k, secretPaths)]));
    }
    return value;
}

/** A random suffix the mock derives from the keepers, as the real provider keeps one per keeper set. */
function mockRandom(inputs: Record<string, any>): string {
    return createHash("sha256")
        .update(JSON.stringify(inputs.keepers ?? {}))
        .digest("hex")
        .slice(0, inputs.length ?? 6);
}

/** Declare the program for `config` under mocks and wait until every resource is registered. */
export async function runProgram(config: ArkoudaWorkflowsConfig, secrets: StackSecrets = { kubeconfigs: {} }): Promise<ProgramRun> {
    const declared: Declared[] = [];
    const byName = new Map<string, { opts: pulumi.ResourceOptions; props: Record<string, any>; resource: pulumi.Resource }>();
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const transformed = byName.get(`${args.type}::${args.name}`);
                const secretPaths: string[] = [];
                const inputs = unwrapSecrets(args.inputs, "", secretPaths);
                declared.push({
                    type: args.type,
                    name: args.name,
                    inputs,
                    secretPaths,
                    custom: args.custom ?? true,
                    provider: args.provider ?? "",
                    opts: transformed?.opts ?? {},
                    props: transformed?.props ?? {},
                    resource: transformed?.resource,
                });
                const state: Record<string, any> = { ...inputs };
                if (args.type === "random:index/randomString:RandomString" || args.type === "random:index/randomPassword:RandomPassword")
                    state.result = mockRandom(args.inputs);
                if (args.type.startsWith("pulumi-nodejs:dynamic:")) state.phase = "Succeeded";
                if (state.metadata && typeof state.metadata === "object") state.metadata = { uid: `${args.name}-uid`, ...state.metadata };
                return { id: `${args.name}-id`, state };
            },
            call(args) {
                return args.inputs;
            },
        },
        "arkouda-workflows",
        "unit",
        false,
    );

    let clusters: Record<string, ArkoudaCluster> = {};
    let outputs: Record<string, any> = {};
    await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            byName.set(`${args.type}::${args.name}`, { opts: args.opts, props: args.props, resource: args.resource });
            return undefined;
        });
        clusters = rollOut(config, secrets);
        outputs = await valueOf(Object.fromEntries(Object.entries(clusters).map(([name, c]) => [name, c.outputs])) as any);
        return outputs;
    });
    // Registration is asynchronous; wait until the count settles.
    for (let stable = 0, last = -1; stable < 5;) {
        await new Promise((r) => setTimeout(r, 10));
        stable = declared.length === last ? stable + 1 : 0;
        last = declared.length;
    }
    return { declared, clusters, outputs };
}

export function ofType(run: ProgramRun, type: string): Declared[] {
    return run.declared.filter((d) => d.type === type);
}

/** Walk a resource's parent chain from its transformation options. */
export function ancestors(declared: Declared): pulumi.Resource[] {
    const chain: pulumi.Resource[] = [];
    for (let parent = declared.opts.parent; parent; parent = (parent as any).__parentResource) chain.push(parent);
    return chain;
}

/**
 * Whether `declared` waits for `resource`: named in its dependsOn, or in the dependsOn of a
 * resource it waits for (the engine registers a resource only once all of them exist).
 */
export function waitsFor(run: ProgramRun, declared: Declared, resource: pulumi.Resource): boolean {
    const byResource = new Map(run.declared.flatMap((d) => (d.resource ? [[d.resource, d] as const] : [])));
    const seen = new Set<pulumi.Resource>();
    const queue = [...(asArray(declared.opts.dependsOn) as pulumi.Resource[])];
    while (queue.length > 0) {
        const next = queue.shift()!;
        if (next === resource) return true;
        if (seen.has(next)) continue;
        seen.add(next);
        const d = byResource.get(next);
        if (d) queue.push(...(asArray(d.opts.dependsOn) as pulumi.Resource[]));
    }
    return false;
}
