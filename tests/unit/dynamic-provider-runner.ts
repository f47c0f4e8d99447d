/**
 * Scaffolding of the dynamic providers' tests: a provider run the way Pulumi runs it (serialized
 * by the SDK's closure serializer, then one method called in a fresh Node process, as the
 * dynamic-provider plugin loads it), a local API server with a kubeconfig for it, and a
 * virtual clock.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";

export { UNKNOWN } from "../../components/dynamic/provider";

/** The bearer token of localApiServer's kubeconfig (tests check it never lands in serialized code). */
export const TEST_TOKEN = "secret-token";

/**
 * A plain-HTTP API server for the enclosing mocha suite (started before its tests, stopped
 * after them); `handler` gets the request with its whole body.
 */
export function localApiServer(handler: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void): {
    port: () => number;
    kubeconfig: () => string;
} {
    let server: http.Server | undefined;
    let port = 0;
    before(async function () {
        server = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => handler(req, Buffer.concat(chunks).toString("utf8"), res));
        });
        await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
        port = (server.address() as AddressInfo).port;
    });
    after(async function () {
        if (!server) return;
        server.closeAllConnections();
        await new Promise<void>((r) => server!.close(() => r()));
    });
    const kubeconfig = () => `apiVersion: v1
kind: Config
current-context: t
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:${port}" } }]
users: [{ name: u, user: { token: ${TEST_TOKEN} } }]
contexts: [{ name: t, context: { cluster: c, user: u } }]
`;
    return { port: () => port, kubeconfig };
}

/** Answers with `body` as JSON. */
export function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
}

/** A clock whose sleep() advances it at once (yielding to pending I/O). */
export function virtualClock(start = 0): { now: () => number; sleep: (ms: number) => Promise<void> } {
    let t = start;
    return {
        now: () => t,
        sleep: async (ms: number) => {
            t += ms;
            await new Promise((r) => setImmediate(r));
        },
    };
}

export async function runSerializedProvider(
    provider: object,
    method: string,
    args: unknown[],
): Promise<{ text: string; result?: any; error?: string }> {
    const sc = require("@pulumi/pulumi/runtime/closure/serializeClosure");
    const { text } = await sc.serializeFunction(() => provider, { allowSecrets: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynprov-"));
    const file = path.join(dir, "provider.js");
    fs.writeFileSync(file, text);
    const runner = `
const fs = require("fs");
const path = require("path");
const rfs = require(require.resolve("require-from-string", { paths: [path.dirname(require.resolve("@pulumi/pulumi"))] }));
const provider = rfs(fs.readFileSync(${JSON.stringify(file)}, "utf8")).handler();
Promise.resolve(provider[${JSON.stringify(method)}](...JSON.parse(process.argv[1]))).then(
  (r) => process.stdout.write(JSON.stringify({ result: r === undefined ? null : r })),
  (e) => process.stdout.write(JSON.stringify({ error: String(e && e.message || e) })));`;
    try {
        const out = await new Promise<string>((resolve, reject) =>
            execFile(
                process.execPath,
                ["-e", runner, JSON.stringify(args)],
                { cwd: path.resolve(__dirname, "../.."), timeout: 60000 },
                (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
            ),
        );
        return { text, ...JSON.parse(out) };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
