/**
 * arkouda-workflows: reads stack config, declares one component per cluster in
 * rollout order, and exports what an operator needs. All logic lives in components/.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig, loadSecrets } from "./components/config";
import { rollOut } from "./components/rollout";

function configOrStop() {
    try {
        return loadConfig();
    } catch (error) {
        // A RunError prints just its message: the config problems, once, without a stack trace.
        throw error instanceof ConfigError ? new pulumi.RunError(error.message) : error;
    }
}

export = async () => {
    // Pulumi stores with each resource the call stack it was declared from. Past this await that
    // stack starts here: without it, every resource's entry in the state would also hold the ~20
    // frames of Node's module loader, the language host and program.js that load this file.
    await Promise.resolve();
    const config = configOrStop();
    const clustersByName = rollOut(config, loadSecrets(config));
    return {
        /**
         * Per cluster: namespace, rollout wave and what it waits for, WorkflowTemplate names, and
         * per instance/exporter the CronWorkflows, schedules, `argo submit` commands, client
         * address, run and the claims the stack declares for the instance's volumes.
         */
        clusters: Object.fromEntries(Object.entries(clustersByName).map(([name, cluster]) => [name, cluster.outputs])),
        /**
         * Per cluster, the client token of each instance with `authenticate` (a secret output:
         * `pulumi stack output tokens --show-secrets`); kept apart so `clusters` stays readable.
         */
        tokens: pulumi.secret(Object.fromEntries(Object.entries(clustersByName).map(([name, cluster]) => [name, cluster.tokens]))),
    };
};
