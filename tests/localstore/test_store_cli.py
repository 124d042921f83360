"""``pydock log`` and ``pydock store verify|path-info|gc|delete`` against real Nix 2.8 on the same store.

pydock is run as a program (``sys.executable -m pydock.cli``); real ``nix-store`` /
``nix path-info`` read the store pydock wrote and are the oracle wherever the two
report the same thing.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from localstore_support import NixFailed, NixStore

pytestmark = pytest.mark.usefixtures("sandbox")

PROJECT = """
let
  sh = name: script: derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" script ];
  };
  note = builtins.toFile "note.txt" "a note\\n";
  base = sh "base" "echo base > $out";
  app = sh "app" "echo ${base} ${note} > $out";
  other = sh "other" "echo other ${base} > $out";
in {
  inherit base app other;
  broken = sh "broken" "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do echo step $i; done; echo gave up >&2; exit 4";
}
"""


def pydock(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIX_")}
    env["NIX_CONFIG"] = "substituters ="
    return subprocess.run(
        [sys.executable, "-m", "pydock.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    d = tmp_path / "project"
    d.mkdir()
    (d / "default.nix").write_text(PROJECT)
    return d


def build(project: Path, store_root: Path, attr: str, link: str) -> str:
    """``pydock build -A attr -o link``; returns the logical store path the link reaches."""
    r = pydock("build", "--store", str(store_root), "-A", attr, "-o", link, cwd=project)
    assert r.returncode == 0, r.stderr
    return "/nix/store/" + os.path.basename(os.readlink(project / link))


def test_failed_build_names_pydock_log_which_prints_the_full_log(
    project: Path, store_root: Path, nix_view: NixStore
) -> None:
    r = pydock("build", "--store", str(store_root), "-A", "broken", cwd=project)
    assert r.returncode == 1
    assert "nix log" not in r.stderr and "'nix" not in r.stderr
    last = r.stderr.rstrip("\n").splitlines()[-1].strip()
    assert last.startswith("For full logs, run 'pydock log ") and last.endswith("'.")
    command = shlex.split(last[len("For full logs, run '") : -len("'.")])
    assert command[:3] == ["pydock", "log", "--store"]
    shown = pydock(*command[1:])
    assert shown.returncode == 0, shown.stderr
    drv_path = command[-1]
    assert shown.stdout == nix_view.run("nix-store", "-l", drv_path).decode()
    assert shown.stdout.splitlines() == [f"step {i}" for i in range(1, 16)] + ["gave up"]
    # the message showed only the tail; the log has the lines before it too
    assert "> step 1\n" not in r.stderr and "step 1\n" in shown.stdout


def test_log_of_an_output_path_and_of_a_path_without_log(project: Path, store_root: Path) -> None:
    app = build(project, store_root, "app", "result")
    r = pydock("log", "--store", str(store_root), app)
    assert (r.returncode, r.stdout) == (0, ""), r.stderr  # the builder printed nothing
    note = next(p for p in os.listdir(store_root / "nix/store") if p.endswith("-note.txt"))
    r = pydock("log", "--store", str(store_root), f"/nix/store/{note}")
    assert r.returncode == 1
    assert r.stderr == f"error: build log of '/nix/store/{note}' is not available\n"
    r = pydock("log", "--store", str(store_root), "/etc/passwd")
    assert (r.returncode, r.stderr) == (1, "error: path '/etc/passwd' is not in the Nix store\n")
    typo = store_root.parent / "no-such-store"
    r = pydock("store", "verify", "--store", str(typo))
    assert (r.returncode, r.stderr) == (1, f"error: there is no store at '{typo}' (pydock build creates one)\n")
    assert not typo.exists()


def test_verify_reports_an_altered_file_as_nix_does(project: Path, store_root: Path, nix_view: NixStore) -> None:
    app = build(project, store_root, "app", "result")
    ok = pydock("store", "verify", "--check-contents", "--store", str(store_root))
    assert (ok.returncode, ok.stdout) == (0, "")
    real = store_root / app.lstrip("/")
    os.chmod(real, 0o644)
    real.write_text(real.read_text() + "tampered\n")
    bad = pydock("store", "verify", "--check-contents", "--store", str(store_root))
    nix = subprocess.run(
        ["nix-store", "--store", nix_view.uri, "--verify", "--check-contents"], capture_output=True, text=True
    )
    assert bad.returncode == nix.returncode == 1
    modified = [line for line in bad.stderr.splitlines() if "was modified" in line]
    assert modified == [line for line in nix.stderr.splitlines() if "was modified" in line]
    assert modified and modified[0].startswith(f"path '{app}' was modified! expected hash 'sha256:")
    assert bad.stderr.splitlines()[-1] == nix.stderr.splitlines()[-1] == "warning: not all store errors were fixed"
    # without --check-contents only existence is checked, as in Nix
    assert pydock("store", "verify", "--store", str(store_root)).returncode == 0


def test_path_info_matches_nix_path_info(project: Path, store_root: Path, nix_view: NixStore) -> None:
    app = build(project, store_root, "app", "result")
    nix = ["nix", "--extra-experimental-features", "nix-command", "path-info"]
    for flags in (["-r"], ["-rsS", "--sigs"], ["-rsSh"], ["--json", "-r", "-S"]):
        ours = pydock("store", "path-info", "--store", str(store_root), *flags, str(project / "result"))
        assert ours.returncode == 0, ours.stderr
        theirs = nix_view.run(*nix, *flags, app).decode()
        if "--json" in flags:
            assert json.loads(ours.stdout) == json.loads(theirs)
        else:
            assert ours.stdout == theirs
    info = json.loads(pydock("store", "path-info", "--store", str(store_root), "--json", "-r", app).stdout)
    assert any(e.get("ca", "").startswith("text:sha256:") for e in info)  # the toFile path is in the closure
    missing = pydock("store", "path-info", "--store", str(store_root), "/nix/store/" + "a" * 32 + "-x")
    assert missing.returncode == 1
    assert missing.stderr == f"error: path '/nix/store/{'a' * 32}-x' is not valid\n"


def test_gc_keeps_what_result_links_reach_and_matches_nix(
    project: Path, store_root: Path, nix_view: NixStore, tmp_path: Path
) -> None:
    app = build(project, store_root, "app", "result")
    other = build(project, store_root, "other", "result-other")
    os.unlink(project / "result-other")
    # Nix does not follow links to the physical location under a chroot store's root, so its copy of
    # the store gets the same root in the logical form it understands
    copy = tmp_path / "nix-copy"
    shutil.copytree(store_root, copy, symlinks=True)
    shutil.rmtree(copy / "nix/var/nix/gcroots/auto")
    os.symlink(app, copy / "nix/var/nix/gcroots/app")
    nix_dead = set(NixStore(copy).lines("--gc", "--print-dead"))
    dry = pydock("store", "gc", "--print-dead", "--store", str(store_root))
    assert dry.returncode == 0, dry.stderr
    assert set(dry.stdout.split()) == nix_dead
    assert other in nix_dead and app not in nix_dead

    r = pydock("store", "gc", "--store", str(store_root))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"{len(nix_dead)} store paths deleted, ")
    assert not (store_root / other.lstrip("/")).exists()
    assert (project / "result").read_text().startswith("/nix/store/")
    nix_view.verify()
    assert not nix_view.run("nix-store", "-qR", app).decode().count(other)
    again = pydock("store", "gc", "--store", str(store_root))
    assert again.stdout == "0 store paths deleted, 0.00 MiB freed\n"
    # --keep protects a path no link reaches
    os.unlink(project / "result")
    kept = pydock("store", "gc", "--keep", app, "--store", str(store_root))
    assert kept.returncode == 0 and (store_root / app.lstrip("/")).exists()
    gone = pydock("store", "gc", "--store", str(store_root))
    assert gone.returncode == 0 and not (store_root / app.lstrip("/")).exists()
    assert os.listdir(store_root / "nix/var/nix/gcroots/auto") == []  # the stale link went with the result
    nix_view.verify()


def test_delete_refuses_a_referenced_path(project: Path, store_root: Path, nix_view: NixStore) -> None:
    app = build(project, store_root, "app", "result")
    base = next(p for p in nix_view.lines("-qR", app) if p.endswith("-base"))
    refused = pydock("store", "delete", "--store", str(store_root), base)
    assert refused.returncode == 1
    assert f"error: cannot delete path '{base}' since it is still alive" in refused.stderr
    with pytest.raises(NixFailed, match="since it is still alive"):
        nix_view.run("nix-store", "--delete", base)
    assert (store_root / base.lstrip("/")).exists()
    os.unlink(project / "result")
    r = pydock("store", "delete", "--store", str(store_root), base)
    assert r.returncode == 1 and f"(referenced by '{app}')" in r.stderr
    r = pydock("store", "delete", "--store", str(store_root), base, app)
    assert (r.returncode, r.stdout[:24]) == (0, "2 store paths deleted, 0"), r.stderr
    assert not (store_root / base.lstrip("/")).exists()
    nix_view.verify()


HOLDER = """
import sys
from pydock.store.local import LocalStore
store = LocalStore(sys.argv[1])
print(store.add_text("held.txt", "kept by a temporary root\\n", []), flush=True)
sys.stdin.read()  # hold the root until the test closes our stdin
"""


def test_gc_keeps_temporary_roots_of_live_processes(store_root: Path, nix_view: NixStore) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store_root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        held = holder.stdout.readline().strip()  # type: ignore[union-attr]
        assert held.endswith("-held.txt")
        assert held not in nix_view.lines("--gc", "--print-dead")  # real Nix honours pydock's temp roots
        r = pydock("store", "gc", "--store", str(store_root))
        assert r.returncode == 0, r.stderr
        assert (store_root / held.lstrip("/")).exists()
        assert held in pydock("store", "gc", "--print-roots", "--store", str(store_root)).stdout
    finally:
        holder.stdin.close()  # type: ignore[union-attr]
        holder.wait()
    r = pydock("store", "gc", "--store", str(store_root))
    assert r.returncode == 0 and r.stdout.startswith("1 store paths deleted")
    assert f"removing stale temporary roots file '{store_root}/nix/var/nix/temproots/{holder.pid}'" in r.stderr
    assert not (store_root / held.lstrip("/")).exists()
    nix_view.verify()
