/**
 * The PersistentVolumeClaims the stack declares for an instance's volumes with `claim`. They are
 * Pulumi's, never a workflow's (no template or teardown names a claim), so the nightly delete and
 * the next deploy keep their data. With `retainOnDestroy` (the default) Pulumi never deletes one:
 * `pulumi destroy`, or a config without the volume, leaves the claim and its data in the cluster
 * and drops it from the state; the next `pulumi up` that declares it takes the existing claim over.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { InstanceConfig } from "./config";
import { claimName } from "./names";

/** One claim the stack declares for an instance. Pure data. */
export interface ClaimPlan {
    /** The volume it is declared for. */
    readonly volume: string;
    /** The claim's name (`claimName`), what the pods' volume names. */
    readonly name: string;
    readonly spec: {
        readonly accessModes: readonly string[];
        readonly resources: { readonly requests: { readonly storage: string } };
        readonly storageClassName?: string;
    };
    /** Pulumi's retainOnDelete: never deleted by Pulumi. */
    readonly retainOnDestroy: boolean;
}

/** The claims of an instance's volumes with `claim`, in the order written. */
export function instanceClaims(instance: Pick<InstanceConfig, "name" | "volumes">): ClaimPlan[] {
    return instance.volumes.flatMap((v): ClaimPlan[] =>
        v.claim
            ? [
                  {
                      volume: v.name,
                      name: claimName(instance.name, v.name),
                      spec: {
                          accessModes: [v.claim.accessMode],
                          resources: { requests: { storage: v.claim.size } },
                          ...(v.claim.storageClass !== undefined && { storageClassName: v.claim.storageClass }),
                      },
                      retainOnDestroy: v.claim.retainOnDestroy,
                  },
              ]
            : [],
    );
}

/**
 * Pulumi waits for a claim to be Bound unless told not to, and a claim of a WaitForFirstConsumer
 * class binds only once a pod uses it, which only a deploy starts: `pulumi up` would wait in vain.
 */
const SKIP_AWAIT = { "pulumi.com/skipAwait": "true" };

export interface InstanceClaimsArgs {
    readonly claims: readonly ClaimPlan[];
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly provider: k8s.Provider;
}

/** Declares an instance's claims under `opts.parent`; `name` is `<cluster>-<instance>`. */
export function declareInstanceClaims(
    name: string,
    args: InstanceClaimsArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.PersistentVolumeClaim[] {
    return args.claims.map(
        (claim) =>
            new k8s.core.v1.PersistentVolumeClaim(
                `${name}-claim-${claim.volume}`,
                {
                    metadata: { name: claim.name, namespace: args.namespace, labels: { ...args.labels }, annotations: SKIP_AWAIT },
                    spec: { ...claim.spec, accessModes: [...claim.spec.accessModes] },
                },
                { ...opts, provider: args.provider, retainOnDelete: claim.retainOnDestroy },
            ),
    );
}
