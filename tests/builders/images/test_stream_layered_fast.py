"""The fast paths of the streamer: trusted digests keyed by NarHash, kernel copies, ``--verify-layers``.

Every archive is compared with nixpkgs' own script (``nixpkgs_stream.py``); NarHashes come
from a real pydock store database and are checked against real Nix (``nix-store --query
--hash`` on the same store).
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import threading

import pytest
from fakestore import STORE_DIR, FakeStore, make_conf
from nixpkgs_stream import nixpkgs_stream
from pydock.builders.images.layer_cache import MemoryDigestCache, NarHashes, store_nar_hashes
from pydock.builders.images.stream_layered import main, stream_layered_image
from pydock.store.local import LocalStore

from nix_compat_tests.support import require_tool


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    """A real pydock store (paths registered with their NarHash): one big file, small ones, a symlink."""
    root = str(tmp_path_factory.mktemp("registered"))
    src = tmp_path_factory.mktemp("src")
    (src / "lib").mkdir()
    (src / "lib" / "big.so").write_bytes(bytes(range(256)) * 1200 + b"tail")  # > 64 KiB: a kernel copy
    for i in range(5):
        (src / "lib" / f"small{i}").write_bytes(f"small {i}\n".encode() * (i + 1))
    os.symlink("lib", src / "lib64")
    store = LocalStore(root)
    pkg = store.add_path(str(src), "pkg-1.0")
    other = store.add_text("note.txt", "a note\n", [])
    store.close()
    fake = FakeStore(STORE_DIR, root)
    custom = fake.add_customisation_layer("img", {"etc": {"motd": b"hi\n"}})
    conf = make_conf(fake, [[pkg], [other, pkg]], custom)
    return fake, conf, [pkg, other]


def oracle(conf, store) -> bytes:
    return nixpkgs_stream(conf, store).archive


def test_nar_hashes_are_the_ones_nix_reports(registered):
    fake, _, paths = registered
    lookup = store_nar_hashes(os.path.join(fake.root, "nix/var/nix"))
    nix_store = require_tool("nix-store")  # the oracle for NarHashes
    for p in paths:
        ours = lookup(p)
        assert ours is not None and ours.startswith("sha256:")
        nix = subprocess.run(
            [nix_store, "--store", fake.root, "--query", "--hash", p], capture_output=True, text=True, check=True
        ).stdout.strip()
        as_base32 = subprocess.run(
            ["nix-hash", "--type", "sha256", "--to-base32", ours.split(":", 1)[1]],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert nix == "sha256:" + as_base32
    assert lookup(STORE_DIR + "/00000000000000000000000000000000-absent") is None


def test_missing_database_answers_none_and_is_not_created(tmp_path):
    lookup = NarHashes(str(tmp_path / "db" / "db.sqlite"))
    assert lookup(STORE_DIR + "/00000000000000000000000000000000-x") is None
    assert not (tmp_path / "db").exists()
    (tmp_path / "garbage.sqlite").write_bytes(b"not a database" * 100)
    assert NarHashes(str(tmp_path / "garbage.sqlite"))(STORE_DIR + "/x") is None


def test_trusted_digest_is_not_rehashed_unless_verifying(registered):
    """A digest cached under NarHashes is used as it is; verify=True catches a wrong one and drops it."""
    fake, conf, _ = registered
    hashes = store_nar_hashes(os.path.join(fake.root, "nix/var/nix"))
    cache = MemoryDigestCache()

    def run(**kw) -> bytes:
        out = io.BytesIO()
        stream_layered_image(conf, out, real_path=fake.real_path, cache=cache, nar_hash=hashes, **kw)
        return out.getvalue()

    expected = oracle(conf, fake)
    assert run() == expected  # first build: learns the digests
    assert run() == expected  # steady state: from the cache
    key = next(iter(cache.entries))
    digest, size = cache.entries[key]
    cache.entries[key] = ("0" * 64, size)
    assert ("0" * 64).encode() in run()  # trusted: written under the (wrong) cached name, not re-hashed
    with pytest.raises(OSError, match="changed while being written"):
        run(verify=True)
    assert key not in cache.entries
    assert run() == expected


class _Writer:
    """Not a plain file: the streamer must fall back to ``write``."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()

    def write(self, data) -> int:
        return self.buf.write(bytes(data))


@pytest.mark.parametrize("target", ["file", "pipe", "writer"])
def test_every_kind_of_output_gets_the_same_bytes(registered, tmp_path, target):
    fake, conf, _ = registered
    hashes = store_nar_hashes(os.path.join(fake.root, "nix/var/nix"))
    expected = oracle(conf, fake)
    for cache in (None, MemoryDigestCache()):  # two passes; then learn and reuse
        for _ in range(2 if cache is not None else 1):
            kw = {"real_path": fake.real_path, "cache": cache, "nar_hash": hashes}
            if target == "file":
                with open(tmp_path / "image.tar", "wb") as f:
                    f.write(b"")  # something buffered before is kept in order
                    stream_layered_image(conf, f, **kw)
                got = (tmp_path / "image.tar").read_bytes()
            elif target == "pipe":
                r, w = os.pipe()
                chunks: list[bytes] = []
                reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: os.read(r, 1 << 16), b"")))
                reader.start()
                with open(w, "wb") as f:
                    stream_layered_image(conf, f, **kw)
                reader.join()
                os.close(r)
                got = b"".join(chunks)
            else:
                sink = _Writer()
                stream_layered_image(conf, sink, **kw)  # type: ignore[arg-type]
                got = sink.buf.getvalue()
            assert got == expected


def test_cli_verify_layers(registered, tmp_path, monkeypatch):
    """The stream program keeps trusted digests in the store's table; --verify-layers re-hashes them."""
    fake, conf, _ = registered
    conf_file = tmp_path / "conf.json"
    conf_file.write_text(json.dumps(conf))
    expected = oracle(conf, fake)
    args = [str(conf_file), "--store-root", fake.root]

    def run(*extra: str) -> bytes:
        out = io.BytesIO()
        assert main([*args, *extra], stdout=out, stderr=io.StringIO()) == 0
        return out.getvalue()

    assert run() == expected
    db = os.path.join(fake.root, "nix/var/nix/pydock/layer-digests.sqlite")
    with sqlite3.connect(db) as conn:
        first = "(select min(rowid) from LayerDigests)"
        conn.execute(f"update LayerDigests set sha256 = ? where rowid = {first}", ("0" * 64,))
    conn.close()
    assert run() != expected  # trusted as it is ...
    with pytest.raises(OSError, match="changed while being written"):
        run("--verify-layers")  # ... unless verifying, which drops the bad rows
    assert run() == expected
    with sqlite3.connect(db) as conn:
        conn.execute(f"update LayerDigests set sha256 = ? where rowid = {first}", ("0" * 64,))
    conn.close()
    monkeypatch.setenv("PYDOCK_VERIFY_LAYERS", "1")  # what `pydock build --verify-layers` sets for its builders
    with pytest.raises(OSError, match="changed while being written"):
        run()
    assert run() == expected
