"""``<nixpkgs>`` is pydock's prelude unless ``-I nixpkgs=…`` says otherwise.

A ``nixpkgs=`` entry in ``NIX_PATH`` must not replace the prelude (a host's real
nixpkgs is for package providers), while other ``NIX_PATH`` entries work as in Nix.
"""

from __future__ import annotations

import os
import subprocess
import sys


def pydock_eval(expr: str, *flags: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.pop("NIX_PATH", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pydock.cli", "eval", *flags, "-E", expr], capture_output=True, text=True, env=full_env
    )


def test_nixpkgs_is_the_prelude_by_default() -> None:
    r = pydock_eval("(import <nixpkgs> {}).lib.concatStringsSep \"-\" [ \"a\" \"b\" ]")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == '"a-b"'


def test_nix_path_nixpkgs_entry_does_not_replace_the_prelude(tmp_path) -> None:
    fake = tmp_path / "fake-nixpkgs"
    fake.mkdir()
    (fake / "default.nix").write_text('{ ... }: { marker = "host nixpkgs"; }')
    r = pydock_eval("(import <nixpkgs> {}) ? writeText", env={"NIX_PATH": f"nixpkgs={fake}"})
    assert r.stdout.strip() == "true"


def test_dash_i_nixpkgs_overrides_the_prelude(tmp_path) -> None:
    fake = tmp_path / "fake-nixpkgs"
    fake.mkdir()
    (fake / "default.nix").write_text('{ ... }: { marker = "explicit"; }')
    r = pydock_eval("(import <nixpkgs> {}).marker", "-I", f"nixpkgs={fake}")
    assert r.stdout.strip() == '"explicit"'


def test_other_nix_path_entries_work(tmp_path) -> None:
    (tmp_path / "mylib").mkdir()
    (tmp_path / "mylib" / "default.nix").write_text("42")
    r = pydock_eval("import <mylib>", env={"NIX_PATH": f"{tmp_path}"})
    assert r.stdout.strip() == "42"
    r = pydock_eval("import <x>", env={"NIX_PATH": f"x={tmp_path}/mylib"})
    assert r.stdout.strip() == "42"
