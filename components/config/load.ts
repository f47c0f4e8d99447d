/**
 * Reads the stack's config, validates all of it at once and returns the resolved model.
 * Nothing is declared before this succeeds, so bad input never half-applies a stack.
 */
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { SECRET_KEYS, STRING_KEYS, topLevelSchema, topLevelShape } from "./schema";
import { ConfigError, formatProblem, Problem, zodProblems } from "./messages";
import { deadlineProblems, hasRegistryCredential, stackKeyProblems } from "./cross-rules";
import { resolveConfig } from "./resolve";
import { ArkoudaWorkflowsConfig } from "./types";
import type { RegistryCredential } from "../registry-secret";
import { PROJECT } from "../names";

export interface StackConfigInput {
    /** Config values keyed without the project prefix, as Pulumi stores them: strings. */
    readonly values: Readonly<Record<string, string>>;
    /** Keys (without prefix) whose values are Pulumi secrets. */
    readonly secretKeys: ReadonlySet<string>;
}

/** The schema's keys as values: structured ones parsed from their YAML/JSON text. */
function decode(values: Readonly<Record<string, string>>): { document: Record<string, unknown>; problems: Problem[] } {
    const document: Record<string, unknown> = {};
    const problems: Problem[] = [];
    for (const [key, text] of Object.entries(values)) {
        if (SECRET_KEYS.has(key)) continue;
        if (!(key in topLevelShape)) continue; // checked by stackKeyProblems, once cluster secret references are known
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
    return { document, problems };
}

/**
 * Validate and resolve config values. Pure: tests call it directly.
 * Secret values are only checked for presence, secrecy and form (no message names one); they
 * never enter the result.
 */
export function parseStackConfig(input: StackConfigInput): ArkoudaWorkflowsConfig {
    const { document, problems } = decode(input.values);
    const parsed = topLevelSchema.safeParse(document, { reportInput: true });
    if (!parsed.success) problems.push(...zodProblems(parsed.error, [], topLevelSchema));
    problems.push(...stackKeyProblems(input, document));
    if (parsed.success) {
        problems.push(...deadlineProblems(parsed.data.deadlines));
        const resolved = resolveConfig(parsed.data, document, hasRegistryCredential(input));
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
    /** `registryServer`, `registryUsername`, `registryPassword`, when the stack sets them. */
    readonly registryCredential?: RegistryCredential;
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
        registryCredential: config.registryCredential
            ? {
                  server: stackConfig.requireSecret("registryServer"),
                  username: stackConfig.requireSecret("registryUsername"),
                  password: stackConfig.requireSecret("registryPassword"),
              }
            : undefined,
        kubeconfigs,
    };
}
