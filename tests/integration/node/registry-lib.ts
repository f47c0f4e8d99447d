/**
 * A private registry for the node test of pull Secrets (registry.test.ts): distribution's
 * registry (the toolchain's `registry`, tools/distribution) with htpasswd authentication and a
 * user and password made for the run, on one address only (the node's bridge address, so only
 * the node reaches it), storing under a directory of the test's; the node's containerd reaches it
 * over plain HTTP through a hosts.toml in the registry config directory scripts/local-node.sh
 * gives containerd. `stop()` ends the registry and removes the hosts.toml and the images it stored.
 */
import { ChildProcess, spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { hashSync } from "bcryptjs";
import { REPO_ROOT, requireTools, run, stopChild, toolEnv, waitFor } from "../argo/kube";

/**
 * containerd's registry config directory on the local node (`config_path`, scripts/local-node.sh):
 * a `<host:port>/hosts.toml` there tells it how to reach that registry, read at every pull.
 */
export function nodeRegistryHostsDir(): string {
    return path.join(process.env.ARKOUDA_NODE_RUN_DIR ?? "/run/arkouda-node", "registry-hosts");
}

/** An htpasswd line the registry accepts: bcrypt is the only hash it reads. */
export function htpasswdLine(username: string, password: string): string {
    return `${username}:${hashSync(password, 10)}`;
}

/** A port free on `host` now (the registry binds it right after). */
async function freePort(host: string): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, host, resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
}

/** A registry client's credential file (a docker config), readable by its owner only. */
function writeAuthFile(file: string, server: string, username: string, password: string): string {
    const auth = Buffer.from(`${username}:${password}`).toString("base64");
    fs.writeFileSync(file, JSON.stringify({ auths: { [server]: { auth } } }), { mode: 0o600 });
    return file;
}

export class LocalRegistry {
    /** `host:port`, as image references and pull Secrets name the registry. */
    readonly address: string;
    readonly username = "arkouda-it";
    /** Made for this registry; written only to files of mode 0600 under `dir`, never to a command line. */
    readonly password = randomBytes(18).toString("base64url");
    private child?: ChildProcess;
    private exited?: string;
    private hostsDir?: string;

    private constructor(
        readonly host: string,
        readonly port: number,
        /** Its config, htpasswd, storage and log. */
        readonly dir: string,
    ) {
        this.address = `${host}:${port}`;
    }

    get logFile(): string {
        return path.join(this.dir, "registry.log");
    }

    /** Starts a registry on `host` (a free port) and returns once it answers, asking for a login. */
    static async start(host: string, dir: string): Promise<LocalRegistry> {
        requireTools("registry");
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const registry = new LocalRegistry(host, await freePort(host), dir);
        await registry.launch();
        return registry;
    }

    private async launch(): Promise<void> {
        const htpasswd = path.join(this.dir, "htpasswd");
        fs.writeFileSync(htpasswd, `${htpasswdLine(this.username, this.password)}\n`, { mode: 0o600 });
        const config = path.join(this.dir, "config.yml");
        // JSON is YAML: no quoting of paths to get wrong.
        const settings = {
            version: 0.1,
            log: { level: "info", formatter: "text", accesslog: { disabled: false } },
            storage: { filesystem: { rootdirectory: path.join(this.dir, "data") } },
            http: { addr: this.address, secret: randomBytes(16).toString("hex") },
            auth: { htpasswd: { realm: "arkouda-it", path: htpasswd } },
        };
        fs.writeFileSync(config, JSON.stringify(settings, null, 2), { mode: 0o600 });
        const out = fs.openSync(this.logFile, "a");
        this.child = spawn("registry", ["serve", config], {
            // Its OpenTelemetry exporter is on by default and would post traces to localhost:4318.
            env: { ...toolEnv(), OTEL_TRACES_EXPORTER: "none" },
            stdio: ["ignore", out, out],
        });
        fs.closeSync(out);
        this.child.on("exit", (code, signal) => {
            this.exited = `exited with ${code ?? signal}`;
        });
        await waitFor(`the registry on ${this.address} to ask for a login`, 30_000, async () => {
            if (this.exited) throw new Error(`registry ${this.exited}:\n${this.log().slice(-3000)}`);
            const response = await fetch(`http://${this.address}/v2/`).catch(() => undefined);
            return response?.status === 401 && /^Basic /i.test(response.headers.get("www-authenticate") ?? "") ? true : undefined;
        });
    }

    log(): string {
        return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, "utf8") : "";
    }

    /** The status of a GET of `repository:tag`'s manifest, with the credential or without. */
    async manifestStatus(repository: string, tag: string, withCredential: boolean): Promise<number> {
        const headers: Record<string, string> = {
            accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json",
        };
        if (withCredential) headers.authorization = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString("base64")}`;
        return (await fetch(`http://${this.address}/v2/${repository}/manifests/${tag}`, { headers })).status;
    }

    /** Pushes the image of a docker-archive as `<address>/<repository>:<tag>` (skopeo, the credential from a file); its reference. */
    async push(archive: string, repository: string, tag: string): Promise<string> {
        const reference = `${this.address}/${repository}:${tag}`;
        const authFile = writeAuthFile(path.join(this.dir, "push-auth.json"), this.address, this.username, this.password);
        try {
            // Plain HTTP: --dest-tls-verify=false lets skopeo fall back to it.
            await run("skopeo", [
                "--insecure-policy",
                "copy",
                "--quiet",
                "--dest-tls-verify=false",
                "--dest-authfile",
                authFile,
                `docker-archive:${archive}`,
                `docker://${reference}`,
            ]);
        } finally {
            fs.rmSync(authFile, { force: true });
        }
        return reference;
    }

    /**
     * Tells the node's containerd to reach this registry over plain HTTP: `<address>/hosts.toml` in
     * its registry config directory, which it reads at every pull. Fails, saying why, on a node
     * whose containerd has no such directory (one started before scripts/local-node.sh gave it one).
     */
    allowNodePulls(): void {
        const root = nodeRegistryHostsDir();
        if (!fs.existsSync(root))
            throw new Error(
                `the node's containerd has no registry config directory ${root}: it was started by a scripts/local-node.sh that gives it none; restart the node (scripts/local-cluster.sh stop, then start)`,
            );
        this.hostsDir = path.join(root, this.address);
        fs.mkdirSync(this.hostsDir, { recursive: true });
        // containerd 1.6 takes the scheme from a [host] entry only: with `server` alone it still
        // tried HTTPS ("server gave HTTP response to HTTPS client").
        fs.writeFileSync(
            path.join(this.hostsDir, "hosts.toml"),
            `server = "http://${this.address}"\n\n[host."http://${this.address}"]\n  capabilities = ["pull", "resolve"]\n`,
        );
    }

    /** Ends the registry (SIGTERM, then SIGKILL) and removes its hosts.toml and what it stored (its log stays, with the test's temp dir). */
    async stop(): Promise<void> {
        if (this.hostsDir) fs.rmSync(this.hostsDir, { recursive: true, force: true });
        if (this.child && !this.exited) await stopChild(this.child);
        fs.rmSync(path.join(this.dir, "data"), { recursive: true, force: true });
    }
}

/**
 * The docker-archive of one of the node's images (`images/<name>`), as scripts/images.sh builds
 * it for the node's import: from its cache when the node was started from this checkout.
 */
export async function imageArchive(name: string): Promise<string> {
    const built = await run(path.join(REPO_ROOT, "scripts", "images.sh"), ["build", name], { timeoutMs: 900_000 });
    const archive = built.stdout.trim().split("\n").at(-1) ?? "";
    if (!fs.existsSync(archive)) throw new Error(`scripts/images.sh build ${name} printed no archive:\n${built.stdout}${built.stderr}`);
    return archive;
}

/** The node's containerd socket, as scripts/images.sh finds it. */
function nodeContainerdSocket(): string {
    return (
        process.env.ARKOUDA_CONTAINERD_ADDRESS ??
        path.join(process.env.ARKOUDA_NODE_RUN_DIR ?? "/run/arkouda-node", "containerd", "containerd.sock")
    );
}

/** `ctr -n k8s.io <args>` on the node's containerd: the namespace its CRI (the kubelet's view) keeps images in. */
function nodeCtr(args: string[]) {
    return run("ctr", ["--address", nodeContainerdSocket(), "-n", "k8s.io", ...args]);
}

/** The image ID containerd's CRI gives the image `ref` names on the node (its config digest), or undefined when the node has no `ref`. */
export async function nodeImageId(ref: string): Promise<string | undefined> {
    // `ctr images ls` columns: REF TYPE DIGEST SIZE PLATFORMS LABELS; DIGEST is the manifest's.
    const line = (await nodeCtr(["images", "ls"])).stdout.split("\n").find((l) => l.split(/\s+/)[0] === ref);
    if (!line) return undefined;
    const manifest = JSON.parse((await nodeCtr(["content", "get", line.split(/\s+/)[2]])).stdout);
    const id = manifest.config?.digest;
    if (typeof id !== "string")
        throw new Error(`${ref}: its manifest names no config (an index?):\n${JSON.stringify(manifest).slice(0, 500)}`);
    return id;
}

/**
 * Takes off the node what a pull from the registry at `registryAddress` added: every reference
 * into that registry (the tag and the digest the CRI records) and the CRI's reference by image ID,
 * `imageId` when given (the pushed image's, which must be no other image's); the node's other
 * images and their names are left as they were.
 */
export async function removeNodeRegistryImages(registryAddress: string, imageId?: string): Promise<void> {
    const refs = (await nodeCtr(["images", "ls", "-q"])).stdout.split("\n");
    const pulled = refs.filter((r) => r.startsWith(`${registryAddress}/`) || r === imageId);
    if (pulled.length > 0) await nodeCtr(["images", "rm", ...pulled]);
}
