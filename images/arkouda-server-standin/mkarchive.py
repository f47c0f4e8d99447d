#!/usr/bin/env python3
"""Write a docker-archive (the `docker save` layout) from uncompressed layer tars.

usage: mkarchive.py OUT_TAR CONFIG_JSON REF LAYER_TAR...

CONFIG_JSON is the image's runtime config (Env, Entrypoint, Cmd, User, WorkingDir, Labels).
Written by hand instead of with umoci/skopeo because the format is three small JSON
documents around the layers and needs no extra packages.
"""
import hashlib
import io
import json
import os
import sys
import tarfile


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main(argv):
    if len(argv) < 5:
        sys.exit("usage: mkarchive.py OUT_TAR CONFIG_JSON REF LAYER_TAR...")
    out, runtime_config, ref, layers = argv[1], json.loads(argv[2]), argv[3], argv[4:]
    digests = [sha256_file(p) for p in layers]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-04-19T00:00:00Z",
        "config": runtime_config,
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for d in digests]},
        "history": [{"created": "2024-04-19T00:00:00Z", "created_by": "arkouda-workflows stand-in build"} for _ in layers],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    manifest = [{"Config": config_name, "RepoTags": [ref], "Layers": [d + "/layer.tar" for d in digests]}]

    def add_bytes(tar, name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(data))

    tmp = out + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        for digest, path in zip(digests, layers):
            info = tarfile.TarInfo(digest)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)
            with open(path, "rb") as f:
                info = tarfile.TarInfo(digest + "/layer.tar")
                info.size = os.path.getsize(path)
                tar.addfile(info, f)
        add_bytes(tar, config_name, config_bytes)
        add_bytes(tar, "manifest.json", json.dumps(manifest).encode())
        add_bytes(tar, "repositories", json.dumps({ref.rsplit(":", 1)[0]: {ref.rsplit(":", 1)[1]: digests[-1]}}).encode())
    os.replace(tmp, out)


if __name__ == "__main__":
    main(sys.argv)
