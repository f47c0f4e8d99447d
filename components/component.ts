/**
 * Conventions every component of this program shares: one type-token prefix, and child
 * options that keep a child parented, on its cluster's explicit provider, and behind the
 * same rollout gates as its parent (Pulumi does not pass a parent's dependsOn to children).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export const TYPE_PREFIX = "arkouda-workflows";

/** `arkouda-workflows:<module>:<Name>` */
export function typeToken(module: string, name: string): string {
    return `${TYPE_PREFIX}:${module}:${name}`;
}

function asArray(value: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> | undefined): pulumi.Input<pulumi.Resource>[] {
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value as pulumi.Input<pulumi.Resource>];
}

/** Options for a child of `parent`: parented, on `provider`, gated like its parent. */
export function childOptions(
    parent: pulumi.Resource,
    provider: k8s.Provider,
    parentOpts: pulumi.ComponentResourceOptions | undefined,
    extra: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
    const dependsOn = [...asArray(parentOpts?.dependsOn), ...asArray(extra.dependsOn)];
    return { ...extra, parent, provider, ...(dependsOn.length > 0 ? { dependsOn } : {}) };
}

/** Options for a child component: parented and gated like its parent. */
export function componentChildOptions(parent: pulumi.Resource, parentOpts: pulumi.ComponentResourceOptions | undefined): pulumi.ComponentResourceOptions {
    return { parent, ...(parentOpts?.dependsOn ? { dependsOn: parentOpts.dependsOn } : {}) };
}
