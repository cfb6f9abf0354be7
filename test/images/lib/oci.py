#!/usr/bin/env python3
"""Packs a root filesystem into an OCI image archive that `ctr image import` accepts.

The archive is a tar of an OCI image layout (oci-layout, index.json, blobs/sha256/...) holding one
image: a single layer (the whole root filesystem), its config and its manifest. index.json names the
image with `io.containerd.image.name` (the full reference, what containerd stores it as) and
`org.opencontainers.image.ref.name` (the tag).

    oci.py --rootfs DIR --config CONFIG.json --ref REGISTRY/REPO:TAG --out IMAGE.tar [--compression zstd]

CONFIG.json holds the image's run settings (the `config` object of the OCI image config: Env,
WorkingDir, User, Entrypoint, Cmd, Labels, ExposedPorts); this script adds architecture, os,
rootfs.diff_ids and history. Standard library only, plus GNU tar and zstd/gzip on PATH.
"""

import argparse
import datetime
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading

LAYER_MEDIA_TYPES = {
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "none": "application/vnd.oci.image.layer.v1.tar",
}
COMPRESSORS = {
    "zstd": ["zstd", "-q", "-T0", "-3", "-c"],
    "gzip": ["gzip", "-n", "-6", "-c"],
    "none": None,
}
CHUNK = 1 << 20


def go_arch() -> str:
    machine = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def write_layer(rootfs: str, blobs: str, compression: str):
    """Tars rootfs, compresses it; returns (diff_id, digest, size) of the blob written into blobs."""
    tar = subprocess.Popen(
        # Numeric owners (the image's users are the rootfs's own), sorted for stable output.
        ["tar", "--create", "--file=-", "--numeric-owner", "--sort=name", "--xattrs", "--directory", rootfs, "."],
        stdout=subprocess.PIPE,
    )
    tmp = os.path.join(blobs, ".layer.tmp")
    uncompressed = hashlib.sha256()
    compressed = hashlib.sha256()
    size = 0
    with open(tmp, "wb") as out:
        argv = COMPRESSORS[compression]
        if argv is None:
            for chunk in iter(lambda: tar.stdout.read(CHUNK), b""):
                uncompressed.update(chunk)
                compressed.update(chunk)
                out.write(chunk)
                size += len(chunk)
        else:
            comp = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            sizes = [0]

            def drain():
                for chunk in iter(lambda: comp.stdout.read(CHUNK), b""):
                    compressed.update(chunk)
                    out.write(chunk)
                    sizes[0] += len(chunk)

            reader = threading.Thread(target=drain)
            reader.start()
            for chunk in iter(lambda: tar.stdout.read(CHUNK), b""):
                uncompressed.update(chunk)
                comp.stdin.write(chunk)
            comp.stdin.close()
            reader.join()
            if comp.wait() != 0:
                sys.exit(f"oci.py: {argv[0]} failed")
            size = sizes[0]
    if tar.wait() != 0:
        sys.exit("oci.py: tar of the root filesystem failed")
    digest = "sha256:" + compressed.hexdigest()
    os.rename(tmp, os.path.join(blobs, compressed.hexdigest()))
    return "sha256:" + uncompressed.hexdigest(), digest, size


def write_blob(blobs: str, data: bytes):
    hexdigest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, hexdigest), "wb") as f:
        f.write(data)
    return "sha256:" + hexdigest, len(data)


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rootfs", required=True)
    p.add_argument("--config", required=True, help="JSON file: the image config's `config` object")
    p.add_argument("--ref", required=True, help="full reference, e.g. docker.io/mlk-test/python-ml:0123abcd")
    p.add_argument("--out", required=True)
    p.add_argument("--compression", choices=sorted(LAYER_MEDIA_TYPES), default="zstd")
    p.add_argument("--created-by", default="mlk test/images/build.sh")
    args = p.parse_args()

    tag = args.ref.rsplit(":", 1)[1] if ":" in args.ref.rsplit("/", 1)[-1] else ""
    if not tag or tag == "latest":
        sys.exit(f"oci.py: {args.ref}: give an explicit tag other than latest")
    with open(args.config) as f:
        run_config = json.load(f)

    out_dir = os.path.dirname(os.path.abspath(args.out))
    with tempfile.TemporaryDirectory(prefix=".oci-", dir=out_dir) as layout:
        blobs = os.path.join(layout, "blobs", "sha256")
        os.makedirs(blobs)
        diff_id, layer_digest, layer_size = write_layer(args.rootfs, blobs, args.compression)
        created = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        image_config = {
            "architecture": go_arch(),
            "os": "linux",
            "created": created,
            "config": run_config,
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created": created, "created_by": args.created_by}],
        }
        config_digest, config_size = write_blob(blobs, canonical(image_config))
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
            "layers": [{"mediaType": LAYER_MEDIA_TYPES[args.compression], "digest": layer_digest, "size": layer_size}],
        }
        manifest_digest, manifest_size = write_blob(blobs, canonical(manifest))
        index = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": manifest_digest,
                    "size": manifest_size,
                    "platform": {"architecture": go_arch(), "os": "linux"},
                    "annotations": {"io.containerd.image.name": args.ref, "org.opencontainers.image.ref.name": tag},
                }
            ],
        }
        with open(os.path.join(layout, "index.json"), "wb") as f:
            f.write(canonical(index))
        with open(os.path.join(layout, "oci-layout"), "wb") as f:
            f.write(canonical({"imageLayoutVersion": "1.0.0"}))
        tmp_out = args.out + ".tmp"
        subprocess.run(
            ["tar", "--create", "--file", tmp_out, "--sort=name", "--owner=0", "--group=0", "--numeric-owner",
             "--directory", layout, "oci-layout", "index.json", "blobs"],
            check=True,
        )
        os.replace(tmp_out, args.out)
    print(json.dumps({"ref": args.ref, "manifest": manifest_digest, "layer": layer_digest, "layer_size": layer_size,
                      "diff_id": diff_id}))


if __name__ == "__main__":
    main()
