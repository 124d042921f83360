"""``pydock build`` (the click command, run with CliRunner) against real ``nix-build``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from localstore_support import SANDBOX_PATHS, NixStore, shell_drv
from pydock.store.local import LocalStore

from pydock.build_cli import build

pytestmark = pytest.mark.usefixtures("sandbox")

MULTI = """
let
  mk = name: derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    outputs = [ "out" "dev" ];
    args = [ "-c" "echo ${name} > $out; echo ${name}-dev > $dev; echo ${./data.txt} >> $out" ];
  };
  a = mk "a";
  b = mk "b";
in { inherit a b; both = [ a a.dev b ]; fail = derivation {
  name = "fail"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo doomed; exit 7" ]; }; }
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    d = tmp_path / "project"
    d.mkdir()
    (d / "default.nix").write_text(MULTI)
    (d / "data.txt").write_text("data\n")
    return d


def run_build(project: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(project)
    try:
        r = runner.invoke(build, list(args), catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return r.exit_code, r.stdout, r.stderr


def test_links_and_paths_match_nix_build(project: Path, store_root: Path, nix_store: NixStore, nix_view: NixStore):
    code, out, err = run_build(project, "--store", str(store_root), "-A", "both")
    assert (code, err) == (0, "")  # stderr is not a terminal: no progress chatter
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIX_")}
    env["NIX_CONFIG"] = f"substituters =\nsandbox-paths = {SANDBOX_PATHS}"
    nix_dir = project.parent / "with-nix"
    nix_dir.mkdir()
    want = subprocess.run(
        ["nix-build", "--store", nix_store.uri, str(project / "default.nix"), "-A", "both"],
        cwd=nix_dir, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    # nix-build prints logical paths even for a chroot store; pydock prints where they really are,
    # so that `$(pydock build …)` names a file (the same string when the store root is /).
    assert out == "".join(f"{store_root}{p}\n" for p in want.split())
    paths = want.split()
    links = sorted(p.name for p in project.iterdir() if p.is_symlink())
    assert links == sorted(p.name for p in nix_dir.iterdir() if p.is_symlink()) == ["result", "result-2", "result-dev"]
    store = LocalStore(str(store_root))
    for link, path in zip(["result", "result-dev", "result-2"], paths, strict=True):
        assert os.readlink(project / link) == store.real_path(path)
        assert (project / link).read_text().startswith(("a", "b"))
    auto = store_root / "nix/var/nix/gcroots/auto"
    assert sorted(os.readlink(auto / n) for n in os.listdir(auto)) == sorted(str(project / n) for n in links)
    for path in paths:
        assert nix_view.dump(path) == nix_store.dump(path)
    nix_view.verify()
    store.close()


def test_drv_argument_no_out_link_and_rebuild(project: Path, store_root: Path) -> None:
    store = LocalStore(str(store_root))
    drv_path = store.add_derivation(shell_drv("direct", "echo direct > $out"))
    out_path = store.read_derivation(drv_path).outputs["out"].path
    for _ in range(2):  # the second run finds everything valid
        code, out, err = run_build(project, "--store", str(store_root), "--no-out-link", drv_path)
        assert (code, out, err) == (0, f"{store_root}{out_path}\n", "")
    assert not (project / "result").exists()
    assert store.is_valid(out_path)
    store.close()


def test_errors(project: Path, store_root: Path) -> None:
    code, out, err = run_build(project, "--store", str(store_root), "-A", "fail")
    assert (code, out) == (1, "")
    assert err.startswith("error: builder for '/nix/store/") and "failed with exit code 7;" in err
    assert "       > doomed\n" in err and "Traceback" not in err
    code, out, err = run_build(project, "--store", str(store_root), "-E", "1 + 1")
    assert (code, err) == (1, "error: expression does not evaluate to a derivation (or a set or list of those)\n")
    code, out, err = run_build(project, "--store", str(store_root), "-A", "nope")
    assert code == 1 and err.startswith("error: attribute 'nope' in selection path 'nope' not found")
    (project / "result").write_text("precious")
    code, out, err = run_build(project, "--store", str(store_root), "-A", "a")
    assert code == 1 and err == f"error: cannot create symlink '{project / 'result'}'; already exists\n"
    assert (project / "result").read_text() == "precious"


def test_each_attr_path_of_a_function_file_is_instantiated(tmp_path: Path, nix_store: NixStore) -> None:
    """Every -A of a top-level function is a fresh call whose result may be freed at once: no derivation
    may be taken for a duplicate of an earlier one (identity keys must outlive the values)."""
    from pydock.instantiate_cli import instantiate

    count = 64
    (tmp_path / "many.nix").write_text(
        "{ salt ? \"s\" }: builtins.listToAttrs (builtins.genList (i: { name = \"d${toString i}\"; value = derivation"
        " { name = \"d${toString i}-${salt}\"; system = \"x86_64-linux\"; builder = \"/bin/sh\"; }; }) "
        f"{count})\n"
    )
    attrs = [a for i in range(count) for a in ("-A", f"d{i}")]
    r = CliRunner().invoke(
        instantiate, ["--store", str(tmp_path / "ours"), str(tmp_path / "many.nix"), *attrs], catch_exceptions=False
    )
    assert r.exit_code == 0, r.stderr
    want = subprocess.run(
        ["nix-instantiate", "--store", nix_store.uri, str(tmp_path / "many.nix"), *attrs],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert r.stdout == want and len(set(want.split())) == count
