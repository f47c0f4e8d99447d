/**
 * The server stand-in's wire protocol (contract/protocol.ts), run on the host against a fake
 * Kubernetes API: an HTTPS server with a self-signed certificate that answers the stand-in's
 * registration calls (POST services and endpoints, DELETE services) as the API server does,
 * 409 for a Service that exists, 401 for another bearer token. The same suite runs against the
 * real kube-apiserver in tests/integration/node/standin-protocol.test.ts.
 */
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { protocolSuite, SuiteContext } from "../lib/standin-protocol-suite";
import { WIRE_PYTHON } from "../lib/arkouda-client";

const NAMESPACE = "proto";
const TOKEN = "fake-api-token";

interface FakeApi {
    readonly url: string;
    readonly services: Set<string>;
    readonly close: () => Promise<void>;
}

function startFakeApi(dir: string): Promise<FakeApi> {
    execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem"],
        {
            cwd: dir,
            stdio: "ignore",
        },
    );
    const services = new Set<string>();
    const prefix = `/api/v1/namespaces/${NAMESPACE}`;
    const server = https.createServer(
        { key: fs.readFileSync(path.join(dir, "key.pem")), cert: fs.readFileSync(path.join(dir, "cert.pem")) },
        (req, res) => {
            let body = "";
            req.on("data", (d) => (body += d));
            req.on("end", () => {
                const answer = (code: number, obj: object = {}) => {
                    res.writeHead(code, { "Content-Type": "application/json" });
                    res.end(JSON.stringify(obj));
                };
                if (req.headers.authorization !== `Bearer ${TOKEN}`) return answer(401, { kind: "Status", code: 401 });
                if (req.method === "POST" && (req.url === `${prefix}/services` || req.url === `${prefix}/endpoints`)) {
                    const name = JSON.parse(body).metadata.name;
                    if (req.url.endsWith("/services")) {
                        if (services.has(name)) return answer(409, { kind: "Status", code: 409 });
                        services.add(name);
                    }
                    return answer(201, JSON.parse(body));
                }
                const del =
                    req.method === "DELETE" && req.url?.startsWith(`${prefix}/services/`)
                        ? req.url.slice(`${prefix}/services/`.length)
                        : undefined;
                if (del !== undefined && services.delete(del)) return answer(200, { kind: "Status", status: "Success" });
                answer(404, { kind: "Status", code: 404 });
            });
        },
    );
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () =>
            resolve({
                url: `https://127.0.0.1:${(server.address() as { port: number }).port}`,
                services,
                close: () => new Promise((r) => server.close(() => r())),
            }),
        ),
    );
}

describe("server stand-in wire protocol on the host, against a fake Kubernetes API (not Arkouda)", function () {
    this.timeout(60_000);
    let dir: string;
    let api: FakeApi;
    let ctx: SuiteContext;

    before(async function () {
        try {
            execFileSync(WIRE_PYTHON, ["-c", "import zmq"], { stdio: "ignore" });
        } catch {
            throw new Error(
                `${WIRE_PYTHON} cannot import zmq: apt-get install -y python3-zmq (the stand-ins speak ZeroMQ as Arkouda does)`,
            );
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "standin-protocol-"));
        api = await startFakeApi(dir);
        ctx = { dir, api: { url: api.url, namespace: NAMESPACE, token: TOKEN, serviceExists: async (name) => api.services.has(name) } };
    });

    after(async function () {
        await api?.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    protocolSuite(() => ctx);
});
