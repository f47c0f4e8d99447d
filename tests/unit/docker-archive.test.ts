/**
 * The copy of a docker-archive the private-registry node test pushes: its config carries the
 * added label under a new digest that manifest.json names, its layers are the original's bytes,
 * and it names no reference. Archives are built by hand, in both config layouts docker-archives
 * use (`<sha256>.json` as scripts/images.sh's stand-ins write, `blobs/sha256/<hex>`).
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { relabeledArchiveCopy } from "../lib/docker-archive";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const LABEL = { "arkouda-workflows.test/registry-copy": "run-1" };

interface Built {
    archive: string;
    config: string;
    configBytes: Buffer;
    layers: Record<string, Buffer>;
}

/** A one-layer docker-archive in `dir`, its config and layer named as `blobs` says. */
function buildArchive(dir: string, blobs: boolean, extra: Record<string, string> = {}): Built {
    const src = path.join(dir, "src");
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, "hello.txt"), "hello\n");
    const layerTar = path.join(dir, "layer.tar");
    execFileSync("tar", ["-cf", layerTar, "-C", src, "hello.txt"]);
    const layerBytes = fs.readFileSync(layerTar);
    const layerHex = sha256(layerBytes);
    const configBytes = Buffer.from(
        JSON.stringify({
            architecture: "amd64",
            os: "linux",
            config: { Cmd: ["/hello"], Labels: { "org.opencontainers.image.description": "a test image" } },
            rootfs: { type: "layers", diff_ids: [`sha256:${layerHex}`] },
        }),
    );
    const config = blobs ? `blobs/sha256/${sha256(configBytes)}` : `${sha256(configBytes)}.json`;
    const layer = blobs ? `blobs/sha256/${layerHex}` : `${layerHex}/layer.tar`;
    const root = path.join(dir, "root");
    for (const [name, bytes] of [
        [config, configBytes],
        [layer, layerBytes],
        ["manifest.json", Buffer.from(JSON.stringify([{ Config: config, RepoTags: ["example/hello:v1"], Layers: [layer] }]))],
        ["repositories", Buffer.from(JSON.stringify({ "example/hello": { v1: layerHex } }))],
        ...Object.entries(extra).map(([n, t]) => [n, Buffer.from(t)] as const),
    ] as const) {
        fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
        fs.writeFileSync(path.join(root, name), bytes);
    }
    const archive = path.join(dir, "image.tar");
    execFileSync("tar", ["-cf", archive, "-C", root, ...fs.readdirSync(root)]);
    return { archive, config, configBytes, layers: { [layer]: layerBytes } };
}

function extract(archive: string, dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    execFileSync("tar", ["-xf", archive, "-C", dir]);
    return dir;
}

describe("docker-archive copy with a config of its own (tests/lib/docker-archive.ts)", () => {
    let tmp: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "docker-archive-test-"));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    for (const blobs of [false, true]) {
        const layout = blobs ? "blobs/sha256/<hex>" : "<sha256>.json";
        it(`renames the relabeled config to its new digest, manifest.json names it, the layers are unchanged (config as ${layout})`, async () => {
            const built = buildArchive(tmp, blobs);
            const out = path.join(tmp, "copy.tar");
            const digests = await relabeledArchiveCopy(built.archive, out, LABEL);
            const copy = extract(out, path.join(tmp, "copy"));

            const manifest = JSON.parse(fs.readFileSync(path.join(copy, "manifest.json"), "utf8"));
            assert.strictEqual(manifest.length, 1);
            const [item] = manifest;
            const configBytes = fs.readFileSync(path.join(copy, item.Config));
            const hex = sha256(configBytes);
            // Named by its own digest, in the original's style: a config left under its old name fails here.
            assert.strictEqual(item.Config, blobs ? `blobs/sha256/${hex}` : `${hex}.json`);
            assert.notStrictEqual(item.Config, built.config);
            assert.deepStrictEqual(digests, { from: `sha256:${sha256(built.configBytes)}`, to: `sha256:${hex}` });
            assert.notStrictEqual(digests.to, digests.from);
            assert.ok(!fs.existsSync(path.join(copy, built.config)), "the original config is gone");

            const original = JSON.parse(built.configBytes.toString("utf8"));
            const relabeled = JSON.parse(configBytes.toString("utf8"));
            assert.deepStrictEqual(relabeled.config.Labels, { ...original.config.Labels, ...LABEL });
            assert.deepStrictEqual(
                { ...relabeled, config: { ...relabeled.config, Labels: undefined } },
                {
                    ...original,
                    config: { ...original.config, Labels: undefined },
                },
            );

            assert.deepStrictEqual(item.Layers, Object.keys(built.layers));
            for (const [layer, bytes] of Object.entries(built.layers))
                assert.ok(fs.readFileSync(path.join(copy, layer)).equals(bytes), layer);

            // It names nothing, so no import of it can move the original's name.
            assert.deepStrictEqual(item.RepoTags, []);
            assert.ok(!fs.existsSync(path.join(copy, "repositories")));
        });
    }

    it("refuses an archive that also holds an OCI layout (its own manifest would still name the old config)", async () => {
        const built = buildArchive(tmp, true, { "index.json": "{}", "oci-layout": "{}" });
        await assert.rejects(relabeledArchiveCopy(built.archive, path.join(tmp, "copy.tar"), LABEL), /OCI index\.json/);
    });

    it("refuses labels that are already there (the copy would be the same image)", async () => {
        const built = buildArchive(tmp, false);
        const existing = { "org.opencontainers.image.description": "a test image" };
        await assert.rejects(relabeledArchiveCopy(built.archive, path.join(tmp, "copy.tar"), existing), /same image/);
    });
});
