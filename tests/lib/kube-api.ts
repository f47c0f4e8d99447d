/**
 * Reads objects straight from the API server, in-process, with the program's own client
 * (components/dynamic/kube-client.ts): the integration suites poll Workflows, pods and an
 * instance's objects every second, and a kubectl process per poll costs about 0.3 s of CPU,
 * which on a two-core machine running two lanes of suites was a quarter of it. Kinds are named
 * as kubectl names them (plural, singular, short name or kind, each also as `<name>.<group>`),
 * resolved by discovery once per kubeconfig (a name it does not know is looked up once more, for
 * a CRD installed since); `resource` says undefined for a name the API server does not serve,
 * and the caller asks kubectl.
 */
import { createKubeClient, KubeClient, KubeObject } from "../../components/dynamic/kube-client";

/** Where a kind's objects are served. */
export interface Resource {
    /** `/api/v1` or `/apis/<group>/<version>`. */
    readonly prefix: string;
    readonly plural: string;
    readonly namespaced: boolean;
    readonly apiVersion: string;
    readonly kind: string;
}

/** One entry of an APIResourceList, as discovery reports it. */
export interface ResourceEntry {
    readonly name: string;
    readonly singularName?: string;
    readonly shortNames?: readonly string[];
    readonly kind: string;
    readonly namespaced: boolean;
}

/** The names kubectl accepts for each resource of `groupVersion`, in its order; the first entry of a name wins (the core group first). */
export function namesOf(group: string, groupVersion: string, entries: readonly ResourceEntry[]): [string, Resource][] {
    const named: [string, Resource][] = [];
    for (const e of entries) {
        if (e.name.includes("/")) continue; // a subresource
        const prefix = groupVersion.includes("/") ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
        const resource: Resource = { prefix, plural: e.name, namespaced: e.namespaced, apiVersion: groupVersion, kind: e.kind };
        const names = [e.name, e.singularName || e.kind.toLowerCase(), e.kind.toLowerCase(), ...(e.shortNames ?? [])];
        for (const n of names) {
            named.push([n, resource]);
            if (group) named.push([`${n}.${group}`, resource]);
        }
    }
    return named;
}

/** The resource of each name, the first that has it (discovery lists the core group first). */
export function firstOfEachName(named: readonly [string, Resource][]): Map<string, Resource> {
    const byName = new Map<string, Resource>();
    for (const [name, resource] of named) if (!byName.has(name)) byName.set(name, resource);
    return byName;
}

class KubeApi {
    private readonly client: KubeClient;
    private discovered?: Promise<Map<string, Resource>>;

    constructor(kubeconfigPath: string) {
        this.client = createKubeClient({ kubeconfigPath });
    }

    /** Where objects of `kind` (as kubectl names it) are served, or undefined when the API server serves no such kind. */
    async resource(kind: string): Promise<Resource | undefined> {
        const known = (await this.discover()).get(kind);
        if (known) return known;
        this.discovered = undefined;
        return (await this.discover()).get(kind);
    }

    /** The object, or undefined when it does not exist. */
    async get<T = KubeObject>(resource: Resource, name: string, namespace?: string): Promise<T | undefined> {
        return this.client.getOptional<T>(`${this.collection(resource, namespace)}/${encodeURIComponent(name)}`);
    }

    /** The objects of a kind in `namespace`, each with its apiVersion and kind as kubectl prints them. */
    async list<T = KubeObject>(resource: Resource, namespace?: string, labelSelector?: string): Promise<T[]> {
        const items = await this.client.list<Record<string, unknown>>(this.collection(resource, namespace), { labelSelector });
        return items.map((item) => ({ apiVersion: resource.apiVersion, kind: resource.kind, ...item }) as T);
    }

    /** A namespaced kind without a namespace is the context's namespace's, as kubectl has it. */
    private collection(resource: Resource, namespace?: string): string {
        const ns = namespace || this.client.config.namespace || "default";
        const scope = resource.namespaced ? `/namespaces/${encodeURIComponent(ns)}` : "";
        return `${resource.prefix}${scope}/${resource.plural}`;
    }

    private discover(): Promise<Map<string, Resource>> {
        this.discovered ??= this.discoverNow();
        // A failed discovery is not kept: the next call asks again.
        this.discovered.catch(() => (this.discovered = undefined));
        return this.discovered;
    }

    private async discoverNow(): Promise<Map<string, Resource>> {
        type Groups = { groups: { name: string; preferredVersion: { groupVersion: string } }[] };
        const core = { group: "", groupVersion: "v1" };
        const groups = (await this.client.get<Groups>("/apis")).groups.map((g) => ({
            group: g.name,
            groupVersion: g.preferredVersion.groupVersion,
        }));
        const lists = await Promise.all(
            [core, ...groups].map(async ({ group, groupVersion }) => {
                const path = group ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
                const list = await this.client.getOptional<{ resources: ResourceEntry[] }>(path);
                return namesOf(group, groupVersion, list?.resources ?? []);
            }),
        );
        return firstOfEachName(lists.flat());
    }
}

const apis = new Map<string, KubeApi>();

/** The client of one kubeconfig, made once per process. */
export function kubeApi(kubeconfigPath: string): KubeApi {
    let api = apis.get(kubeconfigPath);
    if (!api) apis.set(kubeconfigPath, (api = new KubeApi(kubeconfigPath)));
    return api;
}
