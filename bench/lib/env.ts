/**
 * Environment of a benchmark run: the toolchain (scripts/toolchain.sh env), a private local
 * control plane (scripts/local-cluster.sh with its own state dir and free ports), and a
 * temp copy of the Pulumi project (built program included) with a file backend.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { copyProgram, ensureProgramBuilt, programStaleness } from "../../tests/lib/program-copy";
import { onPath, toolchainEnv } from "../../tests/lib/toolchain-env";
import { PROJECT, REPO_ROOT } from "./config";
import { measure, Measured, MeasureOptions } from "./measure";

export function log(message: string): void {
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Applies `scripts/toolchain.sh env` to process.env. */
export function loadToolchainEnv(): void {
    Object.assign(process.env, toolchainEnv());
    for (const tool of ["pulumi", "kubectl"]) {
        if (!onPath(process.env, tool))
            throw new Error(`${tool} is not on PATH after scripts/toolchain.sh env; build the toolchain (scripts/toolchain.sh)`);
    }
    if (!fs.existsSync("/usr/bin/time")) {
        log("/usr/bin/time is missing; installing the Debian package `time`");
        const r = spawnSync("sh", ["-c", "apt-get install -y time || (apt-get update && apt-get install -y time)"], { stdio: "inherit" });
        if (r.status !== 0 || !fs.existsSync("/usr/bin/time")) throw new Error("need /usr/bin/time (apt-get install time)");
    }
}

function portFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}

/** Four free ports: apiserver, etcd client, etcd peer, kube-controller-manager. */
async function freePorts(): Promise<[number, number, number, number]> {
    for (const base of [46443, 47443, 48443, 49443, 45443, 44443]) {
        const ports: [number, number, number, number] = [base, base - 4064, base - 4063, base - 4186]; // 46443 42379 42380 42257
        if ((await Promise.all(ports.map(portFree))).every(Boolean)) return ports;
    }
    throw new Error("no free port set for the local control plane");
}

export class LocalCluster {
    private constructor(
        readonly state: string,
        readonly env: NodeJS.ProcessEnv,
        readonly apiserverPort: number,
    ) {}

    get kubeconfig(): string {
        return path.join(this.state, "kubeconfig");
    }

    /**
     * `node`: run the machine's one local node with this control plane (the workflow-run
     * figures need it; `start` refuses while another running cluster owns the node).
     */
    static async start(state: string, node: boolean): Promise<{ cluster: LocalCluster; startS: number }> {
        const [api, etcd, peer, kcm] = await freePorts();
        const env = {
            ...process.env,
            ARKOUDA_LOCAL_NODE: node ? "1" : "0",
            ARKOUDA_LOCAL_STATE: state,
            ARKOUDA_LOCAL_APISERVER_PORT: String(api),
            ARKOUDA_LOCAL_ETCD_PORT: String(etcd),
            ARKOUDA_LOCAL_ETCD_PEER_PORT: String(peer),
            ARKOUDA_LOCAL_KCM_PORT: String(kcm),
        };
        const cluster = new LocalCluster(state, env, api);
        log(`starting local control plane in ${state} (apiserver 127.0.0.1:${api}, etcd ${etcd}/${peer}, kcm ${kcm})`);
        const m = await measure("local-cluster start", path.join(REPO_ROOT, "scripts", "local-cluster.sh"), ["start"], { env });
        return { cluster, startS: m.wallS };
    }

    stop(): void {
        log(`stopping local control plane ${this.state}`);
        spawnSync(path.join(REPO_ROOT, "scripts", "local-cluster.sh"), ["stop"], { env: this.env, stdio: ["ignore", "ignore", "inherit"] });
    }
}

/**
 * A temp copy of the program with its own file backend; one stack per benchmark case. The copy
 * runs the repo's build (bin/), built first unless current; `mutate` may change the copy's
 * sources, and then the copy is built (scripts/program-build.js in it) before any run, unless
 * it made the copy a TypeScript project (asTypeScriptProject).
 */
export class BenchProject {
    readonly dir: string;
    readonly stateDir: string;
    readonly logDir: string;
    readonly passphrase = "arkouda-bench-throwaway";

    constructor(
        readonly root: string,
        readonly kubeconfig: string,
        name = "project",
        mutate?: (dir: string) => void,
    ) {
        this.dir = path.join(root, name);
        this.stateDir = path.join(root, `${name}-state`);
        this.logDir = path.join(root, "logs");
        if (programStaleness()) log(ensureProgramBuilt());
        copyProgram(this.dir);
        fs.mkdirSync(this.stateDir, { recursive: true });
        fs.mkdirSync(this.logDir, { recursive: true });
        if (mutate) {
            mutate(this.dir);
            const precompiled = /^main: program\.js$/m.test(fs.readFileSync(path.join(this.dir, "Pulumi.yaml"), "utf8"));
            if (precompiled && programStaleness(this.dir)) log(`${name}: ${ensureProgramBuilt(this.dir)}`);
        }
    }

    env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
        return {
            ...process.env,
            PULUMI_BACKEND_URL: `file://${this.stateDir}`,
            PULUMI_CONFIG_PASSPHRASE: this.passphrase,
            KUBECONFIG: this.kubeconfig,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            ...extra,
        };
    }

    run(label: string, args: readonly string[], options: MeasureOptions & { extraEnv?: NodeJS.ProcessEnv } = {}): Promise<Measured> {
        return measure(label, "pulumi", [...args, "--non-interactive"], { ...options, cwd: this.dir, env: this.env(options.extraEnv) });
    }

    /** `pulumi stack init` and the stack file with `values` (keys without the project prefix). */
    async initStack(stack: string, values: Record<string, unknown>): Promise<void> {
        await this.run(`stack init ${stack}`, ["stack", "init", stack, "--secrets-provider", "passphrase"]);
        const file = path.join(this.dir, `Pulumi.${stack}.yaml`);
        const salt = /^encryptionsalt: .*$/m.exec(fs.readFileSync(file, "utf8"));
        const config = Object.fromEntries(Object.entries(values).map(([k, v]) => [`${PROJECT}:${k}`, v]));
        fs.writeFileSync(file, `${salt ? `${salt[0]}\n` : ""}${stringify({ config })}`);
    }
}

export function tmpRoot(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "arkouda-bench-"));
}

/** Resources counted in the summary Pulumi prints ("+ 30 to create" / "+ 30 created"). */
export function summaryCount(stdout: string): number {
    const m = /\+ (\d+) (?:to create|created)/.exec(stdout);
    if (!m) throw new Error(`no resource summary in pulumi output:\n${stdout.slice(-1500)}`);
    return Number(m[1]);
}
