import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "..", "..");
const hasMmdebstrap = spawnSync("mmdebstrap", ["--version"]).status === 0;

describe("scripts/images.sh: a base image that cannot be built", function () {
    this.timeout(60000);
    let result: { status: number | null; stderr: string };

    before(function () {
        if (!hasMmdebstrap || process.getuid?.() !== 0) {
            console.log("    mmdebstrap (root) not available: skipped (scripts/setup.sh installs it)");
            this.skip();
        }
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "images-test-"));
        // Nothing listens on port 9: every download of the base rootfs fails at once.
        const r = spawnSync("bash", [path.join(REPO, "scripts/images.sh"), "import", "argoexec"], {
            encoding: "utf8",
            env: {
                ...process.env,
                ARKOUDA_TOOLCHAIN_CACHE: cache,
                ARKOUDA_IMAGE_MIRROR: "http://127.0.0.1:9/debian",
                ARKOUDA_IMAGE_FETCH_ATTEMPTS: "2",
                ARKOUDA_IMAGE_FETCH_PAUSE: "0",
                ARKOUDA_ARGOEXEC_BIN: "/bin/true",
                ARKOUDA_CONTAINERD_ADDRESS: path.join(cache, "no-containerd.sock"),
            },
        });
        fs.rmSync(cache, { recursive: true, force: true });
        result = { status: r.status, stderr: r.stderr };
    });

    it("retries the download before giving up", () => {
        assert.match(result.stderr, /mmdebstrap failed \(attempt 1 of 2\)/);
        assert.match(result.stderr, /mmdebstrap failed 2 time\(s\)/);
    });

    it("fails the import, saying the build failed, instead of importing nothing", () => {
        assert.notStrictEqual(result.status, 0);
        assert.match(result.stderr, /building the images failed/);
        assert.doesNotMatch(result.stderr, /already imported|no containerd socket/);
    });
});

describe("scripts/images.sh: a base image built by a caller that holds descriptors 3 to 10 open", function () {
    this.timeout(300000);
    let result: { status: number | null; stderr: string; tars: string[] };

    before(function () {
        if (!hasMmdebstrap || process.getuid?.() !== 0) {
            console.log("    mmdebstrap (root) not available: skipped (scripts/setup.sh installs it)");
            this.skip();
        }
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "images-test-"));
        // As scripts/local-cluster.sh does (the next free one is above 9); one attempt, so a failure is not retried away.
        const r = spawnSync(
            "bash",
            [
                "-c",
                `exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null 9</dev/null 10</dev/null; exec bash "$0" build argoexec`,
                path.join(REPO, "scripts/images.sh"),
            ],
            {
                encoding: "utf8",
                env: {
                    ...process.env,
                    ARKOUDA_TOOLCHAIN_CACHE: cache,
                    ARKOUDA_IMAGE_FETCH_ATTEMPTS: "1",
                    ARKOUDA_ARGOEXEC_BIN: "/bin/true",
                },
            },
        );
        const tars = fs.existsSync(path.join(cache, "images"))
            ? fs.readdirSync(path.join(cache, "images")).filter((f) => f.endsWith(".tar"))
            : [];
        fs.rmSync(cache, { recursive: true, force: true });
        result = { status: r.status, stderr: r.stderr, tars };
    });

    it("builds the base rootfs and the image from Debian's mirror", () => {
        assert.strictEqual(result.status, 0, result.stderr);
        assert.deepStrictEqual(
            result.tars.map((t) => t.replace(/-[0-9a-f]{16}\.tar$/, "")).sort(),
            ["argoexec", "base-bookworm"],
            result.stderr,
        );
    });
});
