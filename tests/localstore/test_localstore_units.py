"""Small pieces without an oracle run: reference scanning across chunks, log tails, defaults, shell rendering."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydock.builders.realisation.buildlog import BuildLog
from pydock.builders.realisation.environment import structured_attrs_shell
from pydock.builders.realisation.realise import failure_message
from pydock.store.local import ComputeOnlyStore, LocalStore, default_store_root
from pydock.store.refscan import RefScanner

H1 = "0" * 31 + "1"
H2 = "a" * 32


@pytest.mark.parametrize("cut", [0, 1, 10, 31, 32, 33, 40])
def test_ref_scanner_finds_hashes_split_across_chunks(cut: int) -> None:
    data = f"xx/nix/store/{H1}-foo yy {H2}".encode()
    s = RefScanner([H1, H2, "z" * 32])
    s.feed(data[:cut])
    s.feed(data[cut:])
    assert s.found == {H1, H2}


def test_ref_scanner_long_runs() -> None:
    s = RefScanner([H2])
    s.feed(b"b" * 100_000 + H2.encode() + b"b" * 10)
    assert s.found == {H2}
    s2 = RefScanner([H1])
    s2.feed(b"1" * 1000)  # a run of base-32 characters that only looks like a hash
    assert s2.found == set()


def test_build_log_tail_and_carriage_returns(tmp_path: Path) -> None:
    lines: list[str] = []
    log = BuildLog(str(tmp_path / "drvs" / "ab" / "cdef.bz2"), lines.append)
    for i in range(12):
        log.write(f"line {i}\n".encode())
    log.write(b"10%\r100%\nno newline")
    log.close()
    assert list(log.tail) == [f"line {i}" for i in range(4, 12)] + ["100%", "no newline"]
    assert lines[-2:] == ["100%", "no newline"]
    import bz2

    assert bz2.decompress((tmp_path / "drvs/ab/cdef.bz2").read_bytes()).endswith(b"10%\r100%\nno newline")


def test_failure_message_without_log() -> None:
    assert failure_message("/nix/store/x.drv", "failed with exit code 2", []) == (
        "builder for '/nix/store/x.drv' failed with exit code 2"
    )


def test_structured_attrs_shell() -> None:
    text = structured_attrs_shell(
        {"s": "it's", "i": 3, "f": 2.5, "b": False, "n": None, "l": ["x", 1], "o": {"k": True}, "bad-name": "x"}
    )
    assert text == (
        "declare b=\ndeclare i=3\ndeclare -a l=('x' 1 )\ndeclare n=''\ndeclare -A o=(['k']=1 )\ndeclare s='it'\\''s'\n"
    )


def test_default_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYDOCK_STORE", str(tmp_path / "explicit"))
    assert default_store_root() == str(tmp_path / "explicit")
    monkeypatch.delenv("PYDOCK_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_store_root() == str(tmp_path / "data" / "pydock" / "store")
    store = LocalStore()
    assert store.root == str(tmp_path / "data" / "pydock" / "store")
    assert Path(store.real_path(store.add_text("x", "y", []))).read_text() == "y"
    store.close()


def test_compute_only_store_agrees_with_local_store(store: LocalStore) -> None:
    c = ComputeOnlyStore()
    assert c.add_text("t", "text", []) == store.add_text("t", "text", [])
    src = Path(__file__)
    assert c.add_path(str(src), "src") == store.add_path(str(src), "src")
