"""LocalStore against real Nix: same layout, same paths, same database rows, and Nix accepts the store."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from localstore_support import HANG_GUARD, NixStore, flock_waiters, wait_until
from pydock.store.derivation import read_derivation
from pydock.store.hashes import Hash, hash_bytes
from pydock.store.local import TEMP_PREFIX, InvalidPath, LocalStore, StoreError, ValidPathInfo
from pydock.store.nar import nar_bytes
from pydock.store.paths import FileIngestionMethod


def _db(root: Path) -> sqlite3.Connection:
    return sqlite3.connect(root / "nix/var/nix/db/db.sqlite")


def rows(root: Path) -> dict[str, tuple]:
    """Each valid path's row without the per-store columns (id, registration time)."""
    with _db(root) as c:
        return {
            r[0]: r[1:] for r in c.execute("select path, hash, deriver, narSize, ultimate, sigs, ca from ValidPaths")
        }


def refs(root: Path) -> set[tuple[str, str]]:
    with _db(root) as c:
        q = "select a.path, b.path from Refs join ValidPaths a on referrer = a.id join ValidPaths b on reference = b.id"
        return set(c.execute(q))


def drv_outputs(root: Path) -> set[tuple[str, str, str]]:
    with _db(root) as c:
        return set(c.execute("select v.path, d.id, d.path from DerivationOutputs d join ValidPaths v on d.drv = v.id"))


def _src_tree(base: Path) -> Path:
    t = base / "t"
    (t / "sub").mkdir(parents=True)
    (t / "empty").mkdir()
    (t / "a").write_text("a\n")
    (t / "sub" / "run").write_text("#!/bin/sh\n")
    (t / "sub" / "run").chmod(0o755)
    (t / "link").symlink_to("a")
    (base / "f").write_text("flat\n")
    return t


def test_fresh_store_has_nix_layout(store: LocalStore, store_root: Path, nix_store: NixStore) -> None:
    nix_store.lines("--verify")  # lets Nix create an empty store of its own
    assert (store_root / "nix/var/nix/db/schema").read_text() == "10"
    with _db(store_root) as ours, _db(nix_store.root) as theirs:
        q = "select type, name, tbl_name, sql from sqlite_master order by name"
        assert ours.execute(q).fetchall() == theirs.execute(q).fetchall()
        assert ours.execute("pragma journal_mode").fetchone() == ("wal",)
    for d in ("nix/store/.links", "nix/var/nix/temproots", "nix/var/nix/gcroots", "nix/var/nix/profiles"):
        assert (store_root / d).is_dir()


def test_text_paths_match_nix(store: LocalStore, store_root: Path, nix_store: NixStore, nix_view: NixStore) -> None:
    out = subprocess.run(
        ["nix-instantiate", "--store", nix_store.uri, "--read-write-mode", "--eval", "-E",
         'let a = builtins.toFile "a" "A\\n"; in builtins.toFile "b" "B ${a}"'],
        capture_output=True, text=True, check=True,
    ).stdout.strip().strip('"')  # fmt: skip
    a = store.add_text("a", "A\n", [])
    b = store.add_text("b", f"B {a}", [a])
    assert b == out
    assert rows(store_root) == rows(nix_store.root)
    assert refs(store_root) == refs(nix_store.root) == {(b, a)}
    assert store.query_references(b) == {a}
    assert store.add_text("b", f"B {a}", [a]) == b  # already valid: no-op
    real = Path(store.real_path(b))
    st = real.lstat()
    assert (st.st_mode & 0o777, int(st.st_mtime)) == (0o444, 1)
    nix_view.verify()


def test_source_paths_match_nix(store: LocalStore, store_root: Path, nix_store: NixStore, tmp_path: Path) -> None:
    t = _src_tree(tmp_path)
    f = tmp_path / "f"
    theirs = [
        nix_store.lines("--add", str(t))[0],
        nix_store.lines("--add-fixed", "sha256", str(f))[0],
        nix_store.lines("--add-fixed", "--recursive", "sha1", str(t))[0],
        nix_store.lines("--add-fixed", "sha512", str(f))[0],
    ]
    ours = [
        store.add_path(str(t), "t"),
        store.add_path(str(f), "f", FileIngestionMethod.FLAT),
        store.add_path(str(t), "t", FileIngestionMethod.RECURSIVE, "sha1"),
        store.add_path(str(f), "f", FileIngestionMethod.FLAT, "sha512"),
    ]
    assert ours == theirs
    assert rows(store_root) == rows(nix_store.root)
    for p in ours:
        assert nar_bytes(store.real_path(p)) == nix_store.dump(p)
    NixStore(store_root).verify()


def test_filtered_source_matches_nix(store: LocalStore, store_root: Path, nix_store: NixStore, tmp_path: Path) -> None:
    t = _src_tree(tmp_path)
    expr = f'builtins.filterSource (p: type: baseNameOf p != "sub") {t}'
    want = subprocess.run(
        ["nix-instantiate", "--store", nix_store.uri, "--read-write-mode", "--eval", "-E", expr],
        capture_output=True, text=True, check=True,
    ).stdout.strip().strip('"')  # fmt: skip
    got = store.add_path(str(t), "t", filter=lambda p: os.path.basename(p) != "sub")
    assert got == want
    assert rows(store_root) == rows(nix_store.root)
    assert not os.path.exists(store.real_path(got) + "/sub")


def test_expected_hash_short_circuits(store: LocalStore, tmp_path: Path) -> None:
    t = _src_tree(tmp_path)
    p = store.add_path(str(t), "t")
    h = store.query_path_info(p).nar_hash
    (t / "a").write_text("changed\n")  # not even read: the expected path is already valid
    assert store.add_path(str(t), "t", expected=h) == p


def test_derivations_match_nix(store: LocalStore, store_root: Path, nix_store: NixStore, nix_view: NixStore) -> None:
    expr = """
      let
        src = builtins.toFile "builder.sh" "echo hi > $out";
        dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ src ];
                           outputs = [ "out" "dev" ]; };
        fixed = derivation { name = "fixed"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ src ];
                             outputHashMode = "recursive"; outputHashAlgo = "sha256";
                             outputHash = "0000000000000000000000000000000000000000000000000000"; };
      in derivation { name = "top"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ src ];
                      d = dep.dev; o = dep; f = fixed; }
    """
    top = subprocess.run(
        ["nix-instantiate", "--store", nix_store.uri, "-E", expr], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    theirs = nix_store.root / "nix/store"

    def load(p: str):
        return read_derivation(p, theirs / os.path.basename(p))

    top_drv = load(top)
    for src in sorted(top_drv.input_srcs):
        store.add_text(src.split("-", 1)[1], (theirs / os.path.basename(src)).read_bytes(), [])
    for dep in sorted(top_drv.input_drvs):
        assert store.add_derivation(load(dep)) == dep
    assert store.add_derivation(top_drv) == top
    assert rows(store_root) == rows(nix_store.root)
    assert refs(store_root) == refs(nix_store.root)
    assert drv_outputs(store_root) == drv_outputs(nix_store.root)
    assert store.query_derivation_outputs(top) == {"out": top_drv.outputs["out"].path}
    assert store.query_closure([top]) == nix_view.closure(top)
    nix_view.verify()


def test_query_path_info(store: LocalStore) -> None:
    a = store.add_text("a", "A", [])
    b = store.add_text("b", "B " + a, [a])
    info = store.query_path_info(b)
    assert info.references == {a}
    assert info.ca is not None and info.ca.startswith("text:sha256:")
    assert info.nar_size == len(nar_bytes(store.real_path(b)))
    assert info.deriver is None and not info.ultimate and info.registration_time > 0
    assert store.query_referrers(a) == {b}
    assert store.query_closure([b]) == {a, b}
    with pytest.raises(InvalidPath, match="is not valid"):
        store.query_path_info(store.store_dir.text_path("nope", "x"))
    with pytest.raises(InvalidPath, match="is not valid"):
        store.query_closure([store.store_dir.text_path("nope", "x")])


def test_invalid_reference_leaves_nothing(store: LocalStore) -> None:
    ghost = store.store_dir.text_path("ghost", "boo")
    with pytest.raises(InvalidPath, match=f"path '{ghost}' is not valid"):
        store.add_text("x", "refers to " + ghost, [ghost])
    p = store.store_dir.text_path("x", "refers to " + ghost, [ghost])
    assert not store.is_valid(p)
    assert not os.path.lexists(store.real_path(p))


def test_register_valid_is_one_transaction(store: LocalStore) -> None:
    a = store.add_text("a", "A", [])
    info = store.query_path_info(a)
    cyc1 = store.store_dir.text_path("c1", "1")
    cyc2 = store.store_dir.text_path("c2", "2")
    for p in (cyc1, cyc2):
        Path(store.real_path(p)).write_text("x")
    infos = [
        ValidPathInfo(cyc1, info.nar_hash, info.nar_size, {cyc2, a}),
        ValidPathInfo(cyc2, info.nar_hash, info.nar_size, {cyc1}),
    ]
    with pytest.raises(StoreError, match="cycle detected"):
        store.register_valid(infos)
    assert not store.is_valid(cyc1) and not store.is_valid(cyc2)
    assert store.query_referrers(a) == set()


def test_nar_import_checks_hash(store: LocalStore, tmp_path: Path) -> None:
    t = _src_tree(tmp_path)
    nar = nar_bytes(t)
    path = store.store_dir.source_path(t)
    wrong = ValidPathInfo(path, Hash("sha256", bytes(32)), len(nar))
    with pytest.raises(StoreError, match="hash mismatch importing path"):
        store.add_nar(wrong, nar)
    assert not store.is_valid(path) and not os.path.lexists(store.real_path(path))
    store.add_nar(ValidPathInfo(path, hash_bytes("sha256", nar), len(nar)), nar)
    assert nar_bytes(store.real_path(path)) == nar


def test_stale_leftovers_are_cleaned(store_root: Path) -> None:
    s = LocalStore(str(store_root))
    path = s.store_dir.text_path("x", "fresh")
    real = Path(s.real_path(path))
    real.write_text("half-written garbage")  # an unregistered object, e.g. from a crash
    stale = store_root / "nix/store" / (TEMP_PREFIX + "deadbeef")
    (stale / "x").mkdir(parents=True)
    (stale / "x").chmod(0o555)
    s.close()
    s = LocalStore(str(store_root))
    assert not stale.exists()
    assert s.add_text("x", "fresh", []) == path
    assert real.read_text() == "fresh"
    s.close()


def test_path_lock_excludes_other_processes(store: LocalStore, store_root: Path) -> None:
    """While another process holds ``<path>.lock``, adding the path blocks in flock until it is released."""
    path = store.store_dir.text_path("locked", "content")
    lock = store.real_path(path) + ".lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys\n"
         f"fd = os.open({lock!r}, os.O_RDWR | os.O_CREAT, 0o600); fcntl.flock(fd, fcntl.LOCK_EX)\n"
         "print('locked', flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    result: list[str] = []

    def add() -> None:  # a store of its own: SQLite connections stay in their thread
        own = LocalStore(str(store_root))
        result.append(own.add_text("locked", "content", []))
        own.close()

    adder = threading.Thread(target=add)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        adder.start()
        wait_until(lambda: flock_waiters(lock) == 1 or not adder.is_alive(), "pydock waiting for the lock")
        assert adder.is_alive() and not result and not store.is_valid(path)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()  # the holder exits, which releases its lock
        holder.wait()
    adder.join(HANG_GUARD)
    assert result == [path]
    assert not os.path.exists(lock)  # deleted once the path is valid, as Nix does
