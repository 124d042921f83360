"""Images of index packages (examples/docker-packages.nix) carry their own shell: the Cmd runs in a bare chroot.

The packages are real store paths (built by real Nix from Debian's static
busybox and bash) made valid in pydock's store as a substituter would; skopeo
and umoci (the real clients) unpack the image, and the Cmd runs chroot-ed into
that tree with nothing of the host bound in.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from packages_support import REPO, FakeIndex, import_closure

from nix_compat_tests.support import oci_bundle, unavailable

EXAMPLE = REPO / "examples" / "docker-packages.nix"


def test_image_of_index_packages_runs_its_cmd(fake: FakeIndex, tmp_path: Path) -> None:
    tools = {t: shutil.which(t) for t in ("skopeo", "umoci", "unshare", "chroot")}
    if None in tools.values():
        unavailable(f"not installed: {[t for t, p in tools.items() if p is None]}")
    root = tmp_path / "store"
    import_closure(root, [fake.out(p) for p in ("bash", "bashInteractive", "busybox")])
    proc = fake.pydock(
        "build", "--no-out-link", "--store", str(root), "--packages", str(fake.index), str(EXAMPLE), "-A", "layered"
    )
    if proc.returncode != 0 and "sandbox" in proc.stderr.lower():
        unavailable(f"pydock's build sandbox is unavailable here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    archive = proc.stdout.strip()
    bundle = Path(oci_bundle(archive, tmp_path))
    rootfs = bundle / "rootfs"
    assert os.readlink(rootfs / "bin" / "sh") == f"{fake.out('bashInteractive')}/bin/bash"
    cmd = [tools["unshare"], "--user", "--map-root-user", tools["chroot"], str(rootfs), "/bin/greet"]
    run = subprocess.run(cmd, capture_output=True, text=True, env={"PATH": "/bin"})
    if run.returncode != 0 and "unshare" in run.stderr:
        unavailable(f"cannot chroot here: {run.stderr.strip()}")
    assert run.stdout == f"hello from {fake.out('bash')}/bin/bash with greet\n", run.stderr


def test_streamed_image_of_index_packages(fake: FakeIndex, tmp_path: Path) -> None:
    if shutil.which("skopeo") is None:
        unavailable("not installed: skopeo")
    root = tmp_path / "store"
    import_closure(root, [fake.out(p) for p in ("bash", "bashInteractive", "busybox")])
    proc = fake.pydock(
        "build", "--no-out-link", "--store", str(root), "--packages", str(fake.index), str(EXAMPLE), "-A", "stream"
    )
    if proc.returncode != 0 and "sandbox" in proc.stderr.lower():
        unavailable(f"pydock's build sandbox is unavailable here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    archive = tmp_path / "image.tar"
    with open(archive, "wb") as f:
        subprocess.run([proc.stdout.strip()], stdout=f, check=True)
    info = subprocess.run(
        ["skopeo", "inspect", "--config", f"docker-archive:{archive}"], capture_output=True, text=True, check=True
    )
    config = json.loads(info.stdout)["config"]
    assert config["Cmd"] == ["/bin/greet"] and config["Env"] == ["PATH=/bin"]


def test_quick_start_example_uses_the_index_shell(fake: FakeIndex, tmp_path: Path) -> None:
    """examples/quickstart.nix takes nixpkgs' bash from an index that has it, not the host's shell."""
    tools = {t: shutil.which(t) for t in ("skopeo", "umoci", "unshare")}
    if None in tools.values():
        unavailable(f"not installed: {[t for t, p in tools.items() if p is None]}")
    root = tmp_path / "store"
    import_closure(root, [fake.out(p) for p in ("bash", "bashInteractive")])
    example = REPO / "examples" / "quickstart.nix"
    proc = fake.pydock("build", "--no-out-link", "--store", str(root), "--packages", str(fake.index), str(example))
    if proc.returncode != 0 and "sandbox" in proc.stderr.lower():
        unavailable(f"pydock's build sandbox is unavailable here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    bundle = Path(oci_bundle(proc.stdout.strip(), tmp_path))
    rootfs = bundle / "rootfs"
    assert os.readlink(rootfs / "bin" / "sh") == f"{fake.out('bashInteractive')}/bin/bash"
    assert not any("pydock-host-shell" in p.name for p in (rootfs / "nix" / "store").iterdir())
    process = json.loads((bundle / "config.json").read_text())["process"]
    run = subprocess.run(
        [tools["unshare"], "--user", "--map-root-user", f"--root={rootfs}", f"--wd={process['cwd']}", *process["args"]],
        capture_output=True, text=True, env=dict(item.split("=", 1) for item in process["env"]),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout == "Hello from a pydock image (pydock in /data)\n"
