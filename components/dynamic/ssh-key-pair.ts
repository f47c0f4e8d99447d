/**
 * SshKeyPair: an RSA key pair generated once, at create, by a Pulumi dynamic provider.
 *
 * The private key exists only as a Pulumi secret output (additionalSecretOutputs), so it is
 * encrypted in the state file and never printed. The key pair is stable across `pulumi up`
 * runs; changing `bits`, `comment` or `rotation` replaces the resource (a new key pair).
 */
import * as pulumi from "@pulumi/pulumi";
import type { KeyObject } from "crypto";
import { dynamicProvider, dynamicResource, Failure, fieldsOf, UNKNOWN } from "./provider";

/** Default RSA modulus length. */
export const DEFAULT_SSH_KEY_BITS = 3072;

export interface SshKeyPairArgs {
    /** RSA modulus length in bits, 2048–16384. Default 3072. Changing it replaces the key pair. */
    readonly bits?: pulumi.Input<number>;
    /** Comment at the end of the OpenSSH public key line. Default: none. Changing it replaces the key pair. */
    readonly comment?: pulumi.Input<string>;
    /**
     * Any label (config `ssh.rotation`); changing it replaces the key pair, which is how an
     * operator rotates a generated key without touching anything else. Default "".
     */
    readonly rotation?: pulumi.Input<string>;
}

export interface GeneratedKeyPair {
    /** PKCS#1 PEM ("-----BEGIN RSA PRIVATE KEY-----"), which OpenSSH accepts as an identity file. Always a Pulumi secret output. */
    readonly privateKey: string;
    /** OpenSSH public key line: `ssh-rsa AAAA… [comment]`. */
    readonly publicKey: string;
    /** OpenSSH SHA256 fingerprint, as `ssh-keygen -l` prints it: `SHA256:…` (also the resource id). */
    readonly fingerprint: string;
}

/** Stored state of the dynamic resource. */
export interface SshKeyPairState extends GeneratedKeyPair {
    /** RSA modulus length, in bits. */
    bits: number;
    /** Public-key comment ("" when none). */
    comment: string;
    /** The rotation label the key pair was generated for ("" when none). */
    rotation: string;
}

/** Encodes an RSA public key as an OpenSSH `ssh-rsa` line (RFC 4253 §6.6 wire format, base64). */
export function openSshPublicKey(publicKeyObject: KeyObject, comment?: string): string {
    if (publicKeyObject.asymmetricKeyType !== "rsa") {
        throw new Error(`openSshPublicKey supports RSA keys only, got ${publicKeyObject.asymmetricKeyType}`);
    }
    const jwk = publicKeyObject.export({ format: "jwk" }) as { n?: string; e?: string };
    if (!jwk.n || !jwk.e) throw new Error("RSA public key has no modulus/exponent");
    const sshString = (b: Buffer): Buffer => {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(b.length, 0);
        return Buffer.concat([len, b]);
    };
    const mpint = (b: Buffer): Buffer => {
        let i = 0;
        while (i < b.length - 1 && b[i] === 0) i++;
        let v = b.subarray(i);
        if (v.length > 0 && (v[0] & 0x80) !== 0) v = Buffer.concat([Buffer.from([0]), v]);
        return sshString(v);
    };
    const blob = Buffer.concat([
        sshString(Buffer.from("ssh-rsa", "ascii")),
        mpint(Buffer.from(jwk.e, "base64url")),
        mpint(Buffer.from(jwk.n, "base64url")),
    ]);
    const c = (comment ?? "").replace(/[\r\n]+/g, " ").trim();
    return `ssh-rsa ${blob.toString("base64")}${c ? ` ${c}` : ""}`;
}

/** OpenSSH SHA256 fingerprint of a public key line (`SHA256:` + unpadded base64). */
export function openSshFingerprint(publicKeyLine: string): string {
    const crypto = require("crypto") as typeof import("crypto");
    const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? "", "base64");
    return `SHA256:${crypto.createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** Generates an RSA key pair (public exponent 65537). */
export function generateRsaKeyPair(bits: number = DEFAULT_SSH_KEY_BITS, comment?: string): GeneratedKeyPair {
    const crypto = require("crypto") as typeof import("crypto");
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: 0x10001 });
    const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const line = openSshPublicKey(publicKey, comment);
    return { privateKey: pem, publicKey: line, fingerprint: openSshFingerprint(line) };
}

/** The stored form of the inputs (what create receives). */
export interface SshKeyPairInputs {
    bits: number;
    comment: string;
    rotation: string;
}

/** Validation failures of the inputs (empty when valid). Pure. */
export function checkSshKeyPairInputs(inputs: { bits?: unknown; comment?: unknown; rotation?: unknown }): Failure[] {
    const failures: Failure[] = [];
    if (inputs.bits !== undefined && inputs.bits !== null && inputs.bits !== UNKNOWN) {
        const b = inputs.bits;
        if (typeof b !== "number" || !Number.isInteger(b) || b < 2048 || b > 16384) {
            failures.push({ property: "bits", reason: `bits must be an integer between 2048 and 16384, got ${JSON.stringify(b)}` });
        }
    }
    if (inputs.comment !== undefined && inputs.comment !== null && inputs.comment !== UNKNOWN) {
        if (typeof inputs.comment !== "string") failures.push({ property: "comment", reason: "comment must be a string" });
        else if (/[\r\n]/.test(inputs.comment)) failures.push({ property: "comment", reason: "comment must be a single line" });
    }
    if (inputs.rotation !== undefined && inputs.rotation !== null && inputs.rotation !== UNKNOWN && typeof inputs.rotation !== "string") {
        failures.push({ property: "rotation", reason: `rotation must be a string, got ${JSON.stringify(inputs.rotation)}` });
    }
    return failures;
}

/** Normalized inputs: defaults applied (values unknown during preview pass through). Pure. */
export function normalizeSshKeyPairInputs(inputs: { bits?: unknown; comment?: unknown; rotation?: unknown }): {
    bits: number;
    comment: string;
    rotation: string;
} {
    return {
        bits: typeof inputs.bits === "number" || inputs.bits === UNKNOWN ? (inputs.bits as number) : DEFAULT_SSH_KEY_BITS,
        comment: typeof inputs.comment === "string" ? inputs.comment : "",
        // State written before rotation existed has none: the same as "", so no replacement.
        rotation: typeof inputs.rotation === "string" ? inputs.rotation : "",
    };
}

/** Properties whose change replaces the key pair, comparing stored state with new inputs. Pure. */
export function sshKeyPairReplaces(
    olds: { bits?: unknown; comment?: unknown; rotation?: unknown },
    news: { bits?: unknown; comment?: unknown; rotation?: unknown },
): string[] {
    const o = normalizeSshKeyPairInputs(olds);
    const n = normalizeSshKeyPairInputs(news);
    const replaces: string[] = [];
    if (o.bits !== n.bits) replaces.push("bits");
    if (o.comment !== n.comment) replaces.push("comment");
    if (o.rotation !== n.rotation) replaces.push("rotation");
    return replaces;
}

/** SshKeyPair's provider (exported for tests; Pulumi serializes it into the state). */
export const sshKeyPairProvider: pulumi.dynamic.ResourceProvider = dynamicProvider<SshKeyPairInputs, SshKeyPairState>(
    {
        failures: (news) => checkSshKeyPairInputs(fieldsOf<keyof SshKeyPairInputs>(news)),
        inputs: (news) => {
            const fields = fieldsOf<keyof SshKeyPairInputs>(news);
            return { ...fields, ...normalizeSshKeyPairInputs(fields) };
        },
        diff(olds, news) {
            const replaces = sshKeyPairReplaces(olds, news);
            return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
        },
    },
    {
        async create({ bits, comment, rotation }) {
            const kp = generateRsaKeyPair(bits, comment);
            const outs: SshKeyPairState = { bits, comment, rotation, ...kp };
            return { id: kp.fingerprint, outs };
        },
        // No update: every input change is a replacement. No delete: nothing exists outside the state.
    },
);

/**
 * An RSA key pair for the Arkouda pods' SSH spawner, generated once at create.
 * `privateKey` is a secret output (PKCS#1 PEM); `publicKey` is an OpenSSH line.
 */
export class SshKeyPair extends dynamicResource<SshKeyPairState>("SshKeyPair", sshKeyPairProvider) {
    constructor(name: string, args: SshKeyPairArgs = {}, opts?: pulumi.CustomResourceOptions) {
        super(
            name,
            {
                bits: args.bits,
                comment: args.comment,
                rotation: args.rotation,
                privateKey: undefined,
                publicKey: undefined,
                fingerprint: undefined,
            },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["privateKey"] }),
        );
    }
}
