"""NAR serialisation and restoration, checked byte-for-byte against nix-store --dump/--restore."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tracemalloc
from pathlib import Path

import pytest
from pydock.store import nar
from pydock.store.hashes import HASH_SIZES
from store_nixtools import Nix, NixFailed, make_tree, write_file


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tree(tmp_path_factory.mktemp("nar") / "tree")


def _roots(tree: Path) -> list[Path]:
    return [
        tree,
        tree / "d1",
        tree / "empty-dir",
        tree / "a",
        tree / "size-0",
        tree / "size-65537",
        tree / "exec-empty",
        tree / "link-rel",
        tree / "link-abs",
        tree / "raw-\udcff-name",
    ]


def test_dump_bytes_identical(nix: Nix, tree: Path) -> None:
    for p in _roots(tree):
        assert nar.nar_bytes(p) == nix.run("nix-store", "--dump", str(p)), p


def test_nar_hash_matches_dump_sha256sum(nix: Nix, tree: Path) -> None:
    """The brief's reference recipe: ``nix-store --dump PATH | sha256sum``."""
    for p in _roots(tree):
        out = subprocess.run(
            f"{nix.bins['nix-store']} --dump \"$P\" | sha256sum",
            shell=True, check=True, capture_output=True, env={**os.environ, "P": str(p)},
        ).stdout.decode()  # fmt: skip
        h, size = nar.nar_hash(p)
        assert h.algo == "sha256"
        assert h.hex == out.split()[0]
        assert size == len(nix.run("nix-store", "--dump", str(p)))


@pytest.mark.parametrize("algo", sorted(HASH_SIZES))
def test_hash_path_matches_nix_hash(nix: Nix, tree: Path, algo: str) -> None:
    (expected,) = nix.lines("nix-hash", "--type", algo, "--base32", str(tree))
    assert nar.hash_path(tree, algo)[0].base32 == expected


def test_streaming_hash_bounded_memory(nix: Nix, tmp_path: Path) -> None:
    big = tmp_path / "big"
    with open(big, "wb") as f:
        f.truncate(48 * 1024 * 1024)  # sparse, so creating it is cheap
    tracemalloc.start()
    try:
        h, size = nar.nar_hash(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024
    nix_size = subprocess.run(
        f"{nix.bins['nix-store']} --dump \"$P\" | wc -c",
        shell=True, check=True, capture_output=True, env={**os.environ, "P": str(big)},
    ).stdout.decode()  # fmt: skip
    assert size == int(nix_size)
    (expected,) = nix.lines("nix-hash", "--type", "sha256", "--base32", str(big))
    assert h.base32 == expected


def test_filter_excludes_entries(tree: Path, tmp_path: Path) -> None:
    """A filtered dump equals the dump of a copy without the excluded entries."""
    seen: list[str] = []

    def keep(path: str) -> bool:
        seen.append(path)
        return not path.endswith(("/d2", "/size-200001"))

    filtered = nar.nar_bytes(tree, keep)
    assert str(tree / "d1" / "d2") in seen
    assert not any(s.startswith(str(tree / "d1" / "d2") + "/") for s in seen)
    copy = tmp_path / "copy"
    nar.restore_path(copy, filtered)
    assert nar.nar_bytes(copy) == filtered
    assert not (copy / "d1" / "d2").exists() and (copy / "d1" / "empty").is_dir()


def test_dump_string_matches_added_file(nix: Nix, tmp_path: Path) -> None:
    f = tmp_path / "text"
    write_file(f, b"some text\n")
    assert nar.dump_string(b"some text\n") == nix.run("nix-store", "--dump", str(f))


def test_restore_nix_dump_then_redump(nix: Nix, tree: Path, tmp_path: Path) -> None:
    dump = nix.run("nix-store", "--dump", str(tree))
    dest = tmp_path / "restored"
    assert nar.restore_path(dest, io.BytesIO(dump + b"trailing")) == len(dump)
    assert nix.run("nix-store", "--dump", str(dest)) == dump
    assert (dest / "a").stat().st_mode & 0o111 == 0o111 and (dest / "A").stat().st_mode & 0o111 == 0
    assert os.readlink(dest / "link-abs") == "/nonexistent/target with spaces"


def test_nix_restores_our_dump(nix: Nix, tree: Path, tmp_path: Path) -> None:
    ours = nar.nar_bytes(tree)
    dest = tmp_path / "by-nix"
    nix.run("nix-store", "--restore", str(dest), stdin=ours)
    assert nix.run("nix-store", "--dump", str(dest)) == ours


def _entry_names_swapped(data: bytes) -> bytes:
    """Corrupt a NAR by swapping two equal-length sibling names so they are out of order."""
    a = nar._tok(b"b")
    b = nar._tok(b"a")
    i, j = data.index(b), data.index(a)
    assert i < j
    return data[:i] + a + data[i + len(b) : j] + b + data[j + len(a) :]


def _corruptions(tmp_path: Path) -> list[tuple[str, bytes]]:
    d = tmp_path / "small"
    d.mkdir()
    for n in ("a", "b"):
        write_file(d / n, b"xyz")
    good = nar.nar_bytes(d)
    padding_at = good.index(b"xyz") + 3
    return [
        ("unsorted", _entry_names_swapped(good)),
        ("non-zero padding", good[:padding_at] + b"\1" + good[padding_at + 1 :]),
        ("bad magic", good.replace(b"nix-archive-1", b"nix-archive-2", 1)),
        ("truncated", good[:-8]),
        ("dot name", good.replace(nar._tok(b"a"), nar._tok(b"."), 1)),
        ("unknown type", good.replace(b"regular", b"regulaz", 1)),
    ]


def test_invalid_nars_rejected_like_nix(nix: Nix, tmp_path: Path) -> None:
    for label, data in _corruptions(tmp_path):
        if label == "unsorted":
            continue
        with pytest.raises(NixFailed) as nix_err:
            nix.run("nix-store", "--restore", str(tmp_path / f"nix-{label}"), stdin=data)
        with pytest.raises(nar.NarError) as ours:
            nar.restore_path(tmp_path / f"ours-{label}", data)
        assert str(ours.value) == nix_err.value.error, label


def test_unsorted_entries_accepted_like_nix_2_8(nix: Nix, tmp_path: Path) -> None:
    """Nix 2.8's sortedness check is ineffective; both sides restore the same tree."""
    (data,) = [d for label, d in _corruptions(tmp_path) if label == "unsorted"]
    nix.run("nix-store", "--restore", str(tmp_path / "by-nix"), stdin=data)
    nar.restore_path(tmp_path / "by-us", data)
    assert nar.nar_bytes(tmp_path / "by-us") == nix.run("nix-store", "--dump", str(tmp_path / "by-nix"))


def test_parse_reports_events_and_size(tree: Path) -> None:
    class Recorder(nar.ParseSink):
        def __init__(self) -> None:
            self.events: list[tuple[str, str]] = []

        def create_directory(self, path: str) -> None:
            self.events.append(("dir", path))

        def create_symlink(self, path: str, target: str) -> None:
            self.events.append(("link", path))

    data = nar.nar_bytes(tree)
    rec = Recorder()
    assert nar.parse_nar(data, rec) == len(data)
    assert ("dir", "") in rec.events and ("dir", "/d1/d2/d3") in rec.events
    assert ("link", "/d1/link-up") in rec.events
    assert hashlib.sha256(data).digest() == nar.nar_hash(tree)[0].digest
