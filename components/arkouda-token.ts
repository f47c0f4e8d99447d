/**
 * The client token of an instance started with `--authenticate`: generated once per instance and
 * cluster, kept only as a Pulumi secret and as the Secret `<instance>-token` (key `token`) the
 * server pod mounts; the launch script installs it as the server's tokens file. It never enters a
 * template, a parameter or a command line. A new `tokenRotation` generates a new token, which the
 * server takes at its next start.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** What the Secret holds the token under; the server pod mounts it at SERVER_TOKEN_DIR. */
export const TOKEN_KEY = "token";

/**
 * Letters and digits, as the server's own tokens (src/Security.chpl): nothing a client, the
 * JSON of a request or the launch script's masking has to escape.
 */
const TOKEN_LENGTH = 32;

export interface ArkoudaTokenArgs {
    readonly namespace: string;
    readonly secretName: string;
    /** `tokenRotation`: a new value generates a new token. */
    readonly rotation: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly provider: k8s.Provider;
    readonly randomProvider: random.Provider;
}

/** Declares the token and its Secret under `opts.parent`; returns the Secret and the token (secret). */
export function declareArkoudaToken(
    name: string,
    args: ArkoudaTokenArgs,
    opts: pulumi.CustomResourceOptions,
): { secret: k8s.core.v1.Secret; token: pulumi.Output<string> } {
    const value = new random.RandomPassword(
        `${name}-value`,
        { length: TOKEN_LENGTH, special: false, keepers: { rotation: args.rotation } },
        { ...opts, provider: args.randomProvider },
    );
    const token = pulumi.secret(value.result);
    const secret = new k8s.core.v1.Secret(
        name,
        {
            metadata: { name: args.secretName, namespace: args.namespace, labels: { ...args.labels } },
            type: "Opaque",
            stringData: { [TOKEN_KEY]: token },
        },
        { ...opts, provider: args.provider },
    );
    return { secret, token };
}
