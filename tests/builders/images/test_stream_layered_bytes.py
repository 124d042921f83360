"""streamLayeredImage archives, byte for byte, against nixpkgs' own ``stream_layered_image.py``.

The oracle is nixpkgs' script itself, run on the same conf over the same fake store (see
``nixpkgs_stream.py``: a private mount namespace shows it the store at ``/nix/store``).
``created``/``mtime`` = ``"now"`` is the script's own clock: pydock is then given the instant the
script wrote, and GNU ``date`` brackets pydock's own "now".
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import tracemalloc
from datetime import UTC, datetime

import pytest
from fakestore import FakeStore, make_conf
from nixpkgs_stream import nixpkgs_stream
from pydock.builders.images import store_layer
from pydock.builders.images.layer_cache import DirectoryDigestCache, MemoryDigestCache, SqliteDigestCache
from pydock.builders.images.stream_layered import main, stream_layered_image

NOW = datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)


def stream(conf, store, now=NOW, **kw) -> tuple[bytes, object]:
    out = io.BytesIO()
    result = stream_layered_image(conf, out, real_path=store.real_path, now=now, **kw)
    return out.getvalue(), result


def oracle(conf, store, repo_tag=None) -> bytes:
    return nixpkgs_stream(conf, store, repo_tag).archive


def members(archive: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(archive)) as t:
        return t.getmembers()


def tiny(p, n):
    return [p[f"tiny{i}"] for i in range(n)]


CASES = {
    "one-layer-each": lambda p: [[p["libc"]], [p["hello"]], [p["script"]], [p["data"]], [p["link"]]],
    "mixed": lambda p: [[p["hello"], p["libc"], p["link"]], [p["data"], p["script"], *tiny(p, 7)]],
    "many-paths": lambda p: [[p["libc"]], tiny(p, 120)],
    "empty-layer": lambda p: [[], [p["hello"]]],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_reference_rendering(sample, case):
    store, p = sample
    conf = make_conf(store, CASES[case](p), p["custom"])
    data, result = stream(conf, store)
    assert data == oracle(conf, store)
    assert len(data) % 10240 == 0
    assert [m.name for m in members(data)][-2:] == [result.config_name, "manifest.json"]


@pytest.mark.parametrize(
    "over",
    [
        {"created": "now", "mtime": "now"},
        {"created": "2024-05-06T07:08:09+02:00", "mtime": "2001-02-03T04:05:06+00:00"},
        {"uid": "1000", "gid": "100", "uname": "a-user-name-longer-than-thirty-two-chars", "gname": "grüppe"},
        {"uid": 3000000, "gid": "5"},
        {"config": {}, "architecture": "arm64"},
    ],
    ids=["now", "offsets", "pax-owner", "pax-uid", "empty-config"],
)
def test_conf_variants(sample, over):
    store, p = sample
    conf = make_conf(store, [[p["hello"], p["libc"]], [p["link"]]], p["custom"], **over)
    expected = oracle(conf, store)
    now = NOW
    if over.get("created") == "now":  # the script's clock: give pydock the instant it used
        now = datetime.fromisoformat(json.loads(_member(expected, _config_name(expected)))["created"])
    data, _ = stream(conf, store, now=now)
    assert data == expected
    if over.get("uid") == 3000000:  # beyond ustar's 7 octal digits: a PAX "uid" record, 0 in the header
        inner = members(_member(data, _manifest(data)["Layers"][0]))
        assert [(m.uid, m.gid) for m in inner[:2]] == [(3000000, 5), (3000000, 5)]


def _gnu_date_now() -> int:
    return int(subprocess.run(["date", "-u", "+%s"], capture_output=True, text=True, check=True).stdout)


def test_now_is_the_current_time(sample, tmp_path):
    """``"now"`` through the CLI: created and every mtime lie between two readings of GNU ``date``."""
    store, p = sample
    conf = make_conf(store, [[p["data"]]], p["custom"], created="now", mtime="now")
    conf_file = tmp_path / "conf.json"
    conf_file.write_text(json.dumps(conf))
    before = _gnu_date_now()
    out = io.BytesIO()
    args = [str(conf_file), "--store-root", store.root, "--digest-cache", str(tmp_path / "c")]
    assert main(args, stdout=out, stderr=io.StringIO()) == 0
    after = _gnu_date_now()
    data = out.getvalue()
    created = datetime.fromisoformat(json.loads(_member(data, _config_name(data)))["created"])
    assert before <= created.timestamp() < after + 1
    assert {m.mtime for m in members(data)} == {int(created.timestamp())}
    stamp = subprocess.run(
        ["date", "-u", "-d", f"@{int(created.timestamp())}", "+%Y-%m-%dT%H:%M:%S+00:00"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert created.replace(microsecond=0).isoformat() == stamp


def _member(archive: bytes, name: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(archive)) as t:
        return t.extractfile(name).read()


def _manifest(archive: bytes) -> dict:
    return json.loads(_member(archive, "manifest.json"))[0]


def _config_name(archive: bytes) -> str:
    return _manifest(archive)["Config"]


def test_layer_layout(sample):
    """Spot checks of the inner layout the spec pins down: /nix first, component-wise order, hard links as files."""
    store, p = sample
    conf = make_conf(store, [[p["libc"], p["link"]]], p["custom"])
    data, result = stream(conf, store)
    inner = members(_member(data, result.layers[0].member))
    names = [m.name for m in inner]
    libc = p["libc"]
    assert names[:3] == ["/nix", "/nix/store", libc]
    assert names.index(f"{libc}/share/a/g") < names.index(f"{libc}/share/a-b") < names.index(f"{libc}/share/a.b")
    by_name = {m.name: m for m in inner}
    assert by_name[f"{libc}/lib/libc.so"].isreg() and by_name[f"{libc}/lib/libc.so"].size == 750
    assert by_name[f"{libc}/lib/ld-linux.so.2"].linkname == "libc.so.6"
    assert by_name[p["link"]].issym() and by_name[p["link"]].linkname == p["hello"] + "/bin"
    assert {m.mtime for m in inner} == {1} and {(m.uid, m.uname) for m in inner} == {(0, "root")}
    assert by_name["/nix"].mode == 0o755 and by_name[libc].mode == 0o555
    assert by_name[f"{libc}/.hidden"].mode == 0o444


def test_history_and_manifest(sample):
    store, p = sample
    conf = make_conf(store, [[p["libc"]], [p["hello"], p["script"]]], p["custom"])
    data, result = stream(conf, store, repo_tag="override:tag")
    config_bytes = _member(data, result.config_name)
    assert result.config_name == hashlib.sha256(config_bytes).hexdigest() + ".json"
    config = json.loads(config_bytes)
    assert list(config) == ["created", "architecture", "os", "config", "rootfs", "history"]
    assert config["history"][1]["comment"] == f"store paths: ['{p['hello']}', '{p['script']}']"
    assert config["history"][2]["comment"] == f"store paths: ['{p['custom']}']"
    diff_ids = [hashlib.sha256(_member(data, m)).hexdigest() for m in _manifest(data)["Layers"]]
    assert config["rootfs"]["diff_ids"] == [f"sha256:{d}" for d in diff_ids]
    assert _manifest(data)["RepoTags"] == ["override:tag"]
    assert _member(data, "manifest.json").startswith(b'[\n    {\n        "Config": ')


@pytest.mark.parametrize("compress", [False, True])
def test_from_image(sample, tmp_path, compress):
    """Base layers are copied (headers and bytes), Env merges by name, diff_ids come from the base config."""
    store, p = sample
    base_conf = make_conf(store, [[p["libc"]]], p["custom"], config={"Env": ["A=1", "LAST=base", "B=2"]})
    base_bytes, _ = stream(base_conf, store)
    base = tmp_path / ("base.tar.gz" if compress else "base.tar")
    base.write_bytes(gzip.compress(base_bytes, mtime=0) if compress else base_bytes)
    conf = make_conf(
        store, [[p["hello"]]], p["custom"], from_image=str(base), config={"Env": ["LAST=child", "C=3"], "User": "1"}
    )
    data, result = stream(conf, store)
    assert data == oracle(conf, store)
    config = json.loads(_member(data, result.config_name))
    assert config["config"] == {"Env": ["A=1", "LAST=child", "B=2", "C=3"], "User": "1"}
    assert len(config["rootfs"]["diff_ids"]) == 4
    assert conf["config"] == {"Env": ["LAST=child", "C=3"], "User": "1"}  # the caller's conf is left alone


def test_store_dir_assertion(sample):
    store, p = sample
    conf = make_conf(store, [["/gnu/store/x-y"]], p["custom"])
    with pytest.raises(ValueError, match="Expecting absolute paths from /nix/store"):
        stream(conf, store)


@pytest.mark.parametrize("kind", ["memory", "store-table"])
def test_digest_cache_reads_each_file_once(sample, monkeypatch, tmp_path, kind):
    store, p = sample
    conf = make_conf(store, [[p["libc"]], [p["hello"]]], p["custom"])
    target = store.real_path(p["libc"]) + "/lib/libc.so.6"
    opened: list[str] = []
    real_open = open

    def counting_open(path, *a, **kw):
        opened.append(path)
        return real_open(path, *a, **kw)

    monkeypatch.setattr(store_layer, "open", counting_open, raising=False)
    db = str(tmp_path / "state" / "pydock" / "layer-digests.sqlite")
    cache = MemoryDigestCache() if kind == "memory" else SqliteDigestCache(db)
    first, _ = stream(conf, store, cache=cache)
    assert opened.count(target) == 2  # hashing pass + writing pass
    opened.clear()
    if kind == "store-table":  # a later process: a new connection to the same table
        cache.close()  # type: ignore[union-attr]
        cache = SqliteDigestCache(db)
    second, _ = stream(conf, store, cache=cache)
    assert opened.count(target) == 1
    assert first == second == oracle(conf, store)


def test_poisoned_store_table_entry_is_dropped(sample, tmp_path):
    store, p = sample
    conf = make_conf(store, [[p["data"]]], p["custom"])
    db = tmp_path / "layer-digests.sqlite"
    cache = SqliteDigestCache(str(db))
    good, _ = stream(conf, store, cache=cache)
    with sqlite3.connect(db) as conn:
        ((key, size),) = conn.execute("select key, size from LayerDigests").fetchall()
        conn.execute("update LayerDigests set sha256 = ?", ("0" * 64,))
    conn.close()
    assert cache.get(key) == ("0" * 64, size)
    with pytest.raises(OSError, match="changed while being written"):
        stream(conf, store, cache=cache)
    assert cache.get(key) is None
    assert stream(conf, store, cache=cache)[0] == good


def test_unusable_store_table_is_a_miss(sample, tmp_path):
    store, p = sample
    conf = make_conf(store, [[p["data"]]], p["custom"])
    garbage = tmp_path / "layer-digests.sqlite"
    garbage.write_bytes(b"not a database" * 100)
    assert stream(conf, store, cache=SqliteDigestCache(str(garbage)))[0] == oracle(conf, store)


def test_poisoned_cache_is_detected_and_dropped(sample, tmp_path):
    store, p = sample
    conf = make_conf(store, [[p["data"]]], p["custom"])
    cache = DirectoryDigestCache(str(tmp_path / "cache"))
    good, _ = stream(conf, store, cache=cache)
    (key,) = [f.parent.name + f.name for f in (tmp_path / "cache").glob("*/*")]
    digest, size = cache.get(key)
    cache.put(key, "0" * 64, size)
    with pytest.raises(OSError, match="changed while being written"):
        stream(conf, store, cache=cache)
    assert cache.get(key) is None
    assert stream(conf, store, cache=cache)[0] == good


def test_cli_streams_to_stdout(sample, tmp_path):
    store, p = sample
    conf = make_conf(store, [[p["hello"], p["libc"]], tiny(p, 3)], p["custom"])
    conf_file = tmp_path / "conf.json"
    conf_file.write_text(json.dumps(conf))
    args = [str(conf_file), "--store-root", store.root, "--digest-cache", str(tmp_path / "c"), "-t", "x:y"]
    proc = subprocess.run(
        [sys.executable, "-m", "pydock.builders.images.stream_layered", *args],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=True,
    )
    expected = nixpkgs_stream(conf, store, repo_tag="x:y")
    assert proc.stdout == expected.archive
    assert proc.stderr.decode() == expected.stderr  # the same progress lines, word for word
    out = io.BytesIO()
    assert main(args, stdout=out, stderr=io.StringIO()) == 0  # again, in-process, from the warm cache
    assert out.getvalue() == proc.stdout


def test_cli_keeps_digests_with_the_store(sample, tmp_path, monkeypatch):
    """Without --digest-cache the digests go to the store's state directory, one row per store layer."""
    store, p = sample
    layers = [[p["hello"], p["libc"]], tiny(p, 3)]
    conf = make_conf(store, layers, p["custom"])
    conf_file = tmp_path / "conf.json"
    conf_file.write_text(json.dumps(conf))
    monkeypatch.delenv("PYDOCK_DIGEST_CACHE", raising=False)
    out = io.BytesIO()
    assert main([str(conf_file), "--store-root", store.root], stdout=out, stderr=io.StringIO()) == 0
    assert out.getvalue() == oracle(conf, store)
    db = os.path.join(store.root, "nix/var/nix/pydock/layer-digests.sqlite")
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select sha256, size from LayerDigests").fetchall()
    conn.close()
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tar:
        members = {m.name: m.size for m in tar.getmembers()}
    with open(store.real_path(p["custom"]) + "/checksum") as f:
        custom = f.read().strip()
    store_layers = [(n.split("/")[0], size) for n, size in members.items() if n.endswith("/layer.tar")]
    assert len(rows) == len(layers) and sorted(rows) == sorted(x for x in store_layers if x[0] != custom)


def test_memory_stays_flat(tmp_path):
    """A 64 MiB file streams through with a small, size-independent peak of Python allocations."""
    store = FakeStore("/nix/store", str(tmp_path))
    big = store.add_tree("big", {"blob": b""})
    blob = store.real_path(big) + "/blob"
    os.chmod(blob, 0o644)
    os.truncate(blob, 64 << 20)  # sparse: cheap to make, still 64 MiB to read
    custom = store.add_customisation_layer("big", {"x": b"x"})

    class Sink:
        size = 0

        def write(self, data):
            self.size += len(data)

    sink = Sink()
    tracemalloc.start()
    try:
        stream_layered_image(make_conf(store, [[big]], custom), sink, real_path=store.real_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sink.size > 64 << 20
    assert peak < 8 << 20
