/**
 * The pull Secret of a namespace, declared from the stack's registry credential (`registryServer`,
 * `registryUsername`, `registryPassword`, each set with `--secret`): a `kubernetes.io/dockerconfigjson`
 * Secret whose whole content stays a Pulumi secret. Every pod of the namespace names it (the
 * Arkouda pods, the exporters, and the step pods through the Workflow's `imagePullSecrets`); the
 * credential itself never enters a template, a parameter or a command line.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** What a pull Secret holds its content under (the kubelet reads this key of this type). */
export const DOCKER_CONFIG_KEY = ".dockerconfigjson";

/** A registry credential as the stack's secret config holds it. */
export interface RegistryCredential {
    readonly server: pulumi.Output<string>;
    readonly username: pulumi.Output<string>;
    readonly password: pulumi.Output<string>;
}

/**
 * The content of a pull Secret for one registry, as `kubectl create secret docker-registry`
 * writes it: the kubelet matches an image's registry against the `auths` key and sends the user
 * and password; `auth` is the same pair for readers that take only it. Pure.
 */
export function dockerConfigJson(server: string, username: string, password: string): string {
    const auth = Buffer.from(`${username}:${password}`, "utf8").toString("base64");
    return JSON.stringify({ auths: { [server]: { username, password, auth } } });
}

export interface RegistrySecretArgs {
    readonly namespace: string;
    readonly secretName: string;
    readonly credential: RegistryCredential;
    readonly labels: Readonly<Record<string, string>>;
    readonly provider: k8s.Provider;
}

/** Declares the namespace's pull Secret under `opts.parent`. */
export function declareRegistrySecret(name: string, args: RegistrySecretArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.Secret {
    const { server, username, password } = args.credential;
    const content = pulumi.all([server, username, password]).apply(([s, u, p]) => dockerConfigJson(s, u, p));
    return new k8s.core.v1.Secret(
        name,
        {
            metadata: { name: args.secretName, namespace: args.namespace, labels: { ...args.labels } },
            type: "kubernetes.io/dockerconfigjson",
            stringData: { [DOCKER_CONFIG_KEY]: pulumi.secret(content) },
        },
        { ...opts, provider: args.provider },
    );
}
