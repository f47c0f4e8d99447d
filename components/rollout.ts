/**
 * Rollout order over clusters: all at once, or in waves where wave N+1 starts only after
 * wave N's runs have succeeded (a canary cluster first).
 */
import { ArkoudaCluster } from "./cluster";
import { ArkoudaWorkflowsConfig, ClusterConfig, namespaceSettings, RolloutStrategy, StackSecrets } from "./config";

/** Clusters grouped into the order they roll out in; one group when the strategy is parallel. */
function rolloutWaves(clusters: readonly ClusterConfig[], strategy: RolloutStrategy): ClusterConfig[][] {
    if (strategy === "parallel") return [[...clusters]];
    const waves = [...new Set(clusters.map((c) => c.wave))].sort((a, b) => a - b);
    return waves.map((wave) => clusters.filter((c) => c.wave === wave));
}

/** Declare every cluster, each wave behind the gates of the wave before it. */
export function rollOut(config: ArkoudaWorkflowsConfig, secrets: StackSecrets): Record<string, ArkoudaCluster> {
    const clusters: Record<string, ArkoudaCluster> = {};
    let previous: ArkoudaCluster[] = [];
    for (const wave of rolloutWaves(config.clusters, config.rollout.strategy)) {
        const gates = previous.flatMap((c) => c.gates);
        previous = wave.map((cluster) => {
            clusters[cluster.name] = new ArkoudaCluster(
                cluster.name,
                {
                    cluster,
                    settings: namespaceSettings(config, cluster),
                    sshSource: config.ssh.source,
                    sshKeyMaterial: secrets.sshKeyMaterial,
                    sshRotation: config.ssh.rotation,
                    registryCredential: secrets.registryCredential,
                    kubeconfigContent: secrets.kubeconfigs[cluster.name],
                    waitsFor: previous.map((c) => c.name),
                    podSecurity: config.podSecurity,
                },
                gates.length > 0 ? { dependsOn: gates } : undefined,
            );
            return clusters[cluster.name];
        });
    }
    return clusters;
}
