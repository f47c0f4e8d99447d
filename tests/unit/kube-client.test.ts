import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import type { TLSSocket } from "tls";
import { buildResourcePath, createKubeClient, findKindInResourceList } from "../../components/dynamic/kube-client";
import { isKubeApiError, KubeApiError } from "../../components/dynamic/kube-http";
import { defaultKubeconfigPath, loadKubeConfig, resolveKubeConfig } from "../../components/dynamic/kubeconfig";

interface Recorded {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
    clientCN?: string;
}
type Handler = (req: Recorded, res: http.ServerResponse) => void;

function status(res: http.ServerResponse, code: number, reason: string, message: string) {
    res.writeHead(code, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason, message, code }));
}
function json(res: http.ServerResponse, body: unknown, code = 200) {
    res.writeHead(code, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
}

/** A fake API server: discovery for core/v1, apps/v1, argoproj.io/v1alpha1; monitoring.coreos.com absent. */
function apiHandler(prefix = ""): Handler {
    return (req, res) => {
        const url = req.url.startsWith(prefix) ? req.url.slice(prefix.length) : "/__wrong_prefix__" + req.url;
        const [p, query] = url.split("?");
        if (p === "/api/v1") {
            return json(res, {
                kind: "APIResourceList",
                groupVersion: "v1",
                resources: [
                    { name: "pods", kind: "Pod", namespaced: true, verbs: ["get", "delete"] },
                    { name: "pods/log", kind: "Pod", namespaced: true, verbs: ["get"] },
                    { name: "namespaces", kind: "Namespace", namespaced: false, verbs: ["get"] },
                    { name: "configmaps", kind: "ConfigMap", namespaced: true, verbs: ["get", "list", "delete"] },
                ],
            });
        }
        if (p === "/apis/argoproj.io/v1alpha1") {
            return json(res, {
                kind: "APIResourceList",
                groupVersion: "argoproj.io/v1alpha1",
                resources: [{ name: "workflows", kind: "Workflow", namespaced: true, verbs: ["get"] }],
            });
        }
        if (p === "/apis/apps/v1") {
            return json(res, {
                kind: "APIResourceList",
                groupVersion: "apps/v1",
                resources: [{ name: "deployments", kind: "Deployment", namespaced: true, verbs: ["get"] }],
            });
        }
        if (p === "/api/v1/namespaces/ns1/pods/present") {
            if (req.method === "DELETE") return json(res, { kind: "Pod", metadata: { name: "present" } });
            return json(res, { kind: "Pod", metadata: { name: "present" } });
        }
        if (p === "/api/v1/namespaces/ns1/configmaps") {
            const q = new URLSearchParams(query);
            if (!q.get("continue"))
                return json(res, { kind: "ConfigMapList", metadata: { continue: "page2" }, items: [{ metadata: { name: "a" } }] });
            return json(res, { kind: "ConfigMapList", metadata: {}, items: [{ metadata: { name: "b" } }, { metadata: { name: "c" } }] });
        }
        if (p === "/api/v1/namespaces/ns1/pods/forbidden")
            return status(res, 403, "Forbidden", 'pods "forbidden" is forbidden: User "x" cannot get resource');
        if (p === "/api/v1/namespaces/ns1/pods/garbage") {
            res.writeHead(500, { "Content-Type": "text/plain" });
            return res.end("upstream exploded");
        }
        if (p === "/api/v1/namespaces/ns1/pods/slow") return; // never answers
        if (p.startsWith("/apis/")) return status(res, 404, "NotFound", "the server could not find the requested resource");
        return status(res, 404, "NotFound", `pods "${p.split("/").pop()}" not found`);
    };
}

async function listen(server: http.Server | https.Server, handler: Handler, log: Recorded[]): Promise<number> {
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const sock = req.socket as TLSSocket;
            const peer = typeof sock.getPeerCertificate === "function" ? sock.getPeerCertificate() : undefined;
            const rec: Recorded = {
                method: req.method ?? "",
                url: req.url ?? "",
                headers: req.headers,
                body: Buffer.concat(chunks).toString("utf8"),
                clientCN: peer && peer.subject ? String(peer.subject.CN) : undefined,
            };
            log.push(rec);
            handler(rec, res);
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    return (server.address() as AddressInfo).port;
}

function closeServer(server: http.Server | https.Server) {
    return new Promise<void>((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
    });
}

function kubeconfigYaml(o: {
    server: string;
    cluster?: Record<string, unknown>;
    user?: Record<string, unknown>;
    namespace?: string;
    extraContext?: boolean;
}): string {
    const yaml = require("yaml");
    return yaml.stringify({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "main",
        clusters: [
            { name: "c1", cluster: { server: o.server, ...(o.cluster ?? {}) } },
            { name: "other", cluster: { server: "https://10.255.255.1:6443" } },
        ],
        users: [{ name: "u1", user: o.user ?? {} }],
        contexts: [
            { name: "main", context: { cluster: "c1", user: "u1", ...(o.namespace ? { namespace: o.namespace } : {}) } },
            { name: "second", context: { cluster: "other", user: "u1", namespace: "elsewhere" } },
        ],
    });
}

async function rejects(p: Promise<unknown>): Promise<KubeApiError> {
    try {
        await p;
    } catch (e) {
        assert.ok(isKubeApiError(e), `expected a KubeApiError, got ${e}`);
        return e as KubeApiError;
    }
    assert.fail("expected a rejection");
}

describe("kube-client", function () {
    let dir: string;
    before(function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-client-test-"));
    });
    after(function () {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    describe("kubeconfig resolution (pure)", function () {
        it("uses current-context, decodes *-data fields and reads token", function () {
            const cfg = resolveKubeConfig(
                kubeconfigYaml({
                    server: "https://example.test:6443/prefix/",
                    cluster: { "certificate-authority-data": Buffer.from("CA-PEM").toString("base64") },
                    user: {
                        token: "tok",
                        "client-certificate-data": Buffer.from("CERT").toString("base64"),
                        "client-key-data": Buffer.from("KEY").toString("base64"),
                    },
                    namespace: "ns-a",
                }),
            );
            assert.equal(cfg.contextName, "main");
            assert.equal(cfg.server, "https://example.test:6443/prefix");
            assert.equal(cfg.namespace, "ns-a");
            assert.equal(cfg.ca, "CA-PEM");
            assert.equal(cfg.cert, "CERT");
            assert.equal(cfg.key, "KEY");
            assert.equal(cfg.token, "tok");
            assert.equal(cfg.insecureSkipTlsVerify, false);
        });

        it("honours an explicit context and accepts JSON", function () {
            const yaml = require("yaml");
            const json = JSON.stringify(yaml.parse(kubeconfigYaml({ server: "https://a:1" })));
            const cfg = resolveKubeConfig(json, "second");
            assert.equal(cfg.server, "https://10.255.255.1:6443");
            assert.equal(cfg.namespace, "elsewhere");
        });

        it("resolves file references relative to the kubeconfig's directory", function () {
            const sub = path.join(dir, "rel");
            fs.mkdirSync(sub, { recursive: true });
            fs.writeFileSync(path.join(sub, "ca.pem"), "FILE-CA");
            fs.writeFileSync(path.join(sub, "token"), "file-token\n");
            const file = path.join(sub, "config");
            fs.writeFileSync(
                file,
                kubeconfigYaml({
                    server: "https://h:1",
                    cluster: { "certificate-authority": "ca.pem", "insecure-skip-tls-verify": true },
                    user: { tokenFile: "token" },
                }),
            );
            const cfg = loadKubeConfig({ kubeconfigPath: file });
            assert.equal(cfg.ca, "FILE-CA");
            assert.equal(cfg.tokenFile, path.join(sub, "token"));
            assert.equal(cfg.insecureSkipTlsVerify, true);
        });

        it("prefers content over a path, and reports unknown contexts and missing files clearly", function () {
            const cfg = loadKubeConfig({
                kubeconfig: kubeconfigYaml({ server: "http://content:1" }),
                kubeconfigPath: "/nonexistent/config",
            });
            assert.equal(cfg.server, "http://content:1");
            assert.throws(
                () => resolveKubeConfig(kubeconfigYaml({ server: "https://a:1" }), "nope"),
                /no context named "nope" \(have: main, second\)/,
            );
            assert.throws(() => loadKubeConfig({ kubeconfigPath: "/nonexistent/config" }), /cannot read kubeconfig \/nonexistent\/config/);
            assert.throws(() => resolveKubeConfig("users: [", undefined), /not valid YAML/);
            assert.throws(() => resolveKubeConfig(kubeconfigYaml({ server: "ftp://x" })), /not an http\(s\) URL/);
        });

        it("defaults to $KUBECONFIG's first entry, else ~/.kube/config", function () {
            assert.equal(defaultKubeconfigPath({ KUBECONFIG: `/a/one${path.delimiter}/b/two`, HOME: "/home/x" }), "/a/one");
            assert.equal(defaultKubeconfigPath({ KUBECONFIG: `${path.delimiter}/b/two` }), "/b/two");
            assert.equal(defaultKubeconfigPath({ HOME: "/home/x" }), "/home/x/.kube/config");
            const file = path.join(dir, "env-config");
            fs.writeFileSync(file, kubeconfigYaml({ server: "http://from-env:8080" }));
            assert.equal(loadKubeConfig({}, { KUBECONFIG: file }).server, "http://from-env:8080");
        });

        it("maps discovered resources to REST paths", function () {
            const list = {
                resources: [
                    { name: "workflows/status", kind: "Workflow", namespaced: true },
                    { name: "workflows", kind: "Workflow", namespaced: true, verbs: ["get"] },
                ],
            };
            const info = findKindInResourceList(list, "argoproj.io/v1alpha1", "Workflow")!;
            assert.equal(info.name, "workflows");
            assert.equal(
                buildResourcePath(info, { name: "wf 1", namespace: "ns" }),
                "/apis/argoproj.io/v1alpha1/namespaces/ns/workflows/wf%201",
            );
            assert.equal(buildResourcePath(info, {}, "dflt"), "/apis/argoproj.io/v1alpha1/namespaces/dflt/workflows");
            assert.equal(
                buildResourcePath(
                    { name: "namespaces", kind: "Namespace", namespaced: false, groupVersion: "v1", verbs: [] },
                    { name: "x", namespace: "ignored" },
                ),
                "/api/v1/namespaces/x",
            );
            assert.equal(findKindInResourceList(list, "argoproj.io/v1alpha1", "CronWorkflow"), undefined);
            assert.equal(findKindInResourceList(undefined, "v1", "Pod"), undefined);
        });
    });

    describe("against a local HTTPS server with mutual TLS", function () {
        let server: https.Server;
        let port: number;
        const log: Recorded[] = [];
        let caPem: string;
        let clientCert: string;
        let clientKey: string;

        before(async function () {
            this.timeout(60000);
            const ossl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
            ossl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "1",
                "-subj",
                "/CN=test-ca",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            );
            fs.writeFileSync(
                path.join(dir, "server.ext"),
                "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
            );
            fs.writeFileSync(path.join(dir, "client.ext"), "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
            for (const who of ["server", "client"]) {
                ossl(
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    `${who}.key`,
                    "-out",
                    `${who}.csr`,
                    "-subj",
                    who === "server" ? "/CN=127.0.0.1" : "/CN=test-user",
                );
                ossl(
                    "x509",
                    "-req",
                    "-in",
                    `${who}.csr`,
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    `${who}.crt`,
                    "-days",
                    "1",
                    "-extfile",
                    `${who}.ext`,
                );
            }
            // A second, unrelated CA, to prove verification happens.
            ossl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "other.key",
                "-out",
                "other.crt",
                "-days",
                "1",
                "-subj",
                "/CN=other-ca",
            );
            caPem = fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
            clientCert = fs.readFileSync(path.join(dir, "client.crt"), "utf8");
            clientKey = fs.readFileSync(path.join(dir, "client.key"), "utf8");
            server = https.createServer({
                key: fs.readFileSync(path.join(dir, "server.key")),
                cert: fs.readFileSync(path.join(dir, "server.crt")),
                ca: caPem,
                requestCert: true,
                rejectUnauthorized: false, // accept token-only clients too; the CN is recorded
            });
            port = await listen(server, apiHandler("/k8s/clusters/c-1"), log);
        });
        after(async function () {
            if (server) await closeServer(server);
        });
        beforeEach(() => log.splice(0));

        const b64 = (s: string) => Buffer.from(s).toString("base64");
        const server1 = () => `https://127.0.0.1:${port}/k8s/clusters/c-1`;

        it("verifies the server with certificate-authority-data, presents the client certificate and keeps the path prefix", async function () {
            const client = createKubeClient({
                kubeconfig: kubeconfigYaml({
                    server: server1(),
                    cluster: { "certificate-authority-data": b64(caPem) },
                    user: { "client-certificate-data": b64(clientCert), "client-key-data": b64(clientKey) },
                }),
            });
            const pod = await client.get("/api/v1/namespaces/ns1/pods/present");
            assert.equal(pod.metadata.name, "present");
            assert.equal(log[0].url, "/k8s/clusters/c-1/api/v1/namespaces/ns1/pods/present");
            assert.equal(log[0].clientCN, "test-user");
            assert.equal(log[0].headers.authorization, undefined);
        });

        it("sends bearer tokens, re-reading tokenFile at every request", async function () {
            const caFile = path.join(dir, "ca.crt");
            const tokenFile = path.join(dir, "sa-token");
            fs.writeFileSync(tokenFile, "first\n");
            const cfgFile = path.join(dir, "token-config");
            fs.writeFileSync(
                cfgFile,
                kubeconfigYaml({ server: server1(), cluster: { "certificate-authority": caFile }, user: { tokenFile: "sa-token" } }),
            );
            const client = createKubeClient({ kubeconfigPath: cfgFile });
            await client.get("/api/v1/namespaces/ns1/pods/present");
            fs.writeFileSync(tokenFile, "second\n");
            await client.get("/api/v1/namespaces/ns1/pods/present");
            assert.deepEqual(
                log.map((r) => r.headers.authorization),
                ["Bearer first", "Bearer second"],
            );
            const client2 = createKubeClient({
                kubeconfig: kubeconfigYaml({
                    server: server1(),
                    cluster: { "certificate-authority-data": b64(caPem) },
                    user: { token: "static" },
                }),
            });
            await client2.get("/api/v1/namespaces/ns1/pods/present");
            assert.equal(log[2].headers.authorization, "Bearer static");
        });

        it("rejects a server its CA does not vouch for, unless insecure-skip-tls-verify", async function () {
            const other = fs.readFileSync(path.join(dir, "other.crt"), "utf8");
            const bad = createKubeClient({
                kubeconfig: kubeconfigYaml({
                    server: server1(),
                    cluster: { "certificate-authority-data": b64(other) },
                    user: { token: "t" },
                }),
            });
            const err = await rejects(bad.get("/api/v1/namespaces/ns1/pods/present"));
            assert.equal(err.statusCode, undefined);
            assert.match(err.message, /GET \/api\/v1\/namespaces\/ns1\/pods\/present failed: .*(certificate|self.signed)/i);
            assert.equal(log.length, 0);
            const insecure = createKubeClient({
                kubeconfig: kubeconfigYaml({ server: server1(), cluster: { "insecure-skip-tls-verify": true }, user: { token: "t" } }),
            });
            assert.equal((await insecure.get("/api/v1/namespaces/ns1/pods/present")).metadata.name, "present");
        });

        it("uses an exec credential plugin's token", async function () {
            const plugin = path.join(dir, "plugin.js");
            fs.writeFileSync(
                plugin,
                `const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
process.stdout.write(JSON.stringify({ apiVersion: info.apiVersion, kind: "ExecCredential", status: { token: "exec-" + process.env.EXTRA } }));`,
            );
            const client = createKubeClient({
                kubeconfig: kubeconfigYaml({
                    server: server1(),
                    cluster: { "certificate-authority-data": b64(caPem) },
                    user: {
                        exec: {
                            apiVersion: "client.authentication.k8s.io/v1",
                            command: process.execPath,
                            args: [plugin],
                            env: [{ name: "EXTRA", value: "tok" }],
                        },
                    },
                }),
            });
            await client.get("/api/v1/namespaces/ns1/pods/present");
            assert.equal(log[0].headers.authorization, "Bearer exec-tok");
        });
    });

    describe("against a local plain-HTTP server", function () {
        let server: http.Server;
        let port: number;
        const log: Recorded[] = [];
        before(async function () {
            server = http.createServer();
            port = await listen(server, apiHandler(), log);
        });
        after(async function () {
            await closeServer(server);
        });
        beforeEach(() => log.splice(0));
        const client = (timeoutMs?: number) =>
            createKubeClient({ kubeconfig: kubeconfigYaml({ server: `http://127.0.0.1:${port}`, namespace: "ctx-ns" }), timeoutMs });

        it("maps 404 to a KubeApiError carrying the Status reason and message; getOptional and delete treat it as absence", async function () {
            const c = client();
            const err = await rejects(c.get("/api/v1/namespaces/ns1/pods/missing"));
            assert.equal(err.statusCode, 404);
            assert.equal(err.reason, "NotFound");
            assert.equal(err.apiMessage, 'pods "missing" not found');
            assert.equal(err.method, "GET");
            assert.equal(
                err.message,
                'Kubernetes API GET /api/v1/namespaces/ns1/pods/missing failed: HTTP 404 NotFound: pods "missing" not found',
            );
            assert.equal(await c.getOptional("/api/v1/namespaces/ns1/pods/missing"), undefined);
            assert.equal(await c.delete("/api/v1/namespaces/ns1/pods/missing"), false);
        });

        it("delete returns true for an existing object and sends DeleteOptions", async function () {
            assert.equal(await client().delete("/api/v1/namespaces/ns1/pods/present", { propagationPolicy: "Foreground" }), true);
            assert.equal(log[0].method, "DELETE");
            assert.deepEqual(JSON.parse(log[0].body), { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Foreground" });
            assert.equal(log[0].headers["content-type"], "application/json");
        });

        it("maps 403 and non-Status bodies", async function () {
            const c = client();
            const e403 = await rejects(c.getOptional("/api/v1/namespaces/ns1/pods/forbidden"));
            assert.equal(e403.statusCode, 403);
            assert.equal(e403.reason, "Forbidden");
            const e500 = await rejects(c.delete("/api/v1/namespaces/ns1/pods/garbage"));
            assert.equal(e500.statusCode, 500);
            assert.equal(e500.apiMessage, "upstream exploded");
        });

        it("times out a request that gets no answer", async function () {
            const started = Date.now();
            const err = await rejects(client(300).get("/api/v1/namespaces/ns1/pods/slow"));
            assert.equal(err.timedOut, true);
            assert.match(err.message, /timed out after 300 ms/);
            assert.ok(Date.now() - started < 5000);
        });

        it("reports connection errors as KubeApiErrors without a status", async function () {
            const closed = http.createServer();
            const closedPort = await listen(closed, apiHandler(), []);
            await closeServer(closed);
            const c = createKubeClient({ kubeconfig: kubeconfigYaml({ server: `http://127.0.0.1:${closedPort}` }), timeoutMs: 2000 });
            const err = await rejects(c.get("/api/v1"));
            assert.equal(err.statusCode, undefined);
            assert.match(err.message, /ECONNREFUSED/);
        });

        it("lists collections across continue pages", async function () {
            const items = await client().list("/api/v1/namespaces/ns1/configmaps", { labelSelector: "app=x" });
            assert.deepEqual(
                items.map((i: any) => i.metadata.name),
                ["a", "b", "c"],
            );
            assert.equal(log.length, 2);
            assert.match(log[0].url, /labelSelector=app%3Dx/);
            assert.match(log[1].url, /continue=page2/);
        });

        it("resolves kinds through cached discovery, including CRDs, and reports unknown kinds as undefined", async function () {
            const c = client();
            assert.equal(
                await c.resourcePath({ apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", name: "wf", namespace: "ns1" }),
                "/apis/argoproj.io/v1alpha1/namespaces/ns1/workflows/wf",
            );
            assert.equal(await c.resourcePath({ apiVersion: "v1", kind: "Pod", name: "p" }), "/api/v1/namespaces/ctx-ns/pods/p");
            assert.equal(
                await c.resourcePath({ apiVersion: "v1", kind: "Namespace", name: "n", namespace: "ignored" }),
                "/api/v1/namespaces/n",
            );
            assert.equal(
                await c.resourcePath({ apiVersion: "apps/v1", kind: "Deployment", namespace: "ns1" }),
                "/apis/apps/v1/namespaces/ns1/deployments",
            );
            assert.equal(
                await c.resourcePath({ apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", name: "sm", namespace: "ns1" }),
                undefined,
            );
            assert.equal(await c.resourcePath({ apiVersion: "v1", kind: "NoSuchKind", name: "x" }), undefined);
            assert.equal(
                await c.resourcePath({ apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", name: "other", namespace: "ns1" }),
                "/apis/argoproj.io/v1alpha1/namespaces/ns1/workflows/other",
            );
            const discoveryHits = log
                .filter((r) => !r.url.includes("/namespaces/"))
                .map((r) => r.url)
                .sort();
            assert.deepEqual(discoveryHits, ["/api/v1", "/apis/apps/v1", "/apis/argoproj.io/v1alpha1", "/apis/monitoring.coreos.com/v1"]);
            c.invalidateDiscovery();
            await c.resolveKind("v1", "Pod");
            assert.equal(log.filter((r) => r.url === "/api/v1").length, 2);
        });

        it("does not cache discovery failures other than 404", async function () {
            let calls = 0;
            const flaky = http.createServer();
            const flakyPort = await listen(
                flaky,
                (req, res) => {
                    calls++;
                    if (calls === 1) return status(res, 503, "ServiceUnavailable", "etcd is sad");
                    return json(res, { resources: [{ name: "pods", kind: "Pod", namespaced: true }] });
                },
                [],
            );
            try {
                const c = createKubeClient({ kubeconfig: kubeconfigYaml({ server: `http://127.0.0.1:${flakyPort}` }) });
                const err = await rejects(c.resolveKind("v1", "Pod"));
                assert.equal(err.statusCode, 503);
                assert.equal((await c.resolveKind("v1", "Pod"))?.name, "pods");
            } finally {
                await closeServer(flaky);
            }
        });
    });
});
