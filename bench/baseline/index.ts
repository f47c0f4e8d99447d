/**
 * The benchmark's baseline: a plain Pulumi program that declares, one plain @pulumi/kubernetes
 * resource each, exactly the Kubernetes objects the arkouda-workflows program renders for a
 * stack (bench/mock-child.ts render: the same manifests `kubectl apply` gets). No components,
 * no dynamic resources, no random provider: what the same objects cost the same engine when
 * nothing else is declared. The Namespace goes first, as in the program; one explicit provider
 * with the namespace set, as in the program; a ServiceAccount token Secret after its account,
 * as any working program must order it (the token controller deletes a token Secret whose
 * account does not exist yet, and pulumi-kubernetes 4.25.0's create then panics on the partial
 * error: seen in bench runs of this baseline before it had the dependency).
 *
 * Config: `arkouda-workflows:manifests`, the path of the rendered YAML file (multi-document).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { parseAllDocuments } from "yaml";

const config = new pulumi.Config();
const manifests = parseAllDocuments(fs.readFileSync(config.require("manifests"), "utf8")).map((d) => d.toJS() as any);
const namespaceManifest = manifests.find((m) => m.kind === "Namespace");
const namespace = namespaceManifest?.metadata.name ?? manifests[0]?.metadata.namespace;
const provider = new k8s.Provider("baseline-kubernetes", { namespace });
const ns = namespaceManifest ? new k8s.core.v1.Namespace(`baseline-${namespace}`, namespaceManifest, { provider }) : undefined;
const opts: pulumi.CustomResourceOptions = { provider, dependsOn: ns ? [ns] : [] };

const resourceName = (m: any) => `${m.kind}-${m.metadata.name}`.toLowerCase();
const accounts = new Map<string, k8s.core.v1.ServiceAccount>(
    manifests
        .filter((m) => m.kind === "ServiceAccount")
        .map((m) => [m.metadata.name, new k8s.core.v1.ServiceAccount(resourceName(m), m, opts)]),
);

for (const m of manifests) {
    if (m === namespaceManifest) continue;
    const name = resourceName(m);
    switch (m.kind) {
        case "ServiceAccount":
            break;
        case "Role":
            new k8s.rbac.v1.Role(name, m, opts);
            break;
        case "RoleBinding":
            new k8s.rbac.v1.RoleBinding(name, m, opts);
            break;
        case "PriorityClass":
            new k8s.scheduling.v1.PriorityClass(name, m, opts);
            break;
        case "NetworkPolicy":
            new k8s.networking.v1.NetworkPolicy(name, m, opts);
            break;
        case "PersistentVolumeClaim":
            new k8s.core.v1.PersistentVolumeClaim(name, m, opts);
            break;
        case "ConfigMap":
            new k8s.core.v1.ConfigMap(name, m, opts);
            break;
        case "Secret":
            // As the program does: key material only as a Pulumi secret.
            {
                const account = accounts.get(m.metadata.annotations?.["kubernetes.io/service-account.name"]);
                new k8s.core.v1.Secret(
                    name,
                    m.stringData ? { ...m, stringData: pulumi.secret(m.stringData) } : m,
                    account ? { ...opts, dependsOn: [...(ns ? [ns] : []), account] } : opts,
                );
            }
            break;
        default:
            if (m.apiVersion.startsWith("argoproj.io/")) new k8s.apiextensions.CustomResource(name, m, opts);
            else throw new Error(`baseline: no plain resource class for ${m.apiVersion} ${m.kind}; add one`);
    }
}
