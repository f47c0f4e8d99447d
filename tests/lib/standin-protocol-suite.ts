/**
 * The wire-protocol tests of the server stand-in (images/arkouda-server-standin), run as the
 * program runs it (INTEGRATION daemon, systemType KUBERNETES, --memTrack) against a Kubernetes
 * API the caller provides: a fake one in tests/unit, the real kube-apiserver in
 * tests/integration/node. Every request is what the real Arkouda client or exporter sends and
 * every reply is checked against contract/protocol.ts.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { METRIC_CATEGORIES, REQUEST_FAILURES, TOKEN_CHECKS } from "../../contract/protocol";
import { fakeSsh, freePort, Proc, PYTHON, SERVER_STANDIN } from "../integration/node/standin-lib";
import {
    ArkoudaTestClient,
    CLIENT_USER,
    commandOutcome,
    envelopeProblems,
    msgOf,
    outcomeProblems,
    requestText,
    Sent,
} from "./arkouda-client";

export interface ApiTarget {
    /** K8S_HOST */
    readonly url: string;
    readonly namespace: string;
    /** SSL_TOKEN: a bearer token allowed to create and delete Services and create Endpoints. */
    readonly token: string;
    readonly serviceExists: (name: string) => Promise<boolean>;
}

export interface SuiteContext {
    /** A scratch directory that outlives the suite's servers. */
    readonly dir: string;
    readonly api: ApiTarget;
}

export interface ProtocolServer {
    readonly proc: Proc;
    readonly name: string;
    readonly ports: { client: number; metrics?: number; status?: number };
    /** The server's working directory (where it makes .arkouda). */
    readonly cwd: string;
    readonly connectionInfo: string;
    readonly client: (o?: { token?: string; timeoutMs?: number }) => ArkoudaTestClient;
}

export interface ProtocolServerOptions {
    /** Daemons besides INTEGRATION. */
    readonly daemons: readonly ("METRICS" | "STATUS")[];
    readonly authenticate?: boolean;
    readonly env?: Readonly<Record<string, string>>;
    /** Files to place in the working directory before the start. */
    readonly files?: Readonly<Record<string, string>>;
    readonly locales?: number;
}

const HOST = "127.0.0.1";
let serial = 0;

async function startStandinServer(ctx: SuiteContext, o: ProtocolServerOptions): Promise<ProtocolServer> {
    const name = `proto-${process.pid}-${++serial}`;
    const run = fs.mkdtempSync(path.join(ctx.dir, `${name}-`));
    const cwd = path.join(run, "cwd");
    fs.mkdirSync(cwd);
    for (const [file, text] of Object.entries(o.files ?? {})) {
        fs.mkdirSync(path.dirname(path.join(cwd, file)), { recursive: true });
        fs.writeFileSync(path.join(cwd, file), text);
    }
    const hostsFile = path.join(run, "hosts");
    fs.writeFileSync(hostsFile, `127.0.0.1\tlocalhost\n192.0.2.10\t${os.hostname()}\n`);
    const ports = {
        client: await freePort(),
        ...(o.daemons.includes("METRICS") ? { metrics: await freePort() } : {}),
        ...(o.daemons.includes("STATUS") ? { status: await freePort() } : {}),
    };
    const hosts = Array.from({ length: o.locales ?? 2 }, (_, i) => `10.0.0.${i + 1}`);
    const connectionInfo = path.join(run, "connection-info");
    const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        K8S_HOST: ctx.api.url,
        NAMESPACE: ctx.api.namespace,
        SSL_TOKEN: ctx.api.token,
        EXTERNAL_SERVICE_NAME: name,
        EXTERNAL_SERVICE_PORT: String(ports.client),
        EXTERNAL_SERVICE_TARGET_PORT: String(ports.client),
        METRICS_SERVICE_NAME: `${name}-metrics`,
        METRICS_SERVICE_PORT: String(ports.metrics ?? 5556),
        METRICS_SERVICE_TARGET_PORT: String(ports.metrics ?? 5556),
        METRICS_SERVER_PORT: String(ports.metrics ?? 5556),
        SERVER_STATUS_PORT: String(ports.status ?? 5557),
        GASNET_SSH_SERVERS: hosts.join(" "),
        GASNET_SSH_CMD: fakeSsh(run),
        ARKOUDA_SERVER_CONNECTION_INFO: connectionInfo,
        ARKOUDA_STANDIN_HOSTS_FILE: hostsFile,
        ARKOUDA_STANDIN_LOCALE_TIMEOUT: "20",
        ...o.env,
    };
    const daemons = ["INTEGRATION", ...o.daemons].map((d) => `ServerDaemonType.${d}`).join(",");
    const args = [
        SERVER_STANDIN,
        "-nl",
        String(hosts.length),
        "--ExternalIntegration.systemType=SystemType.KUBERNETES",
        `--ServerDaemon.daemonTypes=${daemons}`,
        `--ServerPort=${ports.client}`,
        "--memTrack=true",
        "--logLevel=LogLevel.INFO",
        ...(o.authenticate ? ["--authenticate=true"] : []),
    ];
    const proc = new Proc(PYTHON, args, env, cwd);
    await proc.waitOutput(/server listening on/);
    return {
        proc,
        name,
        ports,
        cwd,
        connectionInfo,
        client: (c = {}) => new ArkoudaTestClient(HOST, ports, { token: c.token, timeoutMs: c.timeoutMs }),
    };
}

function ok(problems: string[], what: string): void {
    assert.deepStrictEqual(problems, [], `${what}:\n  ${problems.join("\n  ")}`);
}

function replyOf(sent: Sent): { msg: string; msgType: string; user: string } {
    assert.ok(sent.reply !== null, `no reply to ${sent.request}`);
    return JSON.parse(sent.reply);
}

export function protocolSuite(context: () => SuiteContext): void {
    const servers: ProtocolServer[] = [];
    const start = async (o: ProtocolServerOptions) => {
        const s = await startStandinServer(context(), o);
        servers.push(s);
        return s;
    };

    after(async function () {
        for (const s of servers.splice(0)) await s.proc.stop();
    });

    describe("the client socket, as the Arkouda client meets it", function () {
        let s: ProtocolServer;
        let ak: ArkoudaTestClient;

        before(async function () {
            s = await start({ daemons: ["METRICS"] });
            ak = s.client();
        });

        it("ak.connect(): connect, then getconfig with every member of the Config record (arkoudaVersion, regexMaxCaptures, …)", async () => {
            const [connect, getconfig] = await ak.call("ak.connect()");
            ok(outcomeProblems(commandOutcome("client", "connect", false), connect, { port: s.ports.client }, CLIENT_USER), "connect");
            ok(outcomeProblems(commandOutcome("client", "getconfig", false), getconfig, {}, CLIENT_USER), "getconfig");
            const config = JSON.parse(msgOf(getconfig));
            assert.strictEqual(config.ServerPort, s.ports.client);
            assert.strictEqual(config.numLocales, 2);
            assert.deepStrictEqual(
                config.LocaleConfigs.map((l: any) => l.id),
                [0, 1],
            );
            assert.strictEqual(config.authenticate, false);
            assert.strictEqual(config.logLevel, "INFO");
            assert.strictEqual(config.regexMaxCaptures, 20);
        });

        it("ruok, noop, disconnect and get_mem_status answer as DefaultServerDaemon does", async () => {
            for (const [call, cmd] of [
                ["ak.client.ruok()", "ruok"],
                ["ak.get_mem_status()", "getmemstatus"],
                ["ak.disconnect()", "disconnect"],
            ]) {
                const [sent] = await ak.call(call);
                ok(outcomeProblems(commandOutcome("client", cmd, false), sent, { port: s.ports.client }, CLIENT_USER), call);
            }
            const noop = await ak.request("client", "noop");
            ok(outcomeProblems(commandOutcome("client", "noop", false), noop, {}, CLIENT_USER), "noop");
        });

        it('a command the stand-in does not compute: "Unrecognized command: <cmd>" (ERROR), and the socket keeps serving', async () => {
            const sent = await ak.request("client", "create1D", { params: { dtype: "int64", shape: "10" } });
            ok(outcomeProblems(commandOutcome("client", "create1D", false), sent, { cmd: "create1D" }, CLIENT_USER), "create1D");
            assert.strictEqual(msgOf(await ak.request("client", "ruok")), "imok");
        });

        it("a request that is not a RequestMsg: the deserialize ValueError (ERROR), user empty", async () => {
            const row = REQUEST_FAILURES.find((r) => r.socket === "client" && r.replyUser === "")!;
            const noSize = JSON.stringify({ user: CLIENT_USER, token: "", cmd: "ruok", format: "STRING", args: "" });
            const sent = await ak.send("client", ["not json", noSize]);
            ok(outcomeProblems(row.outcome, sent[0], { request: "not json" }, ""), "not json");
            ok(outcomeProblems(row.outcome, sent[1], { request: noSize }, ""), "no size");
        });

        it("an args item that is not a ParameterObj: the parseParameter ValueError (ERROR), user the request's", async () => {
            const row = REQUEST_FAILURES.find((r) => r.socket === "client" && r.replyUser === "request")!;
            const param = JSON.stringify({ key: "category" });
            const request = JSON.stringify({
                user: CLIENT_USER,
                token: "",
                cmd: "ruok",
                format: "STRING",
                args: JSON.stringify([param]),
                size: 1,
            });
            const [sent] = await ak.send("client", [request]);
            ok(outcomeProblems(row.outcome, sent, { param }, CLIENT_USER), "bad param");
        });
    });

    describe("the metrics socket, as the exporter meets it", function () {
        let s: ProtocolServer;
        let ak: ArkoudaTestClient;

        before(async function () {
            s = await start({ daemons: ["METRICS"] });
            ak = s.client();
            // A counted request and a counted error on the client socket.
            assert.strictEqual(msgOf(await ak.request("client", "ruok")), "imok");
            assert.strictEqual(replyOf((await ak.send("client", ["not json"]))[0]).msgType, "ERROR");
        });

        it("ArkoudaMetrics(): connect, getconfig, then metrics SERVER_INFO with every member the exporter reads", async () => {
            const [connect, getconfig, info] = await ak.call("ArkoudaMetrics()");
            ok(outcomeProblems(commandOutcome("metrics", "connect", false), connect, { port: s.ports.metrics! }, CLIENT_USER), "connect");
            ok(outcomeProblems(commandOutcome("metrics", "getconfig", false), getconfig, {}, CLIENT_USER), "getconfig");
            const row = METRIC_CATEGORIES.find((r) => r.category === "SERVER_INFO")!;
            ok(outcomeProblems(row.outcome, info, {}, CLIENT_USER), "SERVER_INFO");
            const server = JSON.parse(msgOf(info));
            assert.strictEqual(server.server_port, s.ports.client);
            assert.strictEqual(server.version, JSON.parse(msgOf(getconfig)).arkoudaVersion);
            assert.deepStrictEqual(
                server.locales.map((l: any) => l.id),
                ["0", "1"],
            );
            assert.strictEqual(server.number_of_locales, 2);
        });

        it("fetch(): metrics ALL, each metric with its scope's members, in the category order of exportAllMetrics, requests counted per command and user, no SERVER metric", async () => {
            const [sent] = await ak.call("ArkoudaMetrics.fetch()");
            const row = METRIC_CATEGORIES.find((r) => r.category === "ALL")!;
            ok(outcomeProblems(row.outcome, sent, {}, CLIENT_USER), "ALL");
            const metrics: any[] = JSON.parse(msgOf(sent));
            const rank = (m: any) => (m.scope === "USER" ? row.categories.indexOf("SERVER") + 0.5 : row.categories.indexOf(m.category));
            const ranks = metrics.map(rank);
            assert.ok(
                ranks.every((r, i) => r >= 0 && (i === 0 || r >= ranks[i - 1])),
                `categories out of order: ${metrics.map((m) => m.category).join(",")}`,
            );
            const find = (category: string, name: string, scope = "GLOBAL") =>
                metrics.find((m) => m.category === category && m.name === name && m.scope === scope);
            assert.strictEqual(find("NUM_REQUESTS", "ruok")?.value, 1);
            assert.ok(find("NUM_REQUESTS", "total")?.value >= 1);
            assert.strictEqual(find("NUM_REQUESTS", "ruok", "USER")?.user, CLIENT_USER);
            assert.strictEqual(find("NUM_ERRORS", "Error")?.value, 1);
            assert.deepStrictEqual(
                metrics.filter((m) => m.category === "SYSTEM").map((m) => [m.name, m.locale_num]),
                [
                    ["arkouda_memory_used_per_locale", 0],
                    ["arkouda_percent_memory_used_per_locale", 0],
                    ["arkouda_memory_used_per_locale", 1],
                    ["arkouda_percent_memory_used_per_locale", 1],
                ],
            );
            assert.deepStrictEqual(
                metrics.filter((m) => m.category === "SERVER"),
                [],
            );
        });

        it("every other category metricsMsg answers, with metrics of that category only (SERVER: [])", async () => {
            for (const row of METRIC_CATEGORIES.filter((r) => r.outcome.kind === "reply" && r.body === "metrics" && r.category !== "ALL")) {
                const sent = await ak.request("metrics", "metrics", { params: { category: row.category } });
                ok(outcomeProblems(row.outcome, sent, {}, CLIENT_USER), row.category);
                const metrics: any[] = JSON.parse(msgOf(sent));
                assert.deepStrictEqual(
                    [...new Set(metrics.map((m) => m.category))].filter((c) => !row.categories.includes(c)),
                    [],
                    row.category,
                );
            }
        });

        it("a command the daemon does not know: an empty NORMAL reply", async () => {
            const sent = await ak.request("metrics", "ruok");
            ok(outcomeProblems(commandOutcome("metrics", "ruok", false), sent, {}, CLIENT_USER), "ruok on metrics");
        });
    });

    describe("requests the metrics daemon does not survive: no reply, its port never answered again", function () {
        const cases: [string, string][] = [
            ["a request that is not a RequestMsg", "not json"],
            ["metrics without a category", requestText("metrics")],
            ["metrics RESPONSE_TIME (no branch in metricsMsg)", requestText("metrics", { params: { category: "RESPONSE_TIME" } })],
            [
                "metrics PER_USER_NUM_REQUESTS (the exporter's category, not the server's)",
                requestText("metrics", { params: { category: "PER_USER_NUM_REQUESTS" } }),
            ],
        ];
        for (const [what, request] of cases) {
            it(what, async () => {
                const s = await start({ daemons: ["METRICS"], locales: 1 });
                const ak = s.client({ timeoutMs: 1500 });
                const sent = await ak.send("metrics", [request, requestText("getconfig")]);
                assert.deepStrictEqual(
                    sent.map((x) => x.reply),
                    [null, null],
                );
                assert.strictEqual(msgOf(await ak.request("client", "ruok")), "imok", "the client socket still serves");
            });
        }
    });

    describe("the status socket", function () {
        it("answers ruok, connect, getconfig and getmemstatus, and an unknown command with an empty reply", async () => {
            const s = await start({ daemons: ["STATUS"], locales: 1 });
            const ak = s.client();
            for (const cmd of ["ruok", "connect", "getconfig", "getmemstatus", "metrics"]) {
                const sent = await ak.request("status", cmd);
                ok(outcomeProblems(commandOutcome("status", cmd, false), sent, { port: s.ports.status! }, CLIENT_USER), cmd);
            }
        });
    });

    describe("ak.shutdown()", function () {
        it('answers "shutdown server (<replies> req)", deletes its Services, removes the connection info and exits 0', async () => {
            const s = await start({ daemons: ["METRICS"], locales: 1 });
            const ak = s.client();
            await ak.call("ak.connect()");
            const [sent] = await ak.call("ak.shutdown()");
            ok(outcomeProblems(commandOutcome("client", "shutdown", false), sent, { replies: 3 }, CLIENT_USER), "shutdown");
            assert.strictEqual(await s.proc.waitExit(30_000), 0, s.proc.out);
            assert.strictEqual(fs.existsSync(s.connectionInfo), false);
            assert.strictEqual(await context().api.serviceExists(s.name), false);
            assert.strictEqual(await context().api.serviceExists(`${s.name}-metrics`), false);
        });
    });

    describe("--authenticate, the token from ARKOUDA_SERVER_TOKEN", function () {
        const token = "Tok3nFromTheProgram";
        let s: ProtocolServer;

        before(async function () {
            s = await start({ daemons: ["METRICS"], authenticate: true, env: { ARKOUDA_SERVER_TOKEN: token } });
        });

        it("refuses a request without the token, with 'None' or with another token, as authenticateUser does (shutdown included)", async () => {
            for (const row of TOKEN_CHECKS) {
                const sentToken = row.sent === "{token}" ? `not-${token}` : row.sent;
                const ak = s.client({ token: sentToken });
                for (const cmd of ["connect", "getconfig", "ruok", "shutdown"]) {
                    const sent = await ak.request("client", cmd, {
                        via: cmd === "connect" || cmd === "shutdown" ? "send_string_message" : "generic_msg",
                    });
                    ok(
                        outcomeProblems(row.outcome, sent, { token: sentToken }, CLIENT_USER),
                        `${cmd} with token ${JSON.stringify(sentToken)}`,
                    );
                }
            }
            assert.strictEqual(s.proc.code, undefined, "the refused shutdown left the server running");
        });

        it("ak.connect(access_token=…): the connect reply names the user and token; the Config says authenticate", async () => {
            const [connect, getconfig] = await s.client({ token }).call("ak.connect()");
            ok(
                outcomeProblems(
                    commandOutcome("client", "connect", true),
                    connect,
                    { port: s.ports.client, user: CLIENT_USER, token },
                    CLIENT_USER,
                ),
                "connect",
            );
            ok(outcomeProblems(commandOutcome("client", "getconfig", true), getconfig, {}, CLIENT_USER), "getconfig");
            assert.strictEqual(JSON.parse(msgOf(getconfig)).authenticate, true);
        });

        it("keeps the token in <cwd>/.arkouda/tokens.txt; the connect URL with ?token= goes to the connection info and the splash", async () => {
            assert.strictEqual(fs.readFileSync(path.join(s.cwd, ".arkouda", "tokens.txt"), "utf8"), `${token}\n`);
            const url = `tcp://${os.hostname()}:${s.ports.client}?token=${token}`;
            assert.strictEqual(fs.readFileSync(s.connectionInfo, "utf8"), `${os.hostname()} ${s.ports.client} ${url}\n`);
            assert.ok(s.proc.out.includes(`server listening on ${url}`), s.proc.out);
        });

        it("the metrics socket checks no token; its connect throws (the real exporter connects first) and the daemon stops", async () => {
            const ak = s.client({ timeoutMs: 1500 });
            const getconfig = await ak.request("metrics", "getconfig");
            ok(envelopeProblems(getconfig.reply, CLIENT_USER).problems, "getconfig without a token");
            const info = await ak.request("metrics", "metrics", { params: { category: "SERVER_INFO" } });
            assert.strictEqual(replyOf(info).msgType, "NORMAL");
            const sent = await ak.send("metrics", [requestText("connect", { via: "send_string_message" }), requestText("getconfig")]);
            assert.strictEqual(commandOutcome("metrics", "connect", true).kind, "daemon-stops");
            assert.deepStrictEqual(
                sent.map((x) => x.reply),
                [null, null],
            );
            assert.strictEqual(msgOf(await s.client({ token }).request("client", "ruok")), "imok");
        });
    });

    describe("--authenticate, where the token comes from (Security.getArkoudaToken)", function () {
        const accepted = async (s: ProtocolServer, token: string) =>
            replyOf(await s.client({ token }).request("client", "ruok")).msg === "imok";

        it("an existing tokens file: its last line, over ARKOUDA_SERVER_TOKEN; the file is left as it was", async () => {
            const file = "first\nfromTheFile\n";
            const s = await start({
                daemons: [],
                locales: 1,
                authenticate: true,
                env: { ARKOUDA_SERVER_TOKEN: "fromTheEnv" },
                files: { ".arkouda/tokens.txt": file },
            });
            assert.strictEqual(await accepted(s, "fromTheFile"), true);
            assert.strictEqual(await accepted(s, "fromTheEnv"), false);
            assert.strictEqual(await accepted(s, "first"), false);
            assert.strictEqual(fs.readFileSync(path.join(s.cwd, ".arkouda", "tokens.txt"), "utf8"), file);
        });

        it("a tokens file whose last line is empty: ARKOUDA_SERVER_TOKEN, appended to it", async () => {
            const s = await start({
                daemons: [],
                locales: 1,
                authenticate: true,
                env: { ARKOUDA_SERVER_TOKEN: "fromTheEnv" },
                files: { ".arkouda/tokens.txt": "old\n\n" },
            });
            assert.strictEqual(await accepted(s, "fromTheEnv"), true);
            assert.strictEqual(await accepted(s, "old"), false);
            assert.strictEqual(fs.readFileSync(path.join(s.cwd, ".arkouda", "tokens.txt"), "utf8"), "old\n\nfromTheEnv\n");
        });

        it("neither file nor variable: a generated token of 31 characters [0-9A-Za-z], appended to a new file", async () => {
            const s = await start({ daemons: [], locales: 1, authenticate: true });
            const text = fs.readFileSync(path.join(s.cwd, ".arkouda", "tokens.txt"), "utf8");
            assert.match(text, /^[0-9A-Za-z]{31}\n$/);
            assert.strictEqual(await accepted(s, text.trim()), true);
        });
    });
}
