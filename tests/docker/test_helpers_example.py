"""examples/docker-helpers.nix builds as its header says, and its images and layers hold what it claims.

One ``pydock build`` of the example's attributes; skopeo reads the image, tarfile the layers,
and the shellScript output is run.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
from docker_support import REPO, build_example

from nix_compat_tests.support import unavailable

EXAMPLE = REPO / "examples" / "docker-helpers.nix"
ATTRS = ["withHelpers", "pureLayer", "rootLayer", "popularity", "script", "merged"]


@pytest.fixture(scope="module")
def helpers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    for tool in ("/bin/busybox", "/bin/bash-static"):
        if not os.path.exists(tool):
            unavailable(f"the example's stand-ins need {tool} (Debian packages busybox-static, bash-static)")
    root = tmp_path_factory.mktemp("helpers") / "store"
    paths = build_example(EXAMPLE, ATTRS, root, None)
    return {a: Path(p) for a, p in zip(ATTRS, paths, strict=True)}


def test_image_of_helpers_reads_in_skopeo(helpers: dict[str, Path], oci_tools: bool) -> None:
    out = subprocess.run(
        ["skopeo", "inspect", "--config", f"docker-archive:{helpers['withHelpers']}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    config = json.loads(out)["config"]
    assert config["Cmd"] == ["/usr/bin/env"] and config["User"] == "app"
    with tarfile.open(helpers["withHelpers"]) as image:
        manifest = json.load(image.extractfile("manifest.json"))  # type: ignore[arg-type]
        customisation = manifest[0]["Layers"][-1]
        with tarfile.open(fileobj=image.extractfile(customisation)) as layer:
            names = set(layer.getnames())
            passwd_link = layer.getmember("./etc/passwd").linkname  # the customisation layer links into the store
    assert {"./usr/bin/env", "./etc/ssl/certs/ca-bundle.crt", "./bin/sh"} <= names
    store_root = helpers["script"].parents[2]
    passwd = (store_root / passwd_link.lstrip("/")).read_text()
    assert "app:x:1000:1000:app:/var/empty:/bin/sh\n" in passwd and passwd.startswith("root:x:0:0:")


def test_layer_helpers_and_scripts(helpers: dict[str, Path]) -> None:
    for attr in ("pureLayer", "rootLayer"):
        assert sorted(os.listdir(helpers[attr])) == ["VERSION", "json", "layer.tar"]
    with tarfile.open(helpers["rootLayer"] / "layer.tar") as layer:
        note = layer.extractfile("./data/note").read()  # type: ignore[union-attr]
    assert note == b"written by runAsRoot\n"
    with tarfile.open(helpers["pureLayer"] / "layer.tar") as layer:
        assert layer.getmember("./tmp").mode & 0o7777 == 0o1777
        assert layer.getmember("./usr/bin/env").issym()
    assert subprocess.run([helpers["script"]], capture_output=True, text=True).stdout == "hello from shellScript\n"
    assert sorted(os.listdir(helpers["merged"])) == ["etc", "usr"]
    popular = helpers["popularity"].read_text().split()
    assert popular and all(p.startswith("/nix/store/") for p in popular)
    assert any(p.endswith("-busybox-coreutils") for p in popular)
