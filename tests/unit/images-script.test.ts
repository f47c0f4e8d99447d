import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "..", "..");
const IMAGES = path.join(REPO, "scripts/images.sh");
const hasMmdebstrap = spawnSync("mmdebstrap", ["--version"]).status === 0;

interface ImagesRun {
    status: number | null;
    stderr: string;
    /** The tars left in the cache's images/ dir. */
    tars: string[];
}

/**
 * Runs `bash -c script images.sh` (the script calls "$0" with its arguments) against an empty
 * toolchain cache (its path in env as ARKOUDA_TOOLCHAIN_CACHE, plus `extraEnv(cache)`), with
 * argoexec stubbed; skips the suite where mmdebstrap cannot run as root.
 */
function runImages(ctx: Mocha.Context, script: string, extraEnv: (cache: string) => Record<string, string>): ImagesRun {
    if (!hasMmdebstrap || process.getuid?.() !== 0) {
        console.log("    mmdebstrap (root) not available: skipped (scripts/setup.sh installs it)");
        ctx.skip();
    }
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "images-test-"));
    const r = spawnSync("bash", ["-c", script, IMAGES], {
        encoding: "utf8",
        env: { ...process.env, ARKOUDA_TOOLCHAIN_CACHE: cache, ARKOUDA_ARGOEXEC_BIN: "/bin/true", ...extraEnv(cache) },
    });
    const dir = path.join(cache, "images");
    const tars = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".tar")) : [];
    fs.rmSync(cache, { recursive: true, force: true });
    return { status: r.status, stderr: r.stderr, tars };
}

describe("scripts/images.sh: a base image that cannot be built", function () {
    this.timeout(60000);
    let result: ImagesRun;

    before(function () {
        // Nothing listens on port 9: every download of the base rootfs fails at once.
        result = runImages(this, `exec bash "$0" import argoexec`, (cache) => ({
            ARKOUDA_IMAGE_MIRROR: "http://127.0.0.1:9/debian",
            ARKOUDA_IMAGE_FETCH_ATTEMPTS: "2",
            ARKOUDA_IMAGE_FETCH_PAUSE: "0",
            ARKOUDA_CONTAINERD_ADDRESS: path.join(cache, "no-containerd.sock"),
        }));
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
    let result: ImagesRun;

    before(function () {
        // As scripts/local-cluster.sh does (the next free one is above 9); one attempt, so a failure is not retried away.
        result = runImages(
            this,
            `exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null 9</dev/null 10</dev/null; exec bash "$0" build argoexec`,
            () => ({
                ARKOUDA_IMAGE_FETCH_ATTEMPTS: "1",
            }),
        );
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
