/**
 * The SSH key pair the GASNet SSH spawner uses between the server and locale pods, as the
 * Secret both mount at /home/ubuntu/ssh-keys. Generated once per cluster and kept in Pulumi
 * state as a secret, taken from secret stack config, or an existing Secret named in config.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions, typeToken } from "./component";
import { SshSource } from "./config";
import { SshKeyPair } from "./dynamic/ssh-key-pair";
import { PROJECT } from "./names";

export interface SshKeyMaterial {
    readonly privateKey: pulumi.Output<string>;
    readonly publicKey: pulumi.Output<string>;
}

export interface SshSecretArgs {
    readonly namespace: pulumi.Input<string>;
    /** Name of the Secret (ARKOUDA_SSH_SECRET). Default from config: `arkouda-ssh`. */
    readonly secretName: string;
    /** `generate` (default): a key pair made once and kept as a Pulumi secret; `config`: `keyMaterial`; `existing`: declare nothing. */
    readonly source: SshSource;
    /** Required when `source` is `config`: key material from secret stack config. */
    readonly keyMaterial?: SshKeyMaterial;
    /** `ssh.rotation`: a new value generates a new key pair (only with source `generate`). */
    readonly rotation?: string;
    readonly provider: k8s.Provider;
    readonly labels: Record<string, string>;
    /** What the Secret waits for besides `opts.dependsOn` (its namespace); the key pair waits for neither. */
    readonly secretDependsOn?: readonly pulumi.Resource[];
}

export class SshSecret extends pulumi.ComponentResource {
    /** The Secret's name, whether declared here or existing. */
    public readonly secretName: pulumi.Output<string>;
    /** The OpenSSH public key, when known to Pulumi (not for `existing`). */
    public readonly publicKey: pulumi.Output<string | undefined>;

    constructor(name: string, args: SshSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("secrets", "SshSecret"), name, {}, opts);
        const material =
            args.source === "existing"
                ? undefined
                : args.source === "config"
                  ? args.keyMaterial
                  : new SshKeyPair(
                        `${name}-key-pair`,
                        { comment: "arkouda-gasnet", ...(args.rotation ? { rotation: args.rotation } : {}) },
                        { parent: this },
                    );
        if (args.source === "config" && !material) {
            throw new Error(
                `ssh.source is 'config' but no key material was passed; set ${PROJECT}:sshPrivateKey and sshPublicKey with --secret`,
            );
        }
        if (material) {
            const secret = new k8s.core.v1.Secret(
                `${name}-secret`,
                {
                    metadata: { name: args.secretName, namespace: args.namespace, labels: args.labels },
                    type: "Opaque",
                    stringData: {
                        id_rsa: pulumi.secret(material.privateKey),
                        "id_rsa.pub": material.publicKey,
                        authorized_keys: material.publicKey,
                    },
                },
                childOptions(this, args.provider, opts, { dependsOn: [...(args.secretDependsOn ?? [])] }),
            );
            this.secretName = secret.metadata.name;
            this.publicKey = material.publicKey;
        } else {
            this.secretName = pulumi.output(args.secretName);
            this.publicKey = pulumi.output(undefined);
        }
        this.registerOutputs({ secretName: this.secretName, publicKey: this.publicKey });
    }
}
