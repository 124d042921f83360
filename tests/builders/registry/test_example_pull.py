"""examples/docker-archives.nix's ``pulled``, built as its header says against a real docker-registry.

The archive must be byte for byte what ``skopeo copy … docker-archive:`` writes for the
same digest (nixpkgs' pullImage runs exactly that), with the hash prefetch-docker printed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from registry_support import pydock, skopeo_archive

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "docker-archives.nix"


def test_example_pull_equals_skopeo(pushed, tmp_path: Path) -> None:
    image = f"{pushed.registry.host}/example/hello"
    digest = pushed.digests["example/hello"]
    fetched = pydock("prefetch-docker", "--tls-verify=false", "--quiet", "--json", image, digest,
                     "--final-image-name", "pulled", "--final-image-tag", "latest",
                     "--store", str(tmp_path / "prefetch"))  # fmt: skip
    assert fetched.returncode == 0, fetched.stderr
    printed = json.loads(fetched.stdout)
    proc = pydock("build", "--store", str(tmp_path / "store"), "--no-out-link", str(EXAMPLE), "-A", "pulled",
                  "--argstr", "imageName", image, "--argstr", "imageDigest", printed["imageDigest"],
                  "--argstr", "hash", printed["hash"], "--arg", "tlsVerify", "false")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    oracle = skopeo_archive(f"{image}@{digest}", tmp_path / "skopeo.tar", "pulled:latest")
    out = Path(proc.stdout.strip())
    assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(oracle.read_bytes()).digest()
    assert out.name.endswith("-docker-image-pulled-latest.tar")
