/**
 * Conventions every component of this program shares: one type-token prefix, and one way to
 * declare a child: parented, on its cluster's explicit provider, and behind the same rollout
 * gates as its parent (Pulumi does not pass a parent's dependsOn on to children).
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "./names";

/** `arkouda-workflows:<module>:<Name>` */
export function typeToken(module: string, name: string): string {
    return `${PROJECT}:${module}:${name}`;
}

/** A dependsOn option as a list. */
export function asArray(
    value: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> | undefined,
): pulumi.Input<pulumi.Resource>[] {
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value as pulumi.Input<pulumi.Resource>];
}

/**
 * Options for a child of `parent`, custom resource or component: parented, gated like its
 * parent plus `extra.dependsOn`, and on `provider` when given. A component passes its provider
 * on to its own children; leave it out for resources of another package (dynamic resources),
 * which would otherwise be sent to the kubernetes provider.
 */
export function childOptions(
    parent: pulumi.Resource,
    provider: pulumi.ProviderResource | undefined,
    parentOpts: pulumi.ResourceOptions | undefined,
    extra: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
    const dependsOn = [...asArray(parentOpts?.dependsOn), ...asArray(extra.dependsOn)];
    return { ...extra, parent, ...(provider ? { provider } : {}), ...(dependsOn.length > 0 ? { dependsOn } : {}) };
}
