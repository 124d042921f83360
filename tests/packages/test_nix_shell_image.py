"""nix-shell images (``dockerTools.buildNixShellImage`` / ``streamNixShellImage``) of index packages.

``examples/docker-nix-shell.nix`` is built by ``pydock build`` from an empty store, its
packages (bash, busybox, coreutils, cacert from the fake nixpkgs, built by real Nix) substituted
from a real signed binary cache over HTTP.  Each image is unpacked by skopeo and umoci (real
clients) and its ``Cmd`` runs in a bare chroot of the unpacked root with the image's ``Env`` and
``WorkingDir``, nothing of the host bound in: the ``run`` image prints the shell's variables and
its passAsFile file after its shellHook, finds busybox (an input) on PATH and is not
interactive; the ``command`` image, given a terminal, is; the ``build`` image runs the
derivation's own builder with ``buildDerivation`` and then the program it built.  podman loads
the archive with nixpkgs' Cmd, User, WorkingDir and Env.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from packages_support import REPO, FakeIndex, ServedCache, require_tool

from nix_compat_tests.support import oci_bundle

EXAMPLE = REPO / "examples" / "docker-nix-shell.nix"
ATTRS = ("run", "command", "build")

sys.path.insert(0, str(REPO / "tests" / "docker"))


def chroot_command(bundle: Path) -> tuple[list[str], dict[str, str]]:
    """The bundle's process (args, env, cwd) as a command run in a bare chroot of its root."""
    process = json.loads((bundle / "config.json").read_text())["process"]
    env = dict(e.split("=", 1) for e in process["env"])
    cmd = [
        require_tool("unshare"), "--user", "--map-root-user", require_tool("chroot"), str(bundle / "rootfs"),
        # The image's own /bin/sh (bash from the index) enters WorkingDir, then execs Cmd.
        "/bin/sh", "-c", 'cd "$0" && exec "$@"', process["cwd"], *process["args"],
    ]  # fmt: skip
    return cmd, env


def run_on_terminal(cmd: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``cmd`` with a pseudo-terminal as its controlling terminal (like ``podman run -it``)."""
    master, slave = os.openpty()

    def controlling_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(cmd, env=env, stdin=slave, stdout=slave, stderr=slave, preexec_fn=controlling_terminal)
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the terminal's last user has gone
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    return proc.wait(timeout=60), output.decode().replace("\r\n", "\n")


@pytest.fixture(scope="module")
def images(fake: FakeIndex, served_cache: ServedCache, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """attr -> image archive, all built in one ``pydock build`` into an empty store."""
    for tool in ("skopeo", "umoci", "unshare", "chroot"):
        require_tool(tool)
    work = tmp_path_factory.mktemp("nix-shell-images")
    proc = fake.pydock(
        "build", "--no-out-link", "--store", str(work / "store"), "--packages", str(fake.index),
        "--substituters", served_cache.url, "--trusted-public-keys", served_cache.public_key,
        str(EXAMPLE), *[a for attr in ATTRS for a in ("-A", attr)],
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    built = dict(zip(ATTRS, (Path(p) for p in proc.stdout.split()), strict=True))
    # `command` is a stream: its program writes the image.
    streamed = work / "command.tar"
    with open(streamed, "wb") as out:
        subprocess.run([str(built["command"])], stdout=out, check=True, timeout=300)
    built["command"] = streamed
    return built


def evaluate(fake: FakeIndex, expr: str) -> object:
    proc = fake.pydock(
        "eval", "--strict", "--json", "--packages", str(fake.index), "-E", f"let e = import {EXAMPLE} {{ }}; in {expr}"
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_run_image_has_the_shell_environment(fake: FakeIndex, images: dict[str, Path], tmp_path: Path) -> None:
    cmd, env = chroot_command(Path(oci_bundle(images["run"], tmp_path)))
    ran = subprocess.run(cmd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert ran.returncode == 0, ran.stderr
    busybox = fake.out("busybox")
    lines = ran.stdout.splitlines(keepends=True)
    assert "".join(lines[:-1]) == (
        f"shellHook ran\nhello from the shell\npassed as a file\nbusybox at {busybox}/bin/busybox\nnot interactive\n"
    )
    # $stdenv/setup gave errexit and nounset back as the shell had them (off), as nix-shell leaves them.
    assert lines[-1].startswith("shell options: ") and not set(lines[-1].split(": ")[1]) & set("eu")
    assert ran.stderr == ""
    # The derivation's own variables, as the image declares them.
    shell = evaluate(fake, "{ out = e.shell.outPath; stdenv = e.shell.drvAttrs.stdenv; }")
    assert env["out"] == shell["out"] and env["stdenv"] == shell["stdenv"]
    assert env["nativeBuildInputs"] == f"{busybox} {busybox}"  # packages, then inputsFrom's input
    assert env["name"] == "nix-shell" and env["GREETING"] == "hello from the shell"
    assert env["NIX_BUILD_TOP"] == env["TMPDIR"] == env["PWD"] == "/build" and env["HOME"] == "/build"
    assert env["SSL_CERT_FILE"] == f"{fake.out('cacert')}/etc/ssl/certs/ca-bundle.crt"


def test_command_image_runs_interactively_on_a_terminal(images: dict[str, Path], tmp_path: Path) -> None:
    cmd, env = chroot_command(Path(oci_bundle(images["command"], tmp_path)))
    status, output = run_on_terminal(cmd, env)
    assert status == 0, output
    assert output.endswith("shellHook ran\ninteractive\n"), output


def test_build_image_builds_the_derivation_inside(fake: FakeIndex, images: dict[str, Path], tmp_path: Path) -> None:
    bundle = Path(oci_bundle(images["build"], tmp_path))
    cmd, env = chroot_command(bundle)
    ran = subprocess.run(cmd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "built greeting\n"
    out = evaluate(fake, "e.greeting.outPath")
    assert isinstance(out, str) and env["out"] == out
    assert (bundle / "rootfs" / out.lstrip("/") / "bin" / "greet").is_file()
    # What the builder runs: the index's bash with pydock's default builder script.
    assert env["builder"] == f"{fake.out('bash')}/bin/bash"


def test_podman_loads_nix_shell_image(images: dict[str, Path]) -> None:
    require_tool("podman")
    from docker_support import Podman

    podman = Podman()
    try:
        names = podman.load(images["run"])
        assert names == ["localhost/nix-shell-env:run"], names
        config = podman.inspect(names[0])["Config"]
        assert config["User"] == "1000:1000" and config["WorkingDir"] == "/build"
        assert len(config["Cmd"]) == 2 and config["Cmd"][0].endswith("-bash-5.2/bin/bash")
        assert config["Cmd"][1].endswith("-nix-shell-rc")
        assert "GREETING=hello from the shell" in config["Env"]
        assert "TERM=xterm-256color" in config["Env"]
    finally:
        podman.close()


def test_index_package_cannot_be_the_shell_derivation(fake: FakeIndex) -> None:
    proc = fake.pydock(
        "eval", "--packages", str(fake.index), "-E",
        "let pkgs = import <nixpkgs> { }; in (pkgs.dockerTools.streamNixShellImage { drv = pkgs.hello; }).drvPath",
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: 'hello' comes prebuilt from the package index and cannot be rebuilt")
    assert "Traceback" not in proc.stderr
