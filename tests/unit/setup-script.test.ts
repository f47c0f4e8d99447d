/**
 * scripts/setup.sh and the toolchain sets it builds: each path builds what its command runs and
 * nothing more, a warm run is one line, a bad --for is refused. The scripts run in a sandbox (a
 * copy of setup.sh, toolchain.sh and lib.sh next to the real tools/ and lock file) against a
 * temporary toolchain cache, so nothing is built, installed or written outside it.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(REPO, file), "utf8");

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

class Sandbox {
    readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "setup-test-"));
    readonly cache = path.join(this.root, "cache");

    constructor() {
        fs.mkdirSync(path.join(this.root, "scripts"));
        for (const f of ["setup.sh", "toolchain.sh", "lib.sh"])
            fs.copyFileSync(path.join(REPO, "scripts", f), path.join(this.root, "scripts", f));
        fs.symlinkSync(path.join(REPO, "tools"), path.join(this.root, "tools"));
        fs.copyFileSync(path.join(REPO, "package-lock.json"), path.join(this.root, "package-lock.json"));
        // npm dependencies count as installed: setup must never run npm ci here.
        const hash = crypto
            .createHash("sha256")
            .update(fs.readFileSync(path.join(REPO, "package-lock.json")))
            .digest("hex");
        fs.mkdirSync(path.join(this.root, "node_modules"));
        fs.writeFileSync(path.join(this.root, "node_modules", ".arkouda-lock-hash"), `${hash}\n`);
        // A program whose build is current: setup must not run tsc here either.
        fs.copyFileSync(path.join(REPO, "scripts", "program-build.js"), path.join(this.root, "scripts", "program-build.js"));
        for (const f of ["index.ts", "tsconfig.json", "tsconfig.build.json"]) fs.writeFileSync(path.join(this.root, f), "");
        fs.mkdirSync(path.join(this.root, "components"));
        // Built after the files were written (+1: Date.now() drops the fraction of a millisecond mtimes keep).
        require(path.join(this.root, "scripts", "program-build.js")).markBuilt(this.root, Date.now() + 1);
        fs.mkdirSync(this.cache);
    }

    run(script: "setup.sh" | "toolchain.sh", ...args: string[]): Run {
        const r = spawnSync("bash", [path.join(this.root, "scripts", script), ...args], {
            encoding: "utf8",
            env: { ...process.env, ARKOUDA_TOOLCHAIN_CACHE: this.cache },
            timeout: 120_000,
        });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    /** `toolchain.sh sets` as set name -> tools. */
    sets(): Map<string, string[]> {
        const r = this.run("toolchain.sh", "sets");
        assert.strictEqual(r.status, 0, r.stderr);
        return new Map(
            r.stdout
                .trim()
                .split("\n")
                .map((l) => [l.split(":")[0], l.split(":")[1].trim().split(" ")]),
        );
    }

    /** `toolchain.sh list` as tool -> version. */
    versions(): Map<string, string> {
        const r = this.run("toolchain.sh", "list");
        assert.strictEqual(r.status, 0, r.stderr);
        return new Map(
            r.stdout
                .trim()
                .split("\n")
                .map((l) => [l.split(/\s+/)[0], l.split(/\s+/)[1]]),
        );
    }

    /**
     * A cache entry that toolchain.sh takes for built: the tool's binaries (stubs that leave a
     * trace when run) and its stamp; for a provider, its plugin marker as if installed.
     */
    fakeBuilt(tool: string, version: string): void {
        const dir = path.join(this.cache, `${tool}-${version}`);
        const bins = tool === "pulumi-language-nodejs" ? [tool, "pulumi-resource-pulumi-nodejs", "pulumi-analyzer-policy"] : [tool];
        fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
        for (const b of bins) {
            fs.writeFileSync(path.join(dir, "bin", b), `#!/bin/sh\necho "$0 $*" >> ${this.root}/ran\n`, { mode: 0o755 });
        }
        const key = this.run("toolchain.sh", "key", tool);
        assert.strictEqual(key.status, 0, key.stderr);
        fs.writeFileSync(path.join(dir, ".stamp"), key.stdout);
        const plugin = { "pulumi-resource-kubernetes": "kubernetes", "pulumi-resource-random": "random" }[tool];
        if (plugin) {
            const marker = path.join(this.cache, "pulumi-home", "plugins", `resource-${plugin}-v${version}`);
            fs.mkdirSync(marker, { recursive: true });
            fs.writeFileSync(path.join(marker, ".arkouda-stamp"), key.stdout);
        }
    }

    ran(): string {
        const f = path.join(this.root, "ran");
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "";
    }

    remove(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

/** Tool names in "[toolchain] ... (tool version, tool version)" and "would build N: tool version, ..." lines. */
function toolsIn(line: string | undefined): string[] {
    const list = line?.match(/(?:\((.*)\)|would build \d+: (.*))$/);
    assert.ok(list, `no tool list in: ${line}`);
    return (list[1] ?? list[2]).split(", ").map((t) => t.split(" ")[0]);
}

const toolchainLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("[toolchain]"));

describe("toolchain sets: what each command runs", function () {
    this.timeout(60_000);
    let box: Sandbox;
    let sets: Map<string, string[]>;
    let all: string[];

    before(() => {
        box = new Sandbox();
        sets = box.sets();
        all = [...box.versions().keys()];
    });
    after(() => box.remove());

    it("has the sets pulumi, local and all; all is every tool toolchain.sh lists", () => {
        assert.deepStrictEqual([...sets.keys()], ["pulumi", "local", "all"]);
        assert.deepStrictEqual(sets.get("all"), all);
    });

    it("pulumi: the CLI, its language host and the two providers the program uses, nothing else", () => {
        assert.deepStrictEqual(sets.get("pulumi"), [
            "pulumi",
            "pulumi-language-nodejs",
            "pulumi-resource-kubernetes",
            "pulumi-resource-random",
        ]);
        const providers = Object.keys((JSON.parse(read("package.json")) as { dependencies: Record<string, string> }).dependencies)
            .filter((d) => d.startsWith("@pulumi/") && d !== "@pulumi/pulumi")
            .map((d) => `pulumi-resource-${d.slice("@pulumi/".length)}`);
        assert.deepStrictEqual(providers.sort(), ["pulumi-resource-kubernetes", "pulumi-resource-random"]);
    });

    it("local: every tool the local cluster, its node, its images and local-up.sh resolve or run", () => {
        const local = new Set(sets.get("local"));
        const used = new Set<string>();
        const resolves = /(?:need_tool|resolve_tool|(?:toolchain\.sh|TOOLCHAIN_SH)"?\s+(?:path|build))\s+([a-z][a-z-]*)/g;
        const images = fs.readdirSync(path.join(REPO, "images")).map((d) => `images/${d}/build.sh`);
        for (const file of ["scripts/local-cluster.sh", "scripts/local-node.sh", "scripts/images.sh", ...images]) {
            if (!fs.existsSync(path.join(REPO, file))) continue;
            for (const m of read(file).matchAll(resolves)) used.add(m[1]);
        }
        // local-up.sh runs them by name: pulumi up, kubectl get, the argo submit it prints.
        const code = read("scripts/local-up.sh")
            .split("\n")
            .filter((l) => !/^\s*#/.test(l))
            .join("\n");
        for (const tool of all) if (new RegExp(`(?<![\\w-])${tool}(?![\\w-])`).test(code)) used.add(tool);
        for (const tool of ["etcd", "kube-apiserver", "kube-controller-manager", "kubectl", "crds", "kubelet", "kube-scheduler"]) {
            assert.ok(used.has(tool), `the scripts no longer seem to resolve ${tool}: is this test's pattern stale?`);
        }
        for (const tool of ["kube-proxy", "coredns", "workflow-controller", "argoexec", "pulumi", "argo"]) {
            assert.ok(used.has(tool), `the scripts no longer seem to resolve ${tool}: is this test's pattern stale?`);
        }
        // The metrics stack's images (scripts/images.sh ON_DEMAND) are built only by
        // `local-cluster.sh prometheus`, which builds their tools first.
        const onDemand = ["prometheus-operator", "prometheus-config-reloader", "prometheus"];
        assert.match(read("scripts/local-cluster.sh"), new RegExp(`"\\$TOOLCHAIN_SH" build ${onDemand.join(" ")}`));
        assert.match(
            read("scripts/images.sh"),
            new RegExp(`ON_DEMAND=\\(${["prometheus", "prometheus-operator", "prometheus-config-reloader"].join(" ")}\\)`),
        );
        for (const tool of used) {
            assert.ok(all.includes(tool), `the scripts resolve '${tool}', which toolchain.sh does not build`);
            if (onDemand.includes(tool)) assert.ok(!local.has(tool), `${tool} is built on demand, not by the local set`);
            else assert.ok(local.has(tool), `the local scripts run ${tool}, which the local set lacks`);
        }
        for (const tool of sets.get("pulumi")!) assert.ok(local.has(tool), `local lacks ${tool}`);
    });

    it("aimed at a cluster, local-up.sh lists the objects only with a kubectl (the pulumi set has none)", () => {
        assert.ok(!sets.get("pulumi")!.includes("kubectl"));
        assert.match(read("scripts/local-up.sh"), /if command -v kubectl >\/dev\/null; then\n\s+kubectl get /);
    });
});

describe("scripts/setup.sh", function () {
    this.timeout(120_000);
    let box: Sandbox;
    let versions: Map<string, string>;
    const pulumiSet = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes", "pulumi-resource-random"];

    beforeEach(() => {
        box = new Sandbox();
        versions ??= box.versions();
    });
    afterEach(() => box.remove());

    it("--for real-cluster with those 4 tools cached: one line saying so, nothing built or installed", () => {
        for (const tool of pulumiSet) box.fakeBuilt(tool, versions.get(tool)!);
        const before = fs.readdirSync(box.cache).sort();
        const r = box.run("setup.sh", "--for", "real-cluster");
        assert.strictEqual(r.status, 0, r.stderr);
        const lines = toolchainLines(r.stderr);
        assert.strictEqual(lines.length, 1, r.stderr);
        assert.match(
            lines[0],
            new RegExp(
                `^\\[toolchain\\] all 4 tools cached \\(${pulumiSet.map((t) => `${t} ${versions.get(t)!.replace(/\./g, "\\.")}`).join(", ")}\\)$`,
            ),
        );
        assert.doesNotMatch(r.stderr, /building|installing|npm ci/);
        assert.strictEqual(box.ran(), "", "a toolchain binary was run (a plugin install?)");
        // Only the links to the 4 tools are new.
        assert.deepStrictEqual(
            fs.readdirSync(box.cache).filter((f) => !before.includes(f) && !f.startsWith(".")),
            ["bin"],
        );
        assert.deepStrictEqual(fs.readdirSync(path.join(box.cache, "bin")).sort(), ["pulumi", "pulumi-analyzer-policy"]);
    });

    it("the warm line is in test-all.sh's per-tool block, as is each build's time", () => {
        for (const tool of pulumiSet) box.fakeBuilt(tool, versions.get(tool)!);
        const warm = toolchainLines(box.run("setup.sh", "--for", "real-cluster").stderr)[0];
        const grep = read("scripts/test-all.sh").match(/grep -E '([^']+)' "\$setup_log"/);
        assert.ok(grep, "test-all.sh no longer greps setup's log with grep -E '...'");
        const pattern = new RegExp(grep[1]);
        assert.match(warm, pattern);
        assert.match("[toolchain] argo v4.0.5: built (413s)", pattern);
        assert.match("[toolchain] 4 tools cached (pulumi 3.248.0, pulumi-language-nodejs 3.68.0, a 1, b 2)", pattern);
        assert.doesNotMatch("[toolchain] argo v4.0.5: building...", pattern);
    });

    it("--with-argo adds the argo CLI and only it", () => {
        for (const tool of pulumiSet) box.fakeBuilt(tool, versions.get(tool)!);
        const lines = toolchainLines(box.run("setup.sh", "--for", "real-cluster", "--with-argo", "--dry-run").stderr);
        assert.deepStrictEqual(toolsIn(lines.find((l) => / tools cached /.test(l))), pulumiSet);
        assert.deepStrictEqual(toolsIn(lines.find((l) => /would build/.test(l))), ["argo"]);
    });

    for (const [forPath, set] of [
        ["real-cluster", "pulumi"],
        ["local", "local"],
        ["tests", "all"],
    ]) {
        it(`--for ${forPath} builds the ${set} set`, () => {
            const r = box.run("setup.sh", "--for", forPath, "--dry-run");
            assert.strictEqual(r.status, 0, r.stderr);
            const wouldBuild = toolchainLines(r.stderr).find((l) => /would build/.test(l));
            assert.deepStrictEqual(toolsIn(wouldBuild), box.sets().get(set));
        });
    }

    it("--for real-cluster installs no Debian package, the others those of the node and images", () => {
        const setup = read("scripts/setup.sh");
        const section = (name: string) => setup.match(new RegExp(`^ {8}${name}\\)\\n([\\s\\S]*?)^ {12};[;&]`, "m"))?.[1] ?? "";
        const packages = (text: string) => [...text.matchAll(/missing\+=\(([a-z0-9-]+)\)/g)].map((m) => m[1]);
        assert.deepStrictEqual(packages(section("real-cluster")), []);
        const local = packages(section("local"));
        for (const p of ["containerd", "runc", "containernetworking-plugins", "mmdebstrap", "umoci", "skopeo", "openssl"]) {
            assert.ok(local.includes(p), `local lacks ${p}`);
        }
        assert.ok(!local.includes("python3-zmq") && !local.includes("shellcheck"), "the local path installs a test-only package");
        assert.deepStrictEqual(packages(section("tests")).sort(), ["openssh-client", "python3-zmq", "shellcheck"]);
    });

    it("refuses an unknown --for, naming the allowed values, before doing anything", () => {
        const r = box.run("setup.sh", "--for", "cloud");
        assert.notStrictEqual(r.status, 0);
        assert.match(r.stderr, /unknown --for 'cloud' \(one of: real-cluster, local, tests\)/);
        assert.deepStrictEqual(fs.readdirSync(box.cache), []);
    });
});

describe("scripts/toolchain.sh env with a partial toolchain", function () {
    this.timeout(60_000);
    let box: Sandbox;
    beforeEach(() => (box = new Sandbox()));
    afterEach(() => box.remove());

    it("names the pulumi tools that are not built, and still prints the environment", () => {
        const r = box.run("toolchain.sh", "env");
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /^export PATH=/m);
        assert.match(
            r.stderr,
            /not built: pulumi pulumi-language-nodejs pulumi-resource-kubernetes pulumi-resource-random \(scripts\/setup\.sh --for real-cluster/,
        );
    });

    it("says nothing once they are built, even with the cluster's tools missing", () => {
        const versions = box.versions();
        for (const tool of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes", "pulumi-resource-random"])
            box.fakeBuilt(tool, versions.get(tool)!);
        const r = box.run("toolchain.sh", "env");
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stderr, "");
    });
});
