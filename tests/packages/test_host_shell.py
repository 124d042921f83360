"""``pkgs.pydockHostShell``: the host's /bin/sh, its loader and libraries as one content-addressed store path.

Oracles: real ``nix-store --add`` of the same tree gives the store path (content
addressing as Nix does it); the host's own files are the bytes; and the store path,
used alone as a root with nothing bound in, runs the shell.
"""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

import pytest
from packages_support import REPO, nix_env, require_tool, run
from pydock.evaluator.packages.host_shell import STORE_NAME, HostShellError, assemble, elf_interpreter

from nix_compat_tests.support import unavailable

PRELUDE = REPO / "evaluator" / "prelude"
EXPR = "(import <nixpkgs> { }).pydockHostShell"


def pydock(*args: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "pydock.cli", *args])


def test_store_path_is_real_nix_content_address_and_runs_alone(tmp_path: Path) -> None:
    # pydock eval (read-only) computes the path; pydock build writes the same path.
    ev = pydock("eval", "-E", EXPR)
    assert ev.returncode == 0, ev.stderr
    path = ev.stdout.strip().strip('"')
    root = tmp_path / "store"
    uses = 'with import <nixpkgs> { }; writeText "uses-shell" "${pydockHostShell}/bin/sh"'
    built = pydock("build", "--store", str(root), "--no-out-link", "-E", uses)
    assert built.returncode == 0, built.stderr
    assert Path(built.stdout.strip()).read_text() == f"{path}/bin/sh"
    real = root / path.lstrip("/")
    assert (real / "bin" / "sh").is_file(), built.stderr

    # Real Nix adding the same tree gives the same content-addressed path.
    tree = tmp_path / "tree" / STORE_NAME
    tree.mkdir(parents=True)
    assemble(str(tree))
    nix_root = tmp_path / "nix-root"
    add = run([require_tool("nix-store"), "--store", f"local?root={nix_root}", "--add", str(tree)], nix_env())
    assert add.returncode == 0, add.stderr
    assert add.stdout.strip() == path
    verify = run([require_tool("nix-store"), "--store", f"local?root={root}", "--verify-path", path], nix_env())
    assert verify.returncode == 0, verify.stderr

    # The bytes are the host's: the shell, and the interpreter its ELF header names.
    assert filecmp.cmp(real / "bin" / "sh", os.path.realpath("/bin/sh"), shallow=False)
    interpreter = elf_interpreter(os.path.realpath("/bin/sh"))
    if interpreter is not None:
        assert filecmp.cmp(real / interpreter.lstrip("/"), os.path.realpath(interpreter), shallow=False)

    # The store path alone is a root the shell runs in.
    unshare = require_tool("unshare")
    proc = run([unshare, "--user", "--map-root-user", f"--root={real}", "/bin/sh", "-c", "echo $((6 * 7))"], env={})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "42\n"


def test_static_shell_needs_nothing_else(tmp_path: Path) -> None:
    busybox = require_tool("busybox")  # Debian's busybox-static in CI
    if elf_interpreter(os.path.realpath(busybox)) is not None:
        unavailable(f"{busybox} is dynamically linked (Debian's busybox-static is static)")
    assemble(str(tmp_path), busybox)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == ["bin/sh"]


def test_not_an_elf_shell_is_a_clear_error(tmp_path: Path) -> None:
    script = tmp_path / "sh"
    script.write_text("#!/bin/dash\n")
    script.chmod(0o755)
    with pytest.raises(HostShellError, match="is not an ELF executable"):
        assemble(str(tmp_path / "out"), str(script))


def test_real_nix_evaluating_the_prelude_gets_the_pydock_only_error() -> None:
    nix = require_tool("nix-instantiate")
    proc = run([nix, "--eval", "-E", f"(import {PRELUDE} {{ }}).pydockHostShell"], nix_env())
    assert proc.returncode != 0
    assert "pydockHostShell is pydock's copy of the host's /bin/sh" in proc.stderr
