/**
 * A minimal Kubernetes REST client for the dynamic providers.
 *
 * Pulumi serializes the providers into the state and runs them in a separate Node process, so
 * the client depends on Node built-ins and `yaml` only (through kubeconfig.ts), is written as
 * plain functions (no classes, no module-level state), and every `require` happens inside the
 * function that needs it: the closure serializer captures small, self-contained code and never
 * a secret.
 *
 * Why not @kubernetes/client-node (1.4, the line that loads on Node 20): it is ESM-only (loaded
 * through require(esm)), it adds 0.7-1.2 s and ~50 MB to the provider process's start (on top
 * of the 1.2-1.6 s of @pulumi/pulumi itself) and 72 packages, and it reads a user's token file
 * once, from the non-standard `token-file` key: kubeconfigs with `tokenFile` (projected,
 * rotating service-account tokens) would lose their credentials.
 */

import { createKubeTransport, kubeApiError, KubeRequest } from "./kube-http";
import { KubeAccess, loadKubeConfig, ResolvedKubeConfig } from "./kubeconfig";

export interface KubeClientOptions extends KubeAccess {
    /** Timeout of every HTTP request, in milliseconds. Default 30000. */
    readonly timeoutMs?: number;
    /** Environment to read KUBECONFIG/HOME from. Default process.env. */
    readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Identifies one object (or, without a name, a collection). */
export interface KubeObjectRef {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name?: string;
    readonly namespace?: string;
}

/** One entry of an APIResourceList, as discovery reports it. */
export interface ApiResourceInfo {
    /** Plural resource name used in paths, e.g. "workflows". */
    readonly name: string;
    readonly kind: string;
    readonly namespaced: boolean;
    /** "v1" or "<group>/<version>". */
    readonly groupVersion: string;
    readonly verbs: readonly string[];
}

export interface ListOptions {
    readonly labelSelector?: string;
    readonly fieldSelector?: string;
    /** Page size; pages are followed with `continue` until the end. Default 500. */
    readonly limit?: number;
}

export interface DeleteOptions {
    readonly propagationPolicy?: "Foreground" | "Background" | "Orphan";
    readonly gracePeriodSeconds?: number;
}

/** metadata of an object as the API server returns it (the fields the providers read; the rest unchecked). */
export interface KubeObjectMeta {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    /** Set once the object is being deleted (RFC 3339). */
    readonly deletionTimestamp?: string;
    readonly finalizers?: string[];
    readonly [field: string]: unknown;
}

/** An object as the API server returns it; what is not declared here is unchecked. */
export interface KubeObject {
    readonly apiVersion?: string;
    readonly kind?: string;
    readonly metadata: KubeObjectMeta;
    readonly [field: string]: unknown;
}

/** One page of a collection. */
interface KubeListPage<T> {
    readonly items?: T[];
    readonly metadata?: { readonly continue?: string };
}

/**
 * The methods that return response bodies take the body's type as `T` (the server's JSON is not
 * checked against it); by default a Kubernetes object.
 */
export interface KubeClient {
    readonly config: ResolvedKubeConfig;
    /** Raw request; resolves for every HTTP status (the body is parsed when it is JSON). */
    request: KubeRequest;
    /** GET; throws a KubeApiError for any non-2xx status (404 included). */
    get<T = KubeObject>(apiPath: string): Promise<T>;
    /** GET that resolves undefined on 404. */
    getOptional<T = KubeObject>(apiPath: string): Promise<T | undefined>;
    /** DELETE; true when the object existed, false on 404. */
    delete(apiPath: string, options?: DeleteOptions): Promise<boolean>;
    /** GET a collection, following `continue` tokens; returns its items. */
    list<T = KubeObject>(apiPath: string, options?: ListOptions): Promise<T[]>;
    /**
     * Discovery: the resource serving `kind` in `apiVersion`, or undefined when the API server does
     * not know it (CRD not installed, group/version not served). Results are cached per client.
     */
    resolveKind(apiVersion: string, kind: string): Promise<ApiResourceInfo | undefined>;
    /**
     * REST path of an object (or of its collection when `name` is absent), or undefined when the
     * kind is unknown to the API server. Namespaced kinds without a namespace use the context's
     * namespace, else "default"; cluster-scoped kinds ignore the namespace.
     */
    resourcePath(ref: KubeObjectRef): Promise<string | undefined>;
    /** Forget cached discovery results (e.g. after installing a CRD). */
    invalidateDiscovery(): void;
    /** Closes idle keep-alive connections. The client stays usable (new connections are opened). */
    close(): void;
}

/**
 * Maps a discovered resource and a reference to a REST path. Pure.
 * `defaultNamespace` applies to namespaced kinds when the reference has no namespace.
 */
export function buildResourcePath(info: ApiResourceInfo, ref: { name?: string; namespace?: string }, defaultNamespace = "default"): string {
    const enc = encodeURIComponent;
    const prefix = info.groupVersion.includes("/") ? `/apis/${info.groupVersion}` : `/api/${info.groupVersion}`;
    let p = prefix;
    if (info.namespaced) p += `/namespaces/${enc(ref.namespace || defaultNamespace)}`;
    p += `/${info.name}`;
    if (ref.name) p += `/${enc(ref.name)}`;
    return p;
}

/** Picks `kind` out of an APIResourceList (skipping subresources). Pure. */
export function findKindInResourceList(list: unknown, groupVersion: string, kind: string): ApiResourceInfo | undefined {
    type Entry = { readonly name: string; readonly kind?: unknown; readonly namespaced?: unknown; readonly verbs?: unknown };
    const listed = list && typeof list === "object" ? (list as { resources?: unknown }).resources : undefined;
    const resources: unknown[] = Array.isArray(listed) ? listed : [];
    const hit = resources.find((r): r is Entry => {
        if (!r || typeof r !== "object") return false;
        const e = r as Partial<Entry>;
        return e.kind === kind && typeof e.name === "string" && !e.name.includes("/");
    });
    if (!hit) return undefined;
    return {
        name: hit.name,
        kind, // hit.kind === kind
        namespaced: hit.namespaced === true,
        groupVersion,
        verbs: Array.isArray(hit.verbs) ? hit.verbs.map(String) : [],
    };
}

/** Creates a client. Reads the kubeconfig immediately; throws when it is missing or invalid. */
export function createKubeClient(options: KubeClientOptions = {}): KubeClient {
    const config = loadKubeConfig(options, options.env ?? process.env);
    return createKubeClientFromConfig(config, options.timeoutMs);
}

/** Creates a client from already-resolved settings. */
function createKubeClientFromConfig(config: ResolvedKubeConfig, timeoutMs = 30000): KubeClient {
    const { request, close } = createKubeTransport(config, timeoutMs);

    /** The body of a 2xx response, taken to be a `T` (unchecked). */
    const ensureOk = async <T>(method: string, apiPath: string, body?: unknown): Promise<T> => {
        const res = await request(method, apiPath, body);
        if (res.statusCode < 200 || res.statusCode > 299) throw kubeApiError(method, apiPath, res.statusCode, res.body);
        return res.body as T;
    };

    /** APIResourceList per group/version; null when the server does not serve it. */
    const discovery = new Map<string, Promise<unknown>>();
    const resourceList = (groupVersion: string): Promise<unknown> => {
        let p = discovery.get(groupVersion);
        if (!p) {
            const apiPath = groupVersion.includes("/") ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
            p = request("GET", apiPath).then((res) => {
                if (res.statusCode === 404) return null;
                if (res.statusCode < 200 || res.statusCode > 299) throw kubeApiError("GET", apiPath, res.statusCode, res.body);
                return res.body;
            });
            discovery.set(groupVersion, p);
            // Do not cache failures: the next call retries.
            p.catch(() => discovery.delete(groupVersion));
        }
        return p;
    };

    const resolveKind = async (apiVersion: string, kind: string): Promise<ApiResourceInfo | undefined> => {
        const gv = String(apiVersion || "").trim();
        if (!gv || !kind) return undefined;
        const list = await resourceList(gv);
        if (!list) return undefined;
        return findKindInResourceList(list, gv, kind);
    };

    const client: KubeClient = {
        config,
        request,
        get: <T>(apiPath: string) => ensureOk<T>("GET", apiPath),
        getOptional: async <T>(apiPath: string) => {
            const res = await request("GET", apiPath);
            if (res.statusCode === 404) return undefined;
            if (res.statusCode < 200 || res.statusCode > 299) throw kubeApiError("GET", apiPath, res.statusCode, res.body);
            return res.body as T;
        },
        delete: async (apiPath, options) => {
            const body: Record<string, unknown> = { kind: "DeleteOptions", apiVersion: "v1" };
            if (options?.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
            if (options?.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
            const res = await request("DELETE", apiPath, body);
            if (res.statusCode === 404) return false;
            if (res.statusCode < 200 || res.statusCode > 299) throw kubeApiError("DELETE", apiPath, res.statusCode, res.body);
            return true;
        },
        list: async <T>(apiPath: string, options?: ListOptions) => {
            const items: T[] = [];
            let cont: string | undefined;
            do {
                const q = new URLSearchParams();
                q.set("limit", String(options?.limit ?? 500));
                if (options?.labelSelector) q.set("labelSelector", options.labelSelector);
                if (options?.fieldSelector) q.set("fieldSelector", options.fieldSelector);
                if (cont) q.set("continue", cont);
                const sep = apiPath.includes("?") ? "&" : "?";
                const page = await ensureOk<KubeListPage<T> | null | undefined>("GET", `${apiPath}${sep}${q.toString()}`);
                if (page && Array.isArray(page.items)) items.push(...page.items);
                cont = page && page.metadata && page.metadata.continue ? String(page.metadata.continue) : undefined;
            } while (cont);
            return items;
        },
        resolveKind,
        resourcePath: async (ref) => {
            const info = await resolveKind(ref.apiVersion, ref.kind);
            if (!info) return undefined;
            return buildResourcePath(info, ref, config.namespace || "default");
        },
        invalidateDiscovery: () => discovery.clear(),
        close,
    };
    return client;
}

/** Runs `fn` with a client for `kube` (requests time out after `timeoutMs`), then drops its connections. */
export async function withKubeClient<T>(
    kube: KubeAccess,
    timeoutMs: number | undefined,
    fn: (client: KubeClient) => Promise<T>,
): Promise<T> {
    const client = createKubeClient({ ...kube, timeoutMs: timeoutMs ?? 30000 });
    try {
        return await fn(client);
    } finally {
        client.close();
    }
}
