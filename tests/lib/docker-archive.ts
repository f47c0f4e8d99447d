/**
 * Another image with the same content, from a docker-archive (the `docker save` layout that
 * scripts/images.sh's builds write: manifest.json = [{Config, RepoTags, Layers}], the image config
 * as `<sha256>.json` or `blobs/sha256/<hex>`, the layers as tars). The copy's config carries more
 * labels, so it has a config digest, hence an image ID, of its own, while its layers stay
 * byte-identical. A registry serving the copy thus never hands a node an image it already holds
 * under another name: containerd's CRI keys images by that ID, and a pull of the same ID under
 * other references takes the node's own reference out of what the kubelet sees.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { run } from "./run";

interface ManifestItem {
    Config: string;
    RepoTags?: string[] | null;
    Layers: string[];
}

/** The config digests of the archive's image and of its copy (`sha256:<hex>`, the image IDs containerd gives them). */
export interface RelabeledDigests {
    readonly from: string;
    readonly to: string;
}

const sha256Hex = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** The image config `config` with `labels` added to its runtime config's Labels. */
function withLabels(config: Buffer, labels: Readonly<Record<string, string>>): Buffer {
    const parsed = JSON.parse(config.toString("utf8"));
    const runtime = parsed.config ?? {};
    parsed.config = { ...runtime, Labels: { ...(runtime.Labels ?? {}), ...labels } };
    return Buffer.from(JSON.stringify(parsed));
}

/** The path a config of digest `hex` takes in the archive, in the style of `current`'s (`<hex>.json` or `blobs/sha256/<hex>`). */
function configPath(current: string, hex: string): string {
    const dir = path.posix.dirname(current);
    const name = current.endsWith(".json") ? `${hex}.json` : hex;
    return dir === "." ? name : path.posix.join(dir, name);
}

/**
 * Rewrites the extracted docker-archive in `dir` into the copy: the config with `labels` added,
 * stored under its new digest (the old file removed) and named by manifest.json's Config. The
 * copy names no reference (RepoTags empty, the legacy `repositories` file removed): imported
 * anywhere, it could otherwise move the original's name onto itself.
 */
function relabelImageDir(dir: string, labels: Readonly<Record<string, string>>): RelabeledDigests {
    // Docker 25's save adds an OCI layout whose manifest would still name the old config.
    if (fs.existsSync(path.join(dir, "index.json")))
        throw new Error(
            `${dir}: a docker-archive with an OCI index.json is not supported (its OCI manifest would still describe the original)`,
        );
    const manifestFile = path.join(dir, "manifest.json");
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as ManifestItem[];
    if (manifest.length !== 1) throw new Error(`${manifestFile}: ${manifest.length} images, expected one`);
    const [item] = manifest;
    const original = fs.readFileSync(path.join(dir, item.Config));
    const relabeled = withLabels(original, labels);
    const [from, to] = [sha256Hex(original), sha256Hex(relabeled)];
    if (from === to)
        throw new Error(`${item.Config}: the labels ${JSON.stringify(labels)} are already there; the copy would be the same image`);
    const renamed = configPath(item.Config, to);
    fs.mkdirSync(path.dirname(path.join(dir, renamed)), { recursive: true });
    fs.writeFileSync(path.join(dir, renamed), relabeled);
    fs.rmSync(path.join(dir, item.Config));
    fs.rmSync(path.join(dir, "repositories"), { force: true });
    fs.writeFileSync(manifestFile, JSON.stringify([{ ...item, Config: renamed, RepoTags: [] }]));
    return { from: `sha256:${from}`, to: `sha256:${to}` };
}

/** Writes to `out` the copy of the docker-archive `archive` that `relabelImageDir` makes (through a scratch directory beside `out`). */
export async function relabeledArchiveCopy(
    archive: string,
    out: string,
    labels: Readonly<Record<string, string>>,
): Promise<RelabeledDigests> {
    const scratch = `${out}.d`;
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.mkdirSync(scratch, { recursive: true });
    try {
        await run("tar", ["-xf", archive, "-C", scratch]);
        const digests = relabelImageDir(scratch, labels);
        fs.rmSync(out, { force: true });
        // The top-level names, not ".": entries named `./manifest.json` are not what every reader looks up.
        await run("tar", ["-cf", out, "-C", scratch, ...fs.readdirSync(scratch).sort()]);
        return digests;
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}
