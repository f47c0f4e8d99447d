import type { ArkoudaWorkflowsConfig, ClusterConfig, NamespaceSettings, WorkflowPodsConfig } from "./types";
import { PROJECT, REGISTRY_SECRET_NAME } from "../names";

/**
 * The class the program declares for a namespace's delete steps: cluster-scoped, so it is named
 * after the namespace, and two stacks (or clusters of one stack) in other namespaces never share it.
 */
function declaredDeletePriorityClassName(namespace: string): string {
    return `${PROJECT}-delete-${namespace}`;
}

function deletePriorityClassName(workflowPods: WorkflowPodsConfig, namespace: string): string | undefined {
    const { source, name } = workflowPods.deletePriority;
    return source === "declare" ? declaredDeletePriorityClassName(namespace) : source === "existing" ? name : undefined;
}

/** The namespace-wide settings shared by one cluster's identities, secrets and templates. */
export function namespaceSettings(config: ArkoudaWorkflowsConfig, cluster: ClusterConfig): NamespaceSettings {
    const deleteClass = deletePriorityClassName(config.workflowPods, cluster.namespace);
    return {
        namespace: cluster.namespace,
        workflowServiceAccountName: config.workflowServiceAccountName,
        arkoudaServiceAccountName: config.arkoudaServiceAccountName,
        arkoudaTokenSecretName: config.arkoudaTokenSecretName,
        sshSecretName: config.ssh.secretName,
        images: config.images,
        deadlines: config.deadlines,
        kubernetesApiUrl: cluster.kubernetesApiUrl,
        workflowPods: config.workflowPods,
        retries: config.retries,
        ...(deleteClass !== undefined && { deletePriorityClassName: deleteClass }),
        ...(config.registryCredential && { registrySecretName: REGISTRY_SECRET_NAME }),
        imagePullSecrets: config.imagePullSecrets,
    };
}
