/**
 * Helpers for the stand-in image programs (images/arkouda-server-standin, images/exporter-standin)
 * run on the host: processes, free ports, a fake `ssh` for the spawner, and an Arkouda protocol
 * client (ZeroMQ REQ + RequestMsg JSON) in Python, as the stand-ins speak it.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { REPO_ROOT, run, sleep } from "../argo/kube";

export const SERVER_STANDIN = path.join(REPO_ROOT, "images", "arkouda-server-standin", "arkouda_server");
export const EXPORTER_STANDIN = path.join(REPO_ROOT, "images", "exporter-standin", "prometheus_arkouda_exporter");
/** Debian's python3 (the stand-ins' interpreter in the image too); needs python3-zmq. */
export const PYTHON = "/usr/bin/python3";

/**
 * One Arkouda request: prints the reply's msg, exits 3 when no reply came within the timeout.
 *   python3 -c ARKOUDA_REQUEST host port cmd [timeout_s] [json args]
 */
export const ARKOUDA_REQUEST = String.raw`
import json, sys, time, zmq
host, port, cmd = sys.argv[1], sys.argv[2], sys.argv[3]
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 5
args = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}
a = json.dumps([json.dumps({"key": k, "objType": "VALUE", "dtype": "str", "val": v}) for k, v in args.items()]) if args else ""
request = json.dumps({"user": "it", "token": "", "cmd": cmd, "format": "STRING", "args": a, "size": len(args)})
deadline = time.monotonic() + timeout
context = zmq.Context()
# A fresh socket every 5 s until the deadline: a connection whose first SYN was dropped (a
# NetworkPolicy enforcer that has not admitted a new pod yet) would otherwise wait out the
# kernel's SYN back-off, which passes 20 s after 15.
while True:
    left = deadline - time.monotonic()
    if left <= 0:
        sys.exit(3)
    s = context.socket(zmq.REQ)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, int(min(left, 5) * 1000))
    s.connect("tcp://%s:%s" % (host, port))
    s.send_string(request)
    try:
        print(json.loads(s.recv_string())["msg"])
        sys.exit(0)
    except zmq.Again:
        s.close()
`;

export async function arkoudaRequest(
    host: string,
    port: number,
    cmd: string,
    timeoutS = 5,
    args?: Record<string, string>,
): Promise<{ code: number; msg: string }> {
    const r = await run(
        PYTHON,
        ["-c", ARKOUDA_REQUEST, host, String(port), cmd, String(timeoutS), ...(args ? [JSON.stringify(args)] : [])],
        { check: false, timeoutMs: (timeoutS + 10) * 1000 },
    );
    return { code: r.code, msg: r.stdout.trim() || r.stderr.trim() };
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

export function tcpConnects(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
    return new Promise((resolve) => {
        const s = net.connect({ host, port });
        const done = (ok: boolean) => {
            s.destroy();
            resolve(ok);
        };
        s.setTimeout(timeoutMs, () => done(false));
        s.once("connect", () => done(true));
        s.once("error", () => done(false));
    });
}

/**
 * A fake `ssh` for GASNET_SSH_CMD: skips the options and the host, logs the host to
 * `<dir>/ssh-hosts`, and runs the remote command locally; hosts listed in `unreachable` fail
 * the way ssh does (exit 255, "Connection refused").
 */
export function fakeSsh(dir: string, unreachable: string[] = []): string {
    const file = path.join(dir, "fake-ssh");
    fs.writeFileSync(
        file,
        `#!/bin/bash
while [ $# -gt 0 ]; do
  case "$1" in
    -o|-p|-i|-l) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
host="$1"; shift
echo "$host" >> "${dir}/ssh-hosts"
for u in ${unreachable.join(" ")}; do
  if [ "$host" = "$u" ]; then echo "ssh: connect to host $host port 22: Connection refused" >&2; exit 255; fi
done
exec bash -c "$*"
`,
        { mode: 0o755 },
    );
    return file;
}

export class Proc {
    readonly child: ChildProcess;
    out = "";
    code: number | null | undefined = undefined;
    private readonly exited: Promise<number | null>;

    /** `cwd`: the server stand-in makes .arkouda in its working directory, as Arkouda does. */
    constructor(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string) {
        this.child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
        this.child.stdout!.on("data", (b: Buffer) => (this.out += b.toString()));
        this.child.stderr!.on("data", (b: Buffer) => (this.out += b.toString()));
        this.exited = new Promise((resolve) =>
            this.child.on("exit", (code, signal) => {
                this.code = code ?? (signal ? 128 : null);
                resolve(this.code);
            }),
        );
    }

    async waitOutput(re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const m = this.out.match(re);
            if (m) return m;
            if (this.code !== undefined) throw new Error(`process exited (${this.code}) before printing ${re}:\n${this.out}`);
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}:\n${this.out}`);
            await sleep(200);
        }
    }

    async waitExit(timeoutMs = 30_000): Promise<number | null> {
        const timer = sleep(timeoutMs).then(() => "timeout" as const);
        const r = await Promise.race([this.exited, timer]);
        if (r === "timeout") throw new Error(`process did not exit within ${timeoutMs / 1000}s:\n${this.out}`);
        return r;
    }

    async stop(): Promise<void> {
        if (this.code !== undefined) return;
        this.child.kill("SIGKILL");
        await this.waitExit(10_000).catch(() => undefined);
    }
}
