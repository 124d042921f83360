"""The index file: ``pydock index`` against nix-env, compression, bad input, the cache."""

from __future__ import annotations

import json
import lzma
import os
from pathlib import Path

import pytest
import zstandard
from packages_support import FAKE_NIXPKGS, FakeIndex, nix_env, run

from nix_compat_tests.support import require_tool

HELLO = "(import <nixpkgs> { }).hello.outPath"


def nix_env_json(*args: str) -> dict:
    proc = run([require_tool("nix-env"), "-f", str(FAKE_NIXPKGS), "-qaP", "--json", "--out-path", *args], nix_env())
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_index_command_writes_what_nix_env_prints(fake: FakeIndex, tmp_path: Path) -> None:
    out = tmp_path / "index.json"
    proc = fake.pydock("index", "--nixpkgs", str(FAKE_NIXPKGS), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text()) == nix_env_json("--meta")


def test_index_command_selected_attributes(fake: FakeIndex, tmp_path: Path) -> None:
    out = tmp_path / "index.json.xz"
    proc = fake.pydock("index", "--nixpkgs", str(FAKE_NIXPKGS), "-A", "python3Packages", "-A", "hello", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    expected = nix_env_json("--meta", "-A", "python3Packages") | nix_env_json("--meta", "-A", "hello")
    assert json.loads(lzma.decompress(out.read_bytes())) == expected
    no_meta = fake.pydock("index", "--nixpkgs", str(FAKE_NIXPKGS), "--no-meta", "-A", "bash")
    assert no_meta.returncode == 0, no_meta.stderr
    assert json.loads(no_meta.stdout) == nix_env_json("-A", "bash")


def test_index_command_errors(fake: FakeIndex, tmp_path: Path) -> None:
    out = tmp_path / "index.json"
    proc = fake.pydock("index", "--nixpkgs", str(FAKE_NIXPKGS), "-A", "nope", "-o", str(out))
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: nix-env failed on attribute 'nope'")
    assert "attribute 'nope' in selection path 'nope' not found" in proc.stderr
    assert not out.exists() and not list(tmp_path.iterdir())
    env = fake.pydock_env(PATH=str(tmp_path))  # no nix-env on PATH
    proc = fake.pydock("index", "--nixpkgs", str(FAKE_NIXPKGS), "-o", str(out), env=env)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: 'nix-env' was not found on PATH")
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("suffix", [".json.xz", ".json.zst"])
def test_compressed_index(fake: FakeIndex, tmp_path: Path, suffix: str) -> None:
    raw = fake.index.read_bytes()
    packed = lzma.compress(raw) if suffix.endswith(".xz") else zstandard.ZstdCompressor().compress(raw)
    index = tmp_path / f"index{suffix}"
    index.write_bytes(packed)
    proc = fake.pydock("eval", "--packages", str(index), "--json", "-E", HELLO)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == fake.out("hello")


def bad_index(fake: FakeIndex, tmp_path: Path, data: bytes, name: str = "bad.json") -> str:
    index = tmp_path / name
    index.write_bytes(data)
    proc = fake.pydock("eval", "--packages", str(index), "-E", HELLO)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: package index '{index}'"), proc.stderr
    return proc.stderr


def test_malformed_json_names_line_and_column(fake: FakeIndex, tmp_path: Path) -> None:
    lines = fake.index.read_text().splitlines()
    # break line 5 at column 3: the parser stops exactly there
    lines[4] = lines[4][:2] + "@" + lines[4][2:]
    err = bad_index(fake, tmp_path, "\n".join(lines).encode())
    assert "is not valid JSON" in err and "line 5 column 3" in err
    # a download cut after line 20 fails at its end: line 21, column 1
    text = fake.index.read_text()
    cut = "".join(text.splitlines(keepends=True)[:20])
    err = bad_index(fake, tmp_path, cut.encode(), "cut.json")
    assert "line 21 column 1" in err
    assert err.count("\n") == 1  # one line: no code frame into the prelude


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("[]", "must be a JSON object of attribute paths"),
        ('{"hello": {"name": "hello-1"}}', "entry 'hello': 'outputs' must be an object"),
        ('{"hello": {"name": "hello-1", "outputs": {"out": "/tmp/x"}}}', "output 'out' is not a store path"),
        ('{"hello": {"name": 1, "outputs": {"out": "/nix/store/aaaa-x"}}}', "'name' must be a string"),
        ('{"a..b": {"name": "x", "outputs": {"out": "/nix/store/aaaa-x"}}}', "empty component"),
    ],
)
def test_wrong_shape(fake: FakeIndex, tmp_path: Path, data: str, message: str) -> None:
    assert message in bad_index(fake, tmp_path, data.encode())


def test_bad_compression_and_missing_file(fake: FakeIndex, tmp_path: Path) -> None:
    assert "is not valid xz data" in bad_index(fake, tmp_path, b"\xfd7zXZ\x00garbage", "i.json.xz")
    assert "is not valid zstd data" in bad_index(fake, tmp_path, b"\x28\xb5\x2f\xfdgarbage", "i.json.zst")
    proc = fake.pydock("eval", "--packages", str(tmp_path / "nope.json"), "-E", HELLO)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: package index '{tmp_path / 'nope.json'}' does not exist"


def test_cache_is_built_once_and_follows_the_file(fake: FakeIndex, tmp_path: Path) -> None:
    cache_home = tmp_path / "cache"
    env = fake.pydock_env(XDG_CACHE_HOME=str(cache_home))
    index = tmp_path / "index.json"
    index.write_bytes(fake.index.read_bytes())
    cache = cache_home / "pydock" / "package-index"

    def hello() -> str:
        proc = fake.pydock("eval", "--packages", str(index), "--json", "-E", HELLO, env=env)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    assert hello() == fake.out("hello")
    first = sorted(p.name for p in cache.iterdir())
    assert len(first) == 2 and {Path(p).suffix for p in first} == {".names", ".sqlite"}
    mtimes = [(cache / p).stat().st_mtime_ns for p in first]
    assert hello() == fake.out("hello")
    assert [(cache / p).stat().st_mtime_ns for p in first] == mtimes  # reused, not rewritten
    # an edited index is a new cache entry, and its contents are what evaluation sees
    data = json.loads(index.read_text())
    data["hello"]["outputs"]["out"] = fake.out("bash")
    index.write_text(json.dumps(data))
    assert hello() == fake.out("bash")
    assert len(list(cache.iterdir())) == 4


def test_unwritable_cache_still_evaluates(fake: FakeIndex, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    env = fake.pydock_env(XDG_CACHE_HOME=str(blocker))
    proc = fake.pydock("eval", "--packages", str(fake.index), "--json", "-E", HELLO, env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == fake.out("hello")
    assert os.path.isfile(blocker)


def test_damaged_cache_is_a_clear_error(fake: FakeIndex, tmp_path: Path) -> None:
    env = fake.pydock_env(XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = fake.pydock("eval", "--packages", str(fake.index), "-E", HELLO, env=env)
    assert proc.returncode == 0, proc.stderr
    (db,) = (tmp_path / "cache" / "pydock" / "package-index").glob("*.sqlite")
    db.write_bytes(b"this is not a database" * 100)
    proc = fake.pydock("eval", "--packages", str(fake.index), "-E", HELLO, env=env)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: the package index cache '{db}' is damaged")
    db.unlink()
    proc = fake.pydock("eval", "--packages", str(fake.index), "--json", "-E", HELLO, env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == fake.out("hello")
