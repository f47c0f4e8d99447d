/**
 * A minimal Kubernetes REST client built from a kubeconfig.
 *
 * It exists for the dynamic providers (workflow-run.ts, runtime-teardown.ts), which Pulumi
 * serializes into the state file and runs in a separate Node process: it therefore has no
 * dependency besides Node built-ins and `yaml`, it is written as plain functions (no classes,
 * no module-level state), and every `require` happens inside the function that needs it, so
 * the closure serializer captures only small, self-contained code and never a secret.
 *
 * Supported kubeconfig features: contexts, `certificate-authority(-data)`,
 * `client-certificate(-data)` / `client-key(-data)`, `token` / `tokenFile`,
 * `username` / `password`, `insecure-skip-tls-verify`, `tls-server-name`, `exec` credential
 * plugins (client.authentication.k8s.io), servers with a path prefix, plain `http://` servers.
 * Not supported: `auth-provider` (the long-deprecated gcp/azure/oidc plugins) and `proxy-url`.
 */

import type { Input } from "@pulumi/pulumi";

/** How to reach a cluster. The same shape is used as a dynamic-provider input. */
export interface KubeAccess {
    /** Whole kubeconfig content (YAML or JSON). Pass it as a Pulumi secret. Wins over `kubeconfigPath`. */
    readonly kubeconfig?: string;
    /** Path to a kubeconfig file. Default: the first entry of $KUBECONFIG, else ~/.kube/config. */
    readonly kubeconfigPath?: string;
    /** Context to use. Default: the kubeconfig's current-context. */
    readonly context?: string;
}

/** KubeAccess whose fields may be Pulumi Outputs (the kubeconfig content usually is a secret one). */
export interface KubeAccessInput {
    /** Whole kubeconfig content (YAML or JSON); pass it as a secret. Wins over `kubeconfigPath`. */
    readonly kubeconfig?: Input<string>;
    /** Path to a kubeconfig file on the machine running Pulumi. Default: $KUBECONFIG's first entry, else ~/.kube/config. */
    readonly kubeconfigPath?: Input<string>;
    /** Context. Default: the kubeconfig's current-context. */
    readonly context?: Input<string>;
}

export interface KubeClientOptions extends KubeAccess {
    /** Timeout of every HTTP request, in milliseconds. Default 30000. */
    readonly timeoutMs?: number;
    /** Environment to read KUBECONFIG/HOME from. Default process.env. */
    readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Connection settings resolved from a kubeconfig context. */
export interface ResolvedKubeConfig {
    readonly contextName: string;
    /** Server URL without a trailing slash; may carry a path prefix. */
    readonly server: string;
    /** Namespace of the context, if set. */
    readonly namespace?: string;
    readonly ca?: string;
    readonly cert?: string;
    readonly key?: string;
    readonly token?: string;
    /** Read at every request, so rotated (projected) tokens keep working. */
    readonly tokenFile?: string;
    readonly username?: string;
    readonly password?: string;
    readonly insecureSkipTlsVerify: boolean;
    readonly tlsServerName?: string;
    readonly exec?: KubeExecConfig;
}

export interface KubeExecConfig {
    readonly command: string;
    readonly args: readonly string[];
    readonly env: Readonly<Record<string, string>>;
    readonly apiVersion: string;
    /** Directory relative commands resolve against (the kubeconfig's directory). */
    readonly baseDir: string;
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

/** Error of a request to the API server. `statusCode` is undefined for transport errors and timeouts. */
export interface KubeApiError extends Error {
    readonly isKubeApiError: true;
    readonly method: string;
    readonly path: string;
    readonly statusCode?: number;
    /** `reason` of the server's Status object (NotFound, Forbidden, AlreadyExists…). */
    readonly reason?: string;
    /** `message` of the server's Status object, or the raw body when it is not a Status. */
    readonly apiMessage?: string;
    /** True when the request timed out. */
    readonly timedOut?: boolean;
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

export interface KubeClient {
    readonly config: ResolvedKubeConfig;
    /** Raw request; resolves for every HTTP status (the body is parsed when it is JSON). */
    request(method: string, apiPath: string, body?: unknown): Promise<{ statusCode: number; body: any }>;
    /** GET; throws a KubeApiError for any non-2xx status (404 included). */
    get<T = any>(apiPath: string): Promise<T>;
    /** GET that resolves undefined on 404. */
    getOptional<T = any>(apiPath: string): Promise<T | undefined>;
    /** DELETE; true when the object existed, false on 404. */
    delete(apiPath: string, options?: DeleteOptions): Promise<boolean>;
    /** GET a collection, following `continue` tokens; returns its items. */
    list<T = any>(apiPath: string, options?: ListOptions): Promise<T[]>;
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

/** Type guard for errors thrown by the client. */
export function isKubeApiError(e: unknown): e is KubeApiError {
    return typeof e === "object" && e !== null && (e as { isKubeApiError?: unknown }).isKubeApiError === true;
}

/** True for an error that says the object (or its namespace) does not exist. */
export function isNotFound(e: unknown): boolean {
    return isKubeApiError(e) && e.statusCode === 404;
}

/** Builds a KubeApiError; kept a plain function so the closure serializer needs no class. */
export function kubeApiError(
    method: string,
    apiPath: string,
    statusCode: number | undefined,
    body: unknown,
    cause?: { message?: string; timedOut?: boolean },
): KubeApiError {
    let reason: string | undefined;
    let apiMessage: string | undefined;
    if (body && typeof body === "object") {
        const b = body as { kind?: unknown; reason?: unknown; message?: unknown };
        if (typeof b.reason === "string" && b.reason) reason = b.reason;
        if (typeof b.message === "string" && b.message) apiMessage = b.message;
    } else if (typeof body === "string" && body.trim()) {
        apiMessage = body.trim().slice(0, 2000);
    }
    let text: string;
    if (statusCode === undefined) {
        text = `Kubernetes API ${method} ${apiPath} failed: ${cause?.message ?? "request error"}`;
    } else {
        text = `Kubernetes API ${method} ${apiPath} failed: HTTP ${statusCode}${reason ? ` ${reason}` : ""}${apiMessage ? `: ${apiMessage}` : ""}`;
    }
    const err = new Error(text) as Error & Record<string, unknown>;
    err.name = "KubeApiError";
    err.isKubeApiError = true;
    err.method = method;
    err.path = apiPath;
    err.statusCode = statusCode;
    err.reason = reason;
    err.apiMessage = apiMessage;
    if (cause?.timedOut) err.timedOut = true;
    return err as unknown as KubeApiError;
}

/**
 * The kubeconfig file used when no content or path is given: the first non-empty entry of
 * $KUBECONFIG, else ~/.kube/config.
 */
export function defaultKubeconfigPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
    const path = require("path") as typeof import("path");
    const os = require("os") as typeof import("os");
    const list = (env.KUBECONFIG ?? "").split(path.delimiter).map((s) => s.trim()).filter((s) => s.length > 0);
    if (list.length > 0) return list[0];
    const home = env.HOME || env.USERPROFILE || os.homedir();
    return path.join(home, ".kube", "config");
}

/**
 * Parses kubeconfig text (YAML or JSON) and resolves one context into connection settings.
 * Relative file references resolve against `baseDir` (the kubeconfig's directory). Files named
 * by the kubeconfig (CA, client cert/key) are read here; `tokenFile` is read per request.
 */
export function resolveKubeConfig(text: string, context?: string, baseDir?: string): ResolvedKubeConfig {
    const fs = require("fs") as typeof import("fs");
    const path = require("path") as typeof import("path");
    const yaml = require("yaml") as typeof import("yaml");
    const base = baseDir ?? process.cwd();
    let doc: any;
    try {
        doc = yaml.parse(text);
    } catch (e) {
        throw new Error(`kubeconfig is not valid YAML/JSON: ${(e as Error).message}`);
    }
    if (!doc || typeof doc !== "object") throw new Error("kubeconfig is empty or not a mapping");
    const named = (list: unknown, what: string, name: string): any => {
        const arr = Array.isArray(list) ? list : [];
        const hit = arr.find((x: any) => x && x.name === name);
        if (!hit) {
            const names = arr.map((x: any) => x && x.name).filter(Boolean).join(", ");
            throw new Error(`kubeconfig has no ${what} named "${name}"${names ? ` (have: ${names})` : ""}`);
        }
        return hit[what] ?? {};
    };
    const contextName: string | undefined = context || doc["current-context"] || undefined;
    if (!contextName) throw new Error("kubeconfig has no current-context and no context was given");
    const ctx = named(doc.contexts, "context", contextName);
    if (!ctx.cluster) throw new Error(`kubeconfig context "${contextName}" names no cluster`);
    const cluster = named(doc.clusters, "cluster", ctx.cluster);
    const user = ctx.user ? named(doc.users, "user", ctx.user) : {};
    const server = typeof cluster.server === "string" ? cluster.server.trim() : "";
    if (!server) throw new Error(`kubeconfig cluster "${ctx.cluster}" has no server`);
    if (!/^https?:\/\//i.test(server)) throw new Error(`kubeconfig cluster "${ctx.cluster}" server "${server}" is not an http(s) URL`);
    const readFile = (p: string, what: string): string => {
        const full = path.isAbsolute(p) ? p : path.resolve(base, p);
        try {
            return fs.readFileSync(full, "utf8");
        } catch (e) {
            throw new Error(`kubeconfig ${what} file ${full} cannot be read: ${(e as Error).message}`);
        }
    };
    const pick = (obj: any, dataKey: string, fileKey: string, what: string): string | undefined => {
        if (typeof obj[dataKey] === "string" && obj[dataKey]) return Buffer.from(obj[dataKey], "base64").toString("utf8");
        if (typeof obj[fileKey] === "string" && obj[fileKey]) return readFile(obj[fileKey], what);
        return undefined;
    };
    if (user["auth-provider"]) {
        throw new Error(`kubeconfig user "${ctx.user}" uses an auth-provider plugin, which is not supported; use an exec plugin or a token`);
    }
    let exec: KubeExecConfig | undefined;
    if (user.exec && typeof user.exec === "object") {
        const envObj: Record<string, string> = {};
        for (const e of Array.isArray(user.exec.env) ? user.exec.env : []) {
            if (e && typeof e.name === "string") envObj[e.name] = String(e.value ?? "");
        }
        if (typeof user.exec.command !== "string" || !user.exec.command) {
            throw new Error(`kubeconfig user "${ctx.user}" exec has no command`);
        }
        exec = {
            command: user.exec.command,
            args: Array.isArray(user.exec.args) ? user.exec.args.map(String) : [],
            env: envObj,
            apiVersion: String(user.exec.apiVersion ?? "client.authentication.k8s.io/v1"),
            baseDir: base,
        };
    }
    const tokenFile = typeof user.tokenFile === "string" && user.tokenFile
        ? (path.isAbsolute(user.tokenFile) ? user.tokenFile : path.resolve(base, user.tokenFile))
        : undefined;
    return {
        contextName,
        server: server.replace(/\/+$/, ""),
        namespace: typeof ctx.namespace === "string" && ctx.namespace ? ctx.namespace : undefined,
        ca: pick(cluster, "certificate-authority-data", "certificate-authority", "certificate-authority"),
        cert: pick(user, "client-certificate-data", "client-certificate", "client-certificate"),
        key: pick(user, "client-key-data", "client-key", "client-key"),
        token: typeof user.token === "string" && user.token ? user.token : undefined,
        tokenFile,
        username: typeof user.username === "string" ? user.username : undefined,
        password: typeof user.password === "string" ? user.password : undefined,
        insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true || cluster["insecure-skip-tls-verify"] === "true",
        tlsServerName: typeof cluster["tls-server-name"] === "string" && cluster["tls-server-name"] ? cluster["tls-server-name"] : undefined,
        exec,
    };
}

/** Resolves a KubeAccess (content, path, or the ambient kubeconfig) into connection settings. */
export function loadKubeConfig(access: KubeAccess, env: Readonly<Record<string, string | undefined>> = process.env): ResolvedKubeConfig {
    const fs = require("fs") as typeof import("fs");
    const path = require("path") as typeof import("path");
    if (typeof access.kubeconfig === "string" && access.kubeconfig.trim()) {
        return resolveKubeConfig(access.kubeconfig, access.context);
    }
    const file = access.kubeconfigPath || defaultKubeconfigPath(env);
    const full = path.resolve(file);
    let text: string;
    try {
        text = fs.readFileSync(full, "utf8");
    } catch (e) {
        throw new Error(`cannot read kubeconfig ${full}: ${(e as Error).message}`);
    }
    return resolveKubeConfig(text, access.context, path.dirname(full));
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
export function findKindInResourceList(list: any, groupVersion: string, kind: string): ApiResourceInfo | undefined {
    const resources: any[] = list && Array.isArray(list.resources) ? list.resources : [];
    const hit = resources.find((r) => r && r.kind === kind && typeof r.name === "string" && !r.name.includes("/"));
    if (!hit) return undefined;
    return {
        name: hit.name,
        kind: hit.kind,
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
export function createKubeClientFromConfig(config: ResolvedKubeConfig, timeoutMs = 30000): KubeClient {
    const http = require("http") as typeof import("http");
    const https = require("https") as typeof import("https");
    const fs = require("fs") as typeof import("fs");
    const cp = require("child_process") as typeof import("child_process");

    const base = new URL(config.server);
    const isHttps = base.protocol === "https:";
    const basePath = base.pathname.replace(/\/+$/, "");
    const agent = isHttps
        ? new https.Agent({
            keepAlive: true,
            ca: config.ca,
            cert: config.cert,
            key: config.key,
            rejectUnauthorized: !config.insecureSkipTlsVerify,
            servername: config.tlsServerName,
        })
        : new http.Agent({ keepAlive: true });

    let execCache: { token?: string; cert?: string; key?: string; expires: number } | undefined;
    const execCredential = (): { token?: string; cert?: string; key?: string } => {
        const exec = config.exec!;
        if (execCache && execCache.expires > Date.now() + 10000) return execCache;
        const execInfo = {
            apiVersion: exec.apiVersion,
            kind: "ExecCredential",
            spec: { interactive: false, cluster: { server: config.server } },
        };
        let out: string;
        try {
            out = cp.execFileSync(exec.command, [...exec.args], {
                cwd: exec.baseDir,
                env: { ...process.env, ...exec.env, KUBERNETES_EXEC_INFO: JSON.stringify(execInfo) },
                encoding: "utf8",
                timeout: timeoutMs,
                stdio: ["ignore", "pipe", "pipe"],
            });
        } catch (e) {
            throw new Error(`kubeconfig exec credential plugin "${exec.command}" failed: ${(e as Error).message}`);
        }
        let status: any;
        try {
            status = JSON.parse(out).status ?? {};
        } catch {
            throw new Error(`kubeconfig exec credential plugin "${exec.command}" printed no ExecCredential JSON`);
        }
        const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : Date.now() + 60000;
        execCache = { token: status.token, cert: status.clientCertificateData, key: status.clientKeyData, expires };
        return execCache;
    };

    const request = (method: string, apiPath: string, body?: unknown): Promise<{ statusCode: number; body: any }> => {
        return new Promise((resolve, reject) => {
            const headers: Record<string, string> = { Accept: "application/json", "User-Agent": "arkouda-workflows" };
            let payload: Buffer | undefined;
            let tlsCert = config.cert;
            let tlsKey = config.key;
            try {
                if (body !== undefined) {
                    payload = Buffer.from(JSON.stringify(body), "utf8");
                    headers["Content-Type"] = "application/json";
                    headers["Content-Length"] = String(payload.length);
                }
                let token = config.token;
                if (config.tokenFile) token = fs.readFileSync(config.tokenFile, "utf8").trim();
                if (config.exec) {
                    const c = execCredential();
                    if (c.token) token = c.token;
                    if (c.cert && c.key) {
                        tlsCert = c.cert;
                        tlsKey = c.key;
                    }
                }
                if (token) headers.Authorization = `Bearer ${token}`;
                else if (config.username !== undefined && config.password !== undefined) {
                    headers.Authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString("base64")}`;
                }
            } catch (e) {
                reject(kubeApiError(method, apiPath, undefined, undefined, { message: (e as Error).message }));
                return;
            }
            const reqOptions: import("https").RequestOptions = {
                protocol: base.protocol,
                hostname: base.hostname.replace(/^\[|\]$/g, ""),
                port: base.port || (isHttps ? 443 : 80),
                path: basePath + apiPath,
                method,
                headers,
                agent,
            };
            if (isHttps && (tlsCert !== config.cert || tlsKey !== config.key)) {
                // Exec-provided client certificate: use a one-off agent-less TLS connection.
                Object.assign(reqOptions, {
                    agent: undefined,
                    ca: config.ca,
                    cert: tlsCert,
                    key: tlsKey,
                    rejectUnauthorized: !config.insecureSkipTlsVerify,
                    servername: config.tlsServerName,
                });
            }
            let settled = false;
            // Declared before its use in `finish`: Pulumi's closure serializer rejects references
            // to block-scoped variables that appear before their declaration.
            let timer: ReturnType<typeof setTimeout> | undefined;
            const finish = (fn: () => void) => {
                if (settled) return;
                settled = true;
                if (timer) clearTimeout(timer);
                fn();
            };
            const req = (isHttps ? https : http).request(reqOptions, (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("error", (e) => finish(() => reject(kubeApiError(method, apiPath, undefined, undefined, { message: e.message }))));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let parsed: any = text;
                    if (text) {
                        try {
                            parsed = JSON.parse(text);
                        } catch {
                            parsed = text;
                        }
                    } else {
                        parsed = undefined;
                    }
                    finish(() => resolve({ statusCode: res.statusCode ?? 0, body: parsed }));
                });
            });
            timer = setTimeout(() => {
                finish(() => reject(kubeApiError(method, apiPath, undefined, undefined, { message: `timed out after ${timeoutMs} ms`, timedOut: true })));
                req.destroy();
            }, timeoutMs);
            req.on("error", (e) => finish(() => reject(kubeApiError(method, apiPath, undefined, undefined, { message: e.message }))));
            if (payload) req.write(payload);
            req.end();
        });
    };

    const ensureOk = async (method: string, apiPath: string, body?: unknown): Promise<any> => {
        const res = await request(method, apiPath, body);
        if (res.statusCode < 200 || res.statusCode > 299) throw kubeApiError(method, apiPath, res.statusCode, res.body);
        return res.body;
    };

    const discovery = new Map<string, Promise<any | null>>();
    const resourceList = (groupVersion: string): Promise<any | null> => {
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
        get: (apiPath) => ensureOk("GET", apiPath),
        getOptional: async (apiPath) => {
            const res = await request("GET", apiPath);
            if (res.statusCode === 404) return undefined;
            if (res.statusCode < 200 || res.statusCode > 299) throw kubeApiError("GET", apiPath, res.statusCode, res.body);
            return res.body;
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
        list: async (apiPath, options) => {
            const items: any[] = [];
            let cont: string | undefined;
            do {
                const q = new URLSearchParams();
                q.set("limit", String(options?.limit ?? 500));
                if (options?.labelSelector) q.set("labelSelector", options.labelSelector);
                if (options?.fieldSelector) q.set("fieldSelector", options.fieldSelector);
                if (cont) q.set("continue", cont);
                const sep = apiPath.includes("?") ? "&" : "?";
                const page = await ensureOk("GET", `${apiPath}${sep}${q.toString()}`);
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
        close: () => agent.destroy(),
    };
    return client;
}
