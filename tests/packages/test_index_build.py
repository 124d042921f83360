"""``pydock build`` with index packages: prebuilt paths are realised, never rebuilt.

The packages' paths are made valid in pydock's store the way a substituter
does it (NAR + hash + references, here from real ``nix-store --dump``/``-q``);
``realise_prebuilt`` (``builders/realisation/targets.py``) hands them to
``LocalStore.ensure_valid``, which finds them valid.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from packages_support import FakeIndex, import_closure, nix_env, run

from nix_compat_tests.support import require_tool, unavailable


def logical(root: Path, physical: str) -> str:
    assert physical.startswith(f"{root}/nix/store/"), physical
    return "/" + os.path.relpath(physical, root)


def build(fake: FakeIndex, root: Path, expr: str, *flags: str) -> subprocess.CompletedProcess:
    return fake.pydock(
        "build", "--no-out-link", "--store", str(root), "--packages", str(fake.index), *flags, "-E", expr
    )


def test_build_of_an_index_package_prints_its_path(fake: FakeIndex, tmp_path: Path) -> None:
    root = tmp_path / "store"
    import_closure(root, [fake.out("hello", "bin")])
    proc = build(fake, root, "with import <nixpkgs> { }; [ hello.bin ]")
    assert proc.returncode == 0, proc.stderr
    assert [logical(root, p) for p in proc.stdout.split()] == [fake.out("hello", "bin")]
    # the closure came along (hello's script runs busybox from the store)
    closure = run(
        [require_tool("nix-store"), "--store", f"local?root={root}", "-qR", fake.out("hello", "bin")], nix_env()
    )
    assert closure.returncode == 0, closure.stderr
    expected = run([require_tool("nix-store"), "-qR", fake.out("hello", "bin")], nix_env())
    assert sorted(closure.stdout.split()) == sorted(expected.stdout.split())


def test_build_result_links_of_index_packages(fake: FakeIndex, tmp_path: Path) -> None:
    root = tmp_path / "store"
    import_closure(root, [fake.out("bash")])
    proc = fake.pydock(
        "build",
        "--store",
        str(root),
        "--packages",
        str(fake.index),
        "-E",
        "(import <nixpkgs> { }).bash",
        cwd=str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    assert os.readlink(tmp_path / "result") == proc.stdout.strip()
    assert (tmp_path / "result" / "bin" / "bash").is_file()


def test_build_of_an_index_package_missing_from_the_store(fake: FakeIndex, tmp_path: Path) -> None:
    proc = build(fake, tmp_path / "store", "(import <nixpkgs> { }).cacert")
    assert proc.returncode == 1
    assert "'cacert'" in proc.stderr and fake.out("cacert") in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "store" / "nix" / "store").exists() or not list(
        (tmp_path / "store/nix/store").glob("*cacert*")
    )


def test_instantiate_skips_index_packages(fake: FakeIndex, tmp_path: Path) -> None:
    proc = fake.pydock(
        "instantiate",
        "--store",
        str(tmp_path / "store"),
        "--packages",
        str(fake.index),
        "-E",
        "(import <nixpkgs> { }).hello",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == "warning: 'hello' comes prebuilt from the package index; it has no derivation\n"


@pytest.fixture
def shell_store(fake: FakeIndex, tmp_path: Path) -> Path:
    """A pydock store holding the index's bash and coreutils closures (as substitution would leave it)."""
    root = tmp_path / "store"
    import_closure(root, [fake.out("bash"), fake.out("bashInteractive"), fake.out("coreutils")])
    return root


def test_write_shell_script_bin_runs_with_the_index_bash(fake: FakeIndex, shell_store: Path) -> None:
    proc = build(
        fake,
        shell_store,
        'with import <nixpkgs> { }; writeShellScriptBin "greet" "echo \\"hi from $BASH\\""',
    )
    if proc.returncode != 0 and "sandbox" in proc.stderr.lower():
        unavailable(f"pydock's build sandbox is unavailable here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    script = Path(proc.stdout.strip()) / "bin" / "greet"
    bash = fake.out("bash")
    assert script.read_text().startswith(f"#!{bash}/bin/bash\n")
    # the logical path is also the host's (real Nix built it into /nix/store), so the script runs as is
    out = subprocess.run([str(script)], capture_output=True, text=True, check=True)
    assert out.stdout == f"hi from {bash}/bin/bash\n"


def test_docker_helpers_use_index_packages(fake: FakeIndex, shell_store: Path) -> None:
    proc = build(
        fake,
        shell_store,
        "with import <nixpkgs> { }; [ dockerTools.binSh dockerTools.usrBinEnv ]",
    )
    if proc.returncode != 0 and "sandbox" in proc.stderr.lower():
        unavailable(f"pydock's build sandbox is unavailable here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    bin_sh, usr_bin_env = (Path(p) for p in proc.stdout.split())
    assert os.readlink(bin_sh / "bin" / "sh") == f"{fake.out('bashInteractive')}/bin/bash"
    assert os.readlink(usr_bin_env / "usr" / "bin" / "env") == f"{fake.out('coreutils')}/bin/env"
