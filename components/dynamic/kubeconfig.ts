/**
 * Kubeconfig resolution for the dynamic providers' Kubernetes client (kube-client.ts): which
 * file or content, which context, and the connection settings it names.
 *
 * Supported: contexts, `certificate-authority(-data)`, `client-certificate(-data)` /
 * `client-key(-data)`, `token` / `tokenFile`, `username` / `password`,
 * `insecure-skip-tls-verify`, `tls-server-name`, `exec` credential plugins
 * (client.authentication.k8s.io), servers with a path prefix, plain `http://` servers.
 * Not supported: `auth-provider` (the long-deprecated gcp/azure/oidc plugins) and `proxy-url`.
 * Plain functions with `require` inside them, so that the closure serializer captures only them.
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

/**
 * The kubeconfig file used when no content or path is given: the first non-empty entry of
 * $KUBECONFIG, else ~/.kube/config.
 */
export function defaultKubeconfigPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
    const path = require("path") as typeof import("path");
    const os = require("os") as typeof import("os");
    const list = (env.KUBECONFIG ?? "")
        .split(path.delimiter)
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
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
    /** A mapping of the parsed kubeconfig: its values are unchecked. */
    type Mapping = { readonly [key: string]: unknown };
    const isMapping = (v: unknown): v is Mapping => typeof v === "object" && v !== null;
    let doc: unknown;
    try {
        doc = yaml.parse(text);
    } catch (e) {
        throw new Error(`kubeconfig is not valid YAML/JSON: ${(e as Error).message}`, { cause: e });
    }
    if (!isMapping(doc)) throw new Error("kubeconfig is empty or not a mapping");
    /** The `what` mapping of the entry of `list` named `name` (empty when the entry has none). */
    const named = (list: unknown, what: string, name: unknown): Mapping => {
        const arr: unknown[] = Array.isArray(list) ? list : [];
        const hit = arr.find((x): x is Mapping => isMapping(x) && x.name === name);
        if (!hit) {
            const names = arr
                .map((x) => (isMapping(x) ? x.name : undefined))
                .filter(Boolean)
                .join(", ");
            throw new Error(`kubeconfig has no ${what} named "${name}"${names ? ` (have: ${names})` : ""}`);
        }
        // A value that is not a mapping has none of the keys read below, like an empty one.
        const entry = hit[what];
        return isMapping(entry) ? entry : {};
    };
    // current-context is taken as written (kubectl requires a string).
    const contextName = (context || doc["current-context"] || undefined) as string | undefined;
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
            throw new Error(`kubeconfig ${what} file ${full} cannot be read: ${(e as Error).message}`, { cause: e });
        }
    };
    const pick = (obj: Mapping, dataKey: string, fileKey: string, what: string): string | undefined => {
        const data = obj[dataKey];
        if (typeof data === "string" && data) return Buffer.from(data, "base64").toString("utf8");
        const file = obj[fileKey];
        if (typeof file === "string" && file) return readFile(file, what);
        return undefined;
    };
    if (user["auth-provider"]) {
        throw new Error(
            `kubeconfig user "${ctx.user}" uses an auth-provider plugin, which is not supported; use an exec plugin or a token`,
        );
    }
    let exec: KubeExecConfig | undefined;
    const userExec = user.exec;
    if (userExec && isMapping(userExec)) {
        const envObj: Record<string, string> = {};
        const envList: unknown[] = Array.isArray(userExec.env) ? userExec.env : [];
        for (const e of envList) {
            if (isMapping(e) && typeof e.name === "string") envObj[e.name] = String(e.value ?? "");
        }
        const command = userExec.command;
        if (typeof command !== "string" || !command) {
            throw new Error(`kubeconfig user "${ctx.user}" exec has no command`);
        }
        exec = {
            command,
            args: Array.isArray(userExec.args) ? userExec.args.map(String) : [],
            env: envObj,
            apiVersion: String(userExec.apiVersion ?? "client.authentication.k8s.io/v1"),
            baseDir: base,
        };
    }
    const userTokenFile = user.tokenFile;
    const tokenFile =
        typeof userTokenFile === "string" && userTokenFile
            ? path.isAbsolute(userTokenFile)
                ? userTokenFile
                : path.resolve(base, userTokenFile)
            : undefined;
    const tlsServerName = cluster["tls-server-name"];
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
        tlsServerName: typeof tlsServerName === "string" && tlsServerName ? tlsServerName : undefined,
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
        throw new Error(`cannot read kubeconfig ${full}: ${(e as Error).message}`, { cause: e });
    }
    return resolveKubeConfig(text, access.context, path.dirname(full));
}
