/**
 * The stand-in image programs (not Arkouda), run on the host against the real local
 * kube-apiserver ($KUBECONFIG) with a real ServiceAccount token, before any node runs them:
 *
 *  - the server stand-in registers exactly as Arkouda v2024.04.19 does (selector-less Service,
 *    then Endpoints with the /etc/hosts IP; the metrics Service carries METRICS_SERVICE_TARGET_PORT
 *    as its port), answers `ruok` only after registration, and on SIGTERM dies at once without
 *    deregistering, as the real one (the API server removes a Service's same-name Endpoints with it);
 *  - a leftover Service (409) or a missing grant (403) fails registration: no client request is
 *    answered; with no other daemon the process exits non-zero;
 *  - one locale per SSH_SERVERS host is started through GASNET_SSH_CMD; an unreachable host
 *    fails the start; an unknown flag is an error;
 *  - the exporter stand-in reads the real exporter's environment, polls the metrics socket and
 *    serves Prometheus text on METRICS_SCRAPE_PORT.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import {
    createNamespace,
    createObject,
    deleteNamespace,
    getObject,
    kubeconfig,
    kubectl,
    requireTools,
    run,
    tempDir,
    waitFor,
} from "../argo/kube";
import { arkoudaRequest, EXPORTER_STANDIN, fakeSsh, freePort, Proc, PYTHON, SERVER_STANDIN, tcpConnects } from "./standin-lib";

const RUN_ID = process.env.ARKOUDA_IT_RUN_ID ?? Math.random().toString(36).slice(2, 7);
const NS = `standin-it-${RUN_ID}`;
/** Registered as the server's IP (documentation range: an Endpoints address, never contacted). */
const SERVER_IP = "192.0.2.10";

function httpGet(url: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        http.get(url, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        }).on("error", reject);
    });
}

describe("stand-in image programs on the host (not Arkouda)", function () {
    this.timeout(180_000);
    let dir: string;
    let apiServer: string;
    let token: string;
    let weakToken: string;
    let hostsFile: string;
    const procs: Proc[] = [];

    before(async function () {
        requireTools("kubectl");
        kubeconfig();
        const zmq = await run(PYTHON, ["-c", "import zmq"], { check: false });
        if (zmq.code !== 0)
            throw new Error(`${PYTHON} cannot import zmq: apt-get install -y python3-zmq (the stand-ins speak ZeroMQ as Arkouda does)`);
        dir = tempDir("standin-it-");
        apiServer = (await kubectl(["config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"])).stdout.trim();
        await createNamespace(NS);
        // What the program's Arkouda identity grants (README, RBAC table): services and endpoints.
        await createObject({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "arkouda" } }, NS);
        await createObject({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "no-grants" } }, NS);
        await createObject(
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "Role",
                metadata: { name: "registration" },
                rules: [
                    { apiGroups: [""], resources: ["services"], verbs: ["get", "list", "create", "delete"] },
                    { apiGroups: [""], resources: ["endpoints"], verbs: ["get", "list", "create"] },
                ],
            },
            NS,
        );
        await createObject(
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "RoleBinding",
                metadata: { name: "registration" },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "registration" },
                subjects: [{ kind: "ServiceAccount", name: "arkouda", namespace: NS }],
            },
            NS,
        );
        token = (await kubectl(["create", "token", "arkouda", "-n", NS, "--duration=1h"])).stdout.trim();
        weakToken = (await kubectl(["create", "token", "no-grants", "-n", NS, "--duration=1h"])).stdout.trim();
        hostsFile = path.join(dir, "hosts");
        fs.writeFileSync(hostsFile, `127.0.0.1\tlocalhost\n${SERVER_IP}\t${os.hostname()}\n`);
    });

    afterEach(async function () {
        for (const p of procs.splice(0)) await p.stop();
    });

    after(async function () {
        if (process.env.ARKOUDA_IT_KEEP_NAMESPACE !== "1") await deleteNamespace(NS);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    interface ServerRun {
        proc: Proc;
        clientPort: number;
        metricsPort: number;
        name: string;
        connectionInfo: string;
    }

    async function startServer(o: {
        name: string;
        metrics: boolean;
        token?: string;
        hosts?: string[];
        unreachable?: string[];
        extraArgs?: string[];
        systemType?: string;
        shared?: boolean;
    }): Promise<ServerRun> {
        const clientPort = await freePort();
        const metricsPort = await freePort();
        const hosts = o.hosts ?? ["10.0.0.1", "10.0.0.2"];
        const sshDir = fs.mkdtempSync(path.join(dir, "ssh-"));
        const daemons = o.metrics ? "ServerDaemonType.INTEGRATION,ServerDaemonType.METRICS" : "ServerDaemonType.INTEGRATION";
        const env: NodeJS.ProcessEnv = {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            K8S_HOST: apiServer,
            NAMESPACE: NS,
            SSL_TOKEN: o.token ?? token,
            EXTERNAL_SERVICE_NAME: o.name,
            EXTERNAL_SERVICE_PORT: String(clientPort),
            EXTERNAL_SERVICE_TARGET_PORT: String(clientPort),
            METRICS_SERVICE_NAME: `${o.name}-metrics`,
            METRICS_SERVICE_PORT: "6001",
            METRICS_SERVICE_TARGET_PORT: String(metricsPort),
            METRICS_SERVER_PORT: String(metricsPort),
            SSH_SERVERS: hosts.join(" "),
            GASNET_SSH_SERVERS: hosts.join(" "),
            GASNET_SSH_CMD: fakeSsh(sshDir, o.unreachable),
            GASNET_SSH_OPTIONS: "-o StrictHostKeyChecking=no",
            ARKOUDA_SERVER_CONNECTION_INFO: path.join(sshDir, "connection-info"),
            ARKOUDA_STANDIN_HOSTS_FILE: hostsFile,
            ARKOUDA_STANDIN_LOCALE_TIMEOUT: "20",
        };
        const args = [
            SERVER_STANDIN,
            "-nl",
            String(hosts.length),
            `--ExternalIntegration.systemType=${o.systemType ?? "SystemType.KUBERNETES"}`,
            `--ServerDaemon.daemonTypes=${daemons}`,
            `--ServerPort=${clientPort}`,
            "--memTrack=true",
            "--logLevel=LogLevel.DEBUG",
            "--memMax=1000000000",
            ...(o.extraArgs ?? []),
        ];
        const proc = new Proc(PYTHON, args, env, sshDir);
        // Per-test processes are killed after each test; a describe's shared one by its `after`.
        if (!o.shared) procs.push(proc);
        return { proc, clientPort, metricsPort, name: o.name, connectionInfo: path.join(sshDir, "connection-info") };
    }

    describe("server stand-in, registration with Kubernetes", function () {
        let s: ServerRun;

        before(async function () {
            s = await startServer({ name: "reg", metrics: true, shared: true });
            await s.proc.waitOutput(/server listening on/);
        });

        after(async function () {
            await s?.proc.stop();
        });

        it("starts one locale per SSH_SERVERS host through the ssh command, and says so", async () => {
            assert.match(s.proc.out, /locale 0 of 2 reached over ssh on host 10\.0\.0\.1/);
            assert.match(s.proc.out, /locale 1 of 2 reached over ssh on host 10\.0\.0\.2/);
        });

        it("POSTs a selector-less client Service with EXTERNAL_SERVICE_PORT/TARGET_PORT", async () => {
            const svc = await getObject("service", "reg", NS);
            assert.ok(svc, "Service reg was not created");
            assert.strictEqual(svc.spec.selector, undefined);
            assert.deepStrictEqual(
                svc.spec.ports.map((p: any) => [p.port, p.targetPort, p.protocol]),
                [[s.clientPort, s.clientPort, "TCP"]],
            );
        });

        it("POSTs Endpoints of the same name with this host's /etc/hosts IP and the service port", async () => {
            const ep = await getObject("endpoints", "reg", NS);
            assert.ok(ep, "Endpoints reg was not created");
            assert.deepStrictEqual(ep.subsets, [{ addresses: [{ ip: SERVER_IP }], ports: [{ port: s.clientPort, protocol: "TCP" }] }]);
        });

        it("registers the metrics endpoint with METRICS_SERVICE_TARGET_PORT as its port (v2024.04.19 overwrites METRICS_SERVICE_PORT)", async () => {
            const svc = await getObject("service", "reg-metrics", NS);
            assert.ok(svc);
            assert.strictEqual(svc.spec.ports[0].port, s.metricsPort);
            const ep = await getObject("endpoints", "reg-metrics", NS);
            assert.strictEqual(ep.subsets[0].ports[0].port, s.metricsPort);
        });

        it("answers ruok with imok on the client port and getconfig lists every locale", async () => {
            assert.deepStrictEqual(await arkoudaRequest("127.0.0.1", s.clientPort, "ruok"), { code: 0, msg: "imok" });
            const config = JSON.parse((await arkoudaRequest("127.0.0.1", s.clientPort, "getconfig")).msg);
            assert.strictEqual(config.numLocales, 2);
            assert.deepStrictEqual(
                config.LocaleConfigs.map((l: any) => l.id),
                [0, 1],
            );
        });

        it("writes ARKOUDA_SERVER_CONNECTION_INFO (host, port, URL) once registered, as DefaultServerDaemon.run does", async () => {
            assert.strictEqual(
                fs.readFileSync(s.connectionInfo, "utf8"),
                `${os.hostname()} ${s.clientPort} tcp://${os.hostname()}:${s.clientPort}\n`,
            );
        });

        it("answers metrics requests on METRICS_SERVER_PORT", async () => {
            const info = JSON.parse((await arkoudaRequest("127.0.0.1", s.metricsPort, "metrics", 5, { category: "SERVER_INFO" })).msg);
            assert.strictEqual(info.server_port, s.clientPort);
            assert.strictEqual(info.locales.length, 2);
        });

        it("on SIGTERM ends at once without deregistering, as the real server (v2024.04.19 installs no handler): its Services stay for the delete", async () => {
            s.proc.child.kill("SIGTERM");
            await s.proc.waitExit(30_000);
            assert.strictEqual(s.proc.child.signalCode, "SIGTERM", s.proc.out);
            assert.doesNotMatch(s.proc.out, /\(DELETE /);
            assert.ok(await getObject("service", "reg", NS), "the client Service was deleted");
            assert.ok(await getObject("service", "reg-metrics", NS), "the metrics Service was deleted");
        });

        it("(Kubernetes, not the server) the API server deletes a Service's Endpoints of the same name with the Service", async () => {
            await kubectl(["delete", "service", "reg", "reg-metrics", "-n", NS, "--wait=true"]);
            assert.strictEqual(await getObject("endpoints", "reg", NS), undefined);
            assert.strictEqual(await getObject("endpoints", "reg-metrics", NS), undefined);
        });
    });

    describe("server stand-in, failed registration", function () {
        it("a leftover Service (409) fails registration: the port is bound but ruok is never answered (metrics daemon keeps it alive)", async () => {
            await createObject(
                { apiVersion: "v1", kind: "Service", metadata: { name: "leftover" }, spec: { ports: [{ port: 5555 }] } },
                NS,
            );
            const s = await startServer({ name: "leftover", metrics: true });
            await s.proc.waitOutput(/registration with Kubernetes failed: error in HTTP request .*HTTP 409/);
            assert.ok(await tcpConnects("127.0.0.1", s.clientPort), "the client port is bound, as in the real server");
            assert.strictEqual(
                (await arkoudaRequest("127.0.0.1", s.clientPort, "ruok", 3)).code,
                3,
                "ruok was answered although registration failed",
            );
            assert.strictEqual(fs.existsSync(s.connectionInfo), false, "the connection info file is written only after registration");
            assert.strictEqual(s.proc.code, undefined, "the process keeps running");
            await kubectl(["delete", "service", "leftover", "-n", NS]);
        });

        it("a token without the grant (403) fails registration; with no other daemon the server exits non-zero", async () => {
            const s = await startServer({ name: "forbidden", metrics: false, token: weakToken });
            const code = await s.proc.waitExit(30_000);
            assert.notStrictEqual(code, 0);
            assert.match(s.proc.out, /HTTP 403/);
            assert.strictEqual(await getObject("service", "forbidden", NS), undefined);
        });

        it("sends the bearer token: a wrong token is refused (401) and nothing is registered", async () => {
            const s = await startServer({ name: "badtoken", metrics: false, token: "not-a-token" });
            assert.notStrictEqual(await s.proc.waitExit(30_000), 0);
            assert.match(s.proc.out, /HTTP 401/);
        });
    });

    describe("server stand-in, locales and flags", function () {
        it("an unreachable SSH_SERVERS host fails the start, naming the locale and host, before anything is registered", async () => {
            const s = await startServer({
                name: "unreachable",
                metrics: false,
                hosts: ["10.0.0.1", "10.0.0.9"],
                unreachable: ["10.0.0.9"],
            });
            assert.strictEqual(await s.proc.waitExit(30_000), 1);
            assert.match(
                s.proc.out,
                /locale 1 could not be started on host 10\.0\.0\.9 over ssh: ssh: connect to host 10\.0\.0\.9 port 22: Connection refused/,
            );
            assert.strictEqual(await getObject("service", "unreachable", NS), undefined);
        });

        it("an unknown flag is an error, as in Chapel", async () => {
            const s = await startServer({ name: "flags", metrics: false, extraArgs: ["--noSuchFlag=1"] });
            assert.strictEqual(await s.proc.waitExit(10_000), 1);
            assert.match(s.proc.out, /Unrecognized flag: '--noSuchFlag=1'/);
        });

        it("a bad enum value is an error naming the allowed values", async () => {
            const s = await startServer({ name: "flags", metrics: false, systemType: "SystemType.K8S" });
            assert.strictEqual(await s.proc.waitExit(10_000), 1);
            assert.match(s.proc.out, /'SystemType\.K8S' is not a SystemType \(one of SystemType\.KUBERNETES/);
        });
    });

    describe("exporter stand-in", function () {
        it("reads ARKOUDA_METRICS_SERVICE_HOST/PORT, ARKOUDA_METRICS_SERVER_NAME, METRICS_POLLING_INTERVAL, METRICS_SCRAPE_PORT and serves the polled metrics", async () => {
            const server = await startServer({ name: "unused", metrics: true, systemType: "SystemType.NONE" });
            await server.proc.waitOutput(/server listening on/);
            // One client request so that the request counter is not zero.
            assert.strictEqual((await arkoudaRequest("127.0.0.1", server.clientPort, "ruok")).msg, "imok");
            const scrape = await freePort();
            const ignored = await freePort();
            const exporter = new Proc(PYTHON, [EXPORTER_STANDIN], {
                PATH: process.env.PATH,
                // The client makes ~/.arkouda at every connect: a home of the test's own.
                HOME: dir,
                ARKOUDA_METRICS_SERVICE_HOST: "127.0.0.1",
                ARKOUDA_METRICS_SERVICE_PORT: String(server.metricsPort),
                ARKOUDA_METRICS_SERVER_NAME: "it-server",
                METRICS_POLLING_INTERVAL: "1",
                METRICS_SCRAPE_PORT: String(scrape),
                // What upstream charts pass and the real image never reads.
                EXPORT_PORT: String(ignored),
            });
            procs.push(exporter);
            await exporter.waitOutput(/Instantiated ArkoudaMetrics and connected to Arkouda/);
            const body = await waitFor("polled metrics on /metrics", 20_000, async () => {
                const r = await httpGet(`http://127.0.0.1:${scrape}/metrics`).catch(() => undefined);
                return r && /arkouda_total_number_of_requests\{arkouda_server_name="it-server"\} [1-9]/.test(r.body) ? r.body : undefined;
            });
            assert.match(body, /arkouda_server_information_info\{arkouda_server_name="it-server",.*arkouda_number_of_locales="2"\} 1\.0/);
            assert.match(body, /arkouda_number_of_requests_per_command\{command="ruok",arkouda_server_name="it-server"\} 1\.0/);
            assert.match(body, /arkouda_memory_used_per_locale\{locale_name="[^"]+",locale_num="1",/);
            assert.strictEqual(await tcpConnects("127.0.0.1", ignored), false, "EXPORT_PORT must have no effect");
        });

        it("serves /metrics before the metrics daemon answers (scrape endpoint first), and waits for it", async () => {
            const scrape = await freePort();
            const deadPort = await freePort();
            const exporter = new Proc(PYTHON, [EXPORTER_STANDIN], {
                PATH: process.env.PATH,
                // The client makes ~/.arkouda at every connect: a home of the test's own.
                HOME: dir,
                ARKOUDA_METRICS_SERVICE_PORT: String(deadPort),
                METRICS_SCRAPE_PORT: String(scrape),
            });
            procs.push(exporter);
            await exporter.waitOutput(/Started Prometheus scrape endpoint/);
            const r = await waitFor("/metrics", 10_000, async () => httpGet(`http://127.0.0.1:${scrape}/metrics`).catch(() => undefined));
            assert.strictEqual(r.status, 200);
            assert.doesNotMatch(r.body, /arkouda_server_information_info/);
            assert.doesNotMatch(exporter.out, /Completed Initialization/);
            assert.strictEqual(exporter.code, undefined);
        });
    });
});
