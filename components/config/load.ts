/**
 * Reads the stack's config, validates all of it at once and returns the resolved model.
 * Nothing is declared before this succeeds, so bad input never half-applies a stack.
 */
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { SECRET_KEYS, STRING_KEYS, topLevelSchema, topLevelShape } from "./schema";
import { Path, Problem, resolveConfig, zodProblems } from "./resolve";
import { ArkoudaWorkflowsConfig } from "./types";
import { PROJECT } from "../names";

export { PROJECT };

/** All config problems of a stack, reported together in one message. */
export class ConfigError extends Error {
    constructor(public readonly problems: readonly string[]) {
        super(
            `invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
        this.name = "ConfigError";
    }
}

export function formatPath(path: Path): string {
    let text = `${PROJECT}:`;
    path.forEach((part, i) => {
        if (typeof part === "number") text += `[${part}]`;
        else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) text += i === 0 ? part : `.${part}`;
        else text += `["${part}"]`;
    });
    return text;
}

function describeInput(input: unknown): string {
    if (input === undefined) return "";
    const text = JSON.stringify(input);
    return text === undefined ? "" : ` (got ${text.length > 80 ? `${text.slice(0, 77)}...` : text})`;
}

export function formatProblem(problem: Problem): string {
    return `${formatPath(problem.path)} ${problem.message}${describeInput(problem.input)}`;
}

export interface StackConfigInput {
    /** Config values keyed without the project prefix, as Pulumi stores them: strings. */
    readonly values: Readonly<Record<string, string>>;
    /** Keys (without prefix) whose values are Pulumi secrets. */
    readonly secretKeys: ReadonlySet<string>;
}

/**
 * Validate and resolve config values. Pure: tests call it directly.
 * Secret values are only checked for presence and secrecy; they never enter the result.
 */
export function parseStackConfig(input: StackConfigInput): ArkoudaWorkflowsConfig {
    const problems: Problem[] = [];
    const document: Record<string, unknown> = {};
    const referencedSecrets = new Set<string>();

    for (const [key, text] of Object.entries(input.values)) {
        if (SECRET_KEYS.has(key)) continue;
        if (!(key in topLevelShape)) continue; // checked below, once cluster secret references are known
        if (STRING_KEYS.has(key)) {
            document[key] = text;
            continue;
        }
        try {
            document[key] = parseYaml(text);
        } catch (error) {
            problems.push({ path: [key], message: `is not valid YAML/JSON: ${(error as Error).message.split("\n")[0]}` });
        }
    }

    const parsed = topLevelSchema.safeParse(document, { reportInput: true });
    if (!parsed.success) problems.push(...zodProblems(parsed.error, [], topLevelSchema));

    const clusters = Array.isArray(document.clusters) ? document.clusters : [];
    clusters.forEach((cluster, index) => {
        const name = (cluster as Record<string, unknown> | null)?.kubeconfigSecret;
        if (typeof name !== "string") return;
        referencedSecrets.add(name);
        if (!(name in input.values)) {
            problems.push({
                path: ["clusters", index, "kubeconfigSecret"],
                message: `names config key '${PROJECT}:${name}', which is not set; set it with: pulumi config set --secret ${name} "$(cat <kubeconfig>)"`,
                input: name,
            });
        } else if (!input.secretKeys.has(name)) {
            problems.push({
                path: ["clusters", index, "kubeconfigSecret"],
                message: `names config key '${PROJECT}:${name}', which is stored in plain text; a kubeconfig holds credentials: set it again with pulumi config set --secret ${name} ...`,
                input: name,
            });
        }
    });

    const sshSource = (document.ssh as Record<string, unknown> | undefined)?.source;
    for (const key of SECRET_KEYS) {
        if (key in input.values) {
            if (!input.secretKeys.has(key)) {
                problems.push({
                    path: [key],
                    message: `holds key material in plain text; remove it and set it with: pulumi config set --secret ${key} "$(cat <file>)"`,
                });
            } else if (sshSource !== "config") {
                problems.push({
                    path: [key],
                    message: "is set but ssh.source is not 'config'; set ssh.source to config to use it, or remove it",
                });
            }
        } else if (sshSource === "config") {
            problems.push({
                path: ["ssh", "source"],
                message: `is 'config', which needs ${PROJECT}:${key}; set it with: pulumi config set --secret ${key} "$(cat <file>)"`,
                input: sshSource,
            });
        }
    }

    const allowed = [...Object.keys(topLevelShape), ...SECRET_KEYS].sort();
    for (const key of Object.keys(input.values)) {
        if (!(key in topLevelShape) && !SECRET_KEYS.has(key) && !referencedSecrets.has(key)) {
            problems.push({
                path: [key],
                message: `is not a known key; allowed keys: ${allowed.join(", ")} (plus secret keys named by clusters[].kubeconfigSecret)`,
            });
        }
    }

    if (parsed.success) {
        const deadlines = parsed.data.deadlines;
        if (deadlines.localeReadySeconds + deadlines.serverReadySeconds >= deadlines.deploySeconds) {
            problems.push({
                path: ["deadlines", "deploySeconds"],
                message: `must exceed localeReadySeconds + serverReadySeconds (${deadlines.localeReadySeconds} + ${deadlines.serverReadySeconds}) so the deploy's own waits can finish first`,
                input: deadlines.deploySeconds,
            });
        }
        const resolved = resolveConfig(parsed.data, document);
        problems.push(...resolved.problems);
        if (problems.length === 0 && resolved.config) return resolved.config;
    }
    throw new ConfigError(problems.map(formatProblem));
}

/** Read this stack's config from the Pulumi runtime. */
export function loadConfig(): ArkoudaWorkflowsConfig {
    const prefix = `${PROJECT}:`;
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    const runtimeConfig = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        values[key] = value;
        if (runtimeConfig.isConfigSecret?.(fullKey)) secretKeys.add(key);
    }
    return parseStackConfig({ values, secretKeys });
}

/** Secret inputs, read as Pulumi secrets only (never through the plain config model). */
export interface StackSecrets {
    readonly sshKeyMaterial?: { readonly privateKey: pulumi.Output<string>; readonly publicKey: pulumi.Output<string> };
    /** Kubeconfig contents by cluster name, for clusters that name `kubeconfigSecret`. */
    readonly kubeconfigs: Readonly<Record<string, pulumi.Output<string>>>;
}

export function loadSecrets(config: ArkoudaWorkflowsConfig): StackSecrets {
    const stackConfig = new pulumi.Config(PROJECT);
    const kubeconfigs: Record<string, pulumi.Output<string>> = {};
    for (const cluster of config.clusters) {
        if (cluster.kubeconfigSecret) kubeconfigs[cluster.name] = stackConfig.requireSecret(cluster.kubeconfigSecret);
    }
    return {
        sshKeyMaterial:
            config.ssh.source === "config"
                ? { privateKey: stackConfig.requireSecret("sshPrivateKey"), publicKey: stackConfig.requireSecret("sshPublicKey") }
                : undefined,
        kubeconfigs,
    };
}
