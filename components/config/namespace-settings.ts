import type { ArkoudaWorkflowsConfig, ClusterConfig, NamespaceSettings } from "./types";

/** The namespace-wide settings shared by one cluster's identities, secrets and templates. */
export function namespaceSettings(config: ArkoudaWorkflowsConfig, cluster: ClusterConfig): NamespaceSettings {
    return {
        namespace: cluster.namespace,
        workflowServiceAccountName: config.workflowServiceAccountName,
        arkoudaServiceAccountName: config.arkoudaServiceAccountName,
        arkoudaTokenSecretName: config.arkoudaTokenSecretName,
        sshSecretName: config.ssh.secretName,
        images: config.images,
        deadlines: config.deadlines,
        kubernetesApiUrl: cluster.kubernetesApiUrl,
    };
}
