"""End to end: an image of index packages whose packages come from a real binary cache over HTTP.

Real Nix builds the fake nixpkgs (Debian's static busybox and bash), signs its
paths and copies them with ``nix copy --to file://…?compression=zstd``;
``python3 -m http.server`` serves that cache on 127.0.0.1.  pydock starts from
an empty store with only the index, the cache URL and its public key: building
``examples/docker-packages.nix`` must substitute every package closure (checked
by real ``nix-store --verify --check-contents`` and ``-qR``), and the image must
load in podman and run its ``Cmd`` in a bare chroot with its own shell.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from packages_support import REPO, FakeIndex, ServedCache, nix_env, run

from nix_compat_tests.support import oci_bundle, require_tool

EXAMPLE = REPO / "examples" / "docker-packages.nix"
PACKAGES = ("bash", "bashInteractive", "busybox")

sys.path.insert(0, str(REPO / "tests" / "docker"))


def test_image_of_cached_index_packages_runs_and_loads(
    fake: FakeIndex, served_cache: ServedCache, tmp_path: Path
) -> None:
    url, key = served_cache.url, served_cache.public_key
    closure = served_cache.closure(*(fake.out(p) for p in PACKAGES))
    tools = {t: require_tool(t) for t in ("skopeo", "umoci", "unshare", "chroot", "podman")}
    root = tmp_path / "store"
    proc = fake.pydock(
        "build", "--no-out-link", "--store", str(root), "--packages", str(fake.index),
        "--substituters", url, "--trusted-public-keys", key, str(EXAMPLE), "-A", "layered",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    archive = Path(proc.stdout.strip())

    # Every package closure came from the cache, intact, as real Nix sees it.
    verify = run(
        [require_tool("nix-store"), "--store", f"local?root={root}", "--verify", "--check-contents"], nix_env()
    )
    assert verify.returncode == 0 and "corrupt" not in verify.stderr.lower(), verify.stderr
    qr = run([require_tool("nix-store"), "--store", f"local?root={root}", "-qR", *(fake.out(p) for p in PACKAGES)])
    assert qr.returncode == 0, qr.stderr
    assert set(qr.stdout.split()) == closure

    # The image runs its Cmd with its own shell, nothing of the host bound in.
    bundle = Path(oci_bundle(archive, tmp_path))
    rootfs = bundle / "rootfs"
    ran = subprocess.run(
        [tools["unshare"], "--user", "--map-root-user", tools["chroot"], str(rootfs), "/bin/greet"],
        capture_output=True, text=True, env={"PATH": "/bin"},
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == f"hello from {fake.out('bash')}/bin/bash with greet\n"

    # podman (a real client) loads it with the Cmd the file declares.
    from docker_support import Podman

    podman = Podman()
    try:
        names = podman.load(archive)
        assert names, "podman loaded nothing"
        config = podman.inspect(names[0])["Config"]
        assert config["Cmd"] == ["/bin/greet"]
    finally:
        podman.close()
