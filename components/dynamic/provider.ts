/**
 * How a dynamic resource and its provider are made: the engine's unknown-value sentinel, input
 * checks, the provider built from an input spec and its effects, the `kube` input (how to reach
 * the cluster, kept secret) and typed outputs.
 *
 * Serialization: Pulumi serializes each provider object, with everything its methods capture,
 * into the state (inputs and outputs of every resource) and loads it in a separate Node process.
 * So what a provider method reaches here is a plain function or a string constant, libraries
 * are `require`d inside the functions that use them (never captured), and no secret is captured:
 * the kubeconfig arrives as an input at call time.
 */
import * as pulumi from "@pulumi/pulumi";
import type { KubeAccess, KubeAccessInput } from "./kubeconfig";
import { providerCode, registerProvider } from "./provider-code";

/** The engine's placeholder for values unknown during preview (captured as a plain string). */
export const UNKNOWN: string = pulumi.runtime.unknownValue;

/** A failed input check, as a provider's `check` returns it. */
export interface Failure {
    property: string;
    reason: string;
}

/** What an input must be: an object, a non-empty string, a positive number (`positive?`: or absent). */
export type FieldRule = "object" | "string" | "positive" | "positive?";

/** The fields of a raw value (inputs or stored state, as the engine passes them) for reading, unchecked. Pure. */
export function fieldsOf<K extends string>(v: unknown): { readonly [P in K]?: unknown } {
    // A non-object has none of them: they read as undefined, as they would on a primitive.
    return typeof v === "object" && v !== null ? (v as { readonly [P in K]?: unknown }) : {};
}

/** Failures of `news` against `rules`, in their order; values unknown during preview pass. Pure. */
export function inputFailures(news: unknown, rules: Readonly<Record<string, FieldRule>>): Failure[] {
    const failures: Failure[] = [];
    const fields = fieldsOf<string>(news);
    for (const [key, rule] of Object.entries(rules)) {
        const v = fields[key];
        if (v === UNKNOWN || (rule === "positive?" && v === undefined)) continue;
        if (rule === "object" && (typeof v !== "object" || v === null))
            failures.push({ property: key, reason: `${key} must be an object` });
        if (rule === "string" && (typeof v !== "string" || !v)) failures.push({ property: key, reason: `${key} is required` });
        if (rule.startsWith("positive") && (typeof v !== "number" || !(v > 0)))
            failures.push({ property: key, reason: `${key} must be a positive number` });
    }
    return failures;
}

/**
 * How a dynamic resource's inputs are checked, stored and compared (pure). `S` is the stored form
 * of the inputs, `O` the outputs kept in the state (what diff and update get as `olds`; state
 * written by an older version may lack fields, hence Partial).
 */
export interface InputSpec<S extends object, O extends object = S> {
    /** Input failures (empty when valid) of the inputs as the engine passes them. */
    readonly failures: (news: unknown) => Failure[];
    /** The stored form of the inputs: what check() returns and the other methods receive. */
    readonly inputs: (news: unknown) => S;
    readonly diff: (olds: Partial<O>, news: S) => pulumi.dynamic.DiffResult;
}

/** What a dynamic provider does at create, update and delete, given stored-form inputs. */
export interface ProviderEffects<S extends object, O extends object = S> {
    readonly create: (news: S) => Promise<pulumi.dynamic.CreateResult<O>>;
    /** The new outputs; absent: every change replaces. */
    readonly update?: (olds: Partial<O>, news: S) => Promise<O>;
    /** Absent: nothing exists outside the state. */
    readonly delete?: (props: S) => Promise<void>;
}

/**
 * A dynamic provider from its spec: check() validates then normalizes, every method gets normalized
 * inputs. The engine passes untyped values: inputs are `unknown` until spec.inputs() has read them,
 * stored outputs are what create/update returned (`Partial<O>`).
 */
export function dynamicProvider<S extends object, O extends object = S>(
    spec: InputSpec<S, O>,
    effects: ProviderEffects<S, O>,
): pulumi.dynamic.ResourceProvider<unknown, Partial<O>> {
    const provider: pulumi.dynamic.ResourceProvider<unknown, Partial<O>> = {
        async check(_olds: unknown, news: unknown) {
            const failures = spec.failures(news);
            return failures.length ? { inputs: news, failures } : { inputs: spec.inputs(news) };
        },
        diff: async (_id: string, olds: Partial<O>, news: unknown) => spec.diff(olds, spec.inputs(news)),
        create: (news: unknown) => effects.create(spec.inputs(news)),
    };
    const { update, delete: remove } = effects;
    if (update) provider.update = async (_id: string, olds: Partial<O>, news: unknown) => ({ outs: await update(olds, spec.inputs(news)) });
    if (remove) provider.delete = (_id: string, props: Partial<O>) => remove(spec.inputs(props));
    return provider;
}

/** The `kube` input reduced to the KubeAccess keys that are set; unknown during preview passes untouched. Pure. */
export function kubeAccessOf(k: unknown): KubeAccess {
    // The engine's sentinel stands for the whole (unknown) value; it is stored as it is.
    if (k === UNKNOWN) return k as KubeAccess;
    const kube: { -readonly [K in keyof KubeAccess]: KubeAccess[K] } = {};
    const src = fieldsOf<keyof KubeAccess>(k);
    if (typeof src.kubeconfig === "string" && src.kubeconfig) kube.kubeconfig = src.kubeconfig;
    if (typeof src.kubeconfigPath === "string" && src.kubeconfigPath) kube.kubeconfigPath = src.kubeconfigPath;
    if (typeof src.context === "string" && src.context) kube.context = src.context;
    return kube;
}

/** The outputs of a dynamic resource whose stored state is `T`. */
export type OutputsOf<T> = { readonly [K in keyof T]-?: pulumi.Output<T[K]> };

/** Constructor of a dynamic resource of one type, whose instances also carry the outputs `O`. */
type DynamicResourceClass<O> = abstract new (
    name: string,
    props: pulumi.Inputs,
    opts?: pulumi.CustomResourceOptions,
) => pulumi.CustomResource & OutputsOf<O>;

/** Constructor of a dynamic resource of one type with a `kube` input, whose instances also carry the outputs `O`. */
type KubeDynamicResourceClass<O> = abstract new (
    name: string,
    props: pulumi.Inputs & { kube: pulumi.Input<KubeAccessInput> },
    opts?: pulumi.CustomResourceOptions,
) => pulumi.CustomResource & OutputsOf<O>;

/**
 * Base class of the dynamic resources of type `type`, served by `provider`, whose outputs are the
 * fields of `O`, typed: the engine sets them from the provider's outputs, so the subclass declares
 * none of its own. What pulumi.dynamic.Resource declares (the type `pulumi-nodejs:dynamic:<type>`,
 * the provider's code as `__provider`), with the code the build serialized (provider-code.ts).
 */
export function dynamicResource<O>(type: string, provider: pulumi.dynamic.ResourceProvider): DynamicResourceClass<O> {
    registerProvider(type, provider);
    return class extends pulumi.CustomResource {
        constructor(name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
            if ("__provider" in props) throw new Error(`${type} ${name}: a dynamic resource must not declare __provider`);
            super(`pulumi-nodejs:dynamic:${type}`, name, { ...props, __provider: providerCode(type) }, opts);
        }
    } as unknown as DynamicResourceClass<O>;
}

/**
 * Base class of the dynamic resources of type `type` with a `kube` input (how to reach the
 * cluster), typed like dynamicResource. `kube` is one secret as a whole: the engine then keeps it
 * secret in checked inputs and in outputs, whatever it does with nested secrets, since dynamic
 * providers take plaintext; the provider echoes it in its outputs (kept secret too) because
 * delete() receives only the stored outputs.
 */
export function kubeDynamicResource<O>(type: string, provider: pulumi.dynamic.ResourceProvider): KubeDynamicResourceClass<O> {
    // Typed without the outputs here: a class cannot extend a constructor of a generic intersection.
    const Base = dynamicResource<O>(type, provider) as unknown as new (
        name: string,
        props: pulumi.Inputs,
        opts?: pulumi.CustomResourceOptions,
    ) => pulumi.CustomResource;
    return class extends Base {
        constructor(name: string, props: pulumi.Inputs & { kube: pulumi.Input<KubeAccessInput> }, opts?: pulumi.CustomResourceOptions) {
            super(name, { ...props, kube: pulumi.secret(props.kube) }, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kube"] }));
        }
    } as unknown as KubeDynamicResourceClass<O>;
}
