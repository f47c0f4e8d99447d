/**
 * HTTP transport of the dynamic providers' Kubernetes client: one request with the kubeconfig's
 * credentials (client certificate, token, tokenFile re-read per request, basic auth, exec
 * plugin), a timeout, and errors that carry the server's Status. Plain functions with `require`
 * inside them, for the closure serializer (see kube-client.ts).
 */

import type { ResolvedKubeConfig } from "./kubeconfig";

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

/** Type guard for errors thrown by the client. */
export function isKubeApiError(e: unknown): e is KubeApiError {
    return typeof e === "object" && e !== null && (e as { isKubeApiError?: unknown }).isKubeApiError === true;
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

/** A raw request; resolves for every HTTP status (the body is parsed when it is JSON). */
export type KubeRequest = (method: string, apiPath: string, body?: unknown) => Promise<{ statusCode: number; body: unknown }>;

/** `status` of the ExecCredential an exec credential plugin prints (client.authentication.k8s.io). */
interface ExecCredentialStatus {
    readonly token?: string;
    readonly clientCertificateData?: string;
    readonly clientKeyData?: string;
    /** RFC 3339. */
    readonly expirationTimestamp?: string;
}

/** The requests of one client, over keep-alive connections that `close` drops. */
export function createKubeTransport(config: ResolvedKubeConfig, timeoutMs: number): { request: KubeRequest; close: () => void } {
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
            throw new Error(`kubeconfig exec credential plugin "${exec.command}" failed: ${(e as Error).message}`, { cause: e });
        }
        let status: ExecCredentialStatus;
        try {
            status = JSON.parse(out).status ?? {};
        } catch {
            throw new Error(`kubeconfig exec credential plugin "${exec.command}" printed no ExecCredential JSON`);
        }
        const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : Date.now() + 60000;
        execCache = { token: status.token, cert: status.clientCertificateData, key: status.clientKeyData, expires };
        return execCache;
    };
    const request: KubeRequest = (method, apiPath, body) => {
        return new Promise((resolve, reject) => {
            const headers: Record<string, string> = { Accept: "application/json", "User-Agent": "arkouda-workflows" };
            let payload: Buffer | undefined;
            let tlsCert = config.cert;
            let tlsKey = config.key;
            try {
                if (body !== undefined) {
                    payload = Buffer.from(JSON.stringify(body), "utf8");
                    // A PATCH here is a JSON merge patch (an annotation set on an object).
                    headers["Content-Type"] = method === "PATCH" ? "application/merge-patch+json" : "application/json";
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
            // to block-scoped variables that appear before their declaration. Set once the request exists.
            const timer: { id?: ReturnType<typeof setTimeout> } = {};
            const finish = (fn: () => void) => {
                if (settled) return;
                settled = true;
                if (timer.id) clearTimeout(timer.id);
                fn();
            };
            const req = (isHttps ? https : http).request(reqOptions, (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("error", (e) => finish(() => reject(kubeApiError(method, apiPath, undefined, undefined, { message: e.message }))));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let parsed: unknown = text;
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
            timer.id = setTimeout(() => {
                finish(() =>
                    reject(
                        kubeApiError(method, apiPath, undefined, undefined, { message: `timed out after ${timeoutMs} ms`, timedOut: true }),
                    ),
                );
                req.destroy();
            }, timeoutMs);
            req.on("error", (e) => finish(() => reject(kubeApiError(method, apiPath, undefined, undefined, { message: e.message }))));
            if (payload) req.write(payload);
            req.end();
        });
    };
    return { request, close: () => agent.destroy() };
}

/** HTTP status of an API error (undefined for transport errors and timeouts). */
export function apiStatus(e: unknown): number | undefined {
    return isKubeApiError(e) ? e.statusCode : undefined;
}

/** 401/403: the credentials or their RBAC are wrong, so retrying will not help. */
export function isAuthFailure(e: unknown): boolean {
    const status = apiStatus(e);
    return status === 401 || status === 403;
}
