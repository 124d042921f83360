"""Store path computation checked against nix-store --add/--add-fixed and nix-instantiate."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from pydock.store.base32 import decode_base32
from pydock.store.hashes import HASH_SIZES, Hash, hash_bytes
from pydock.store.paths import (
    BadStorePath,
    FileIngestionMethod,
    StoreDir,
    check_name,
    store_path_hash_part,
    store_path_name,
)
from store_nixtools import Nix, NixFailed, make_tree, make_writable, nix_str

STORE = StoreDir()


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sources to import: a tricky tree plus single files and a top-level symlink."""
    base = tmp_path_factory.mktemp("src")
    make_tree(base / "tree")
    (base / "plain.txt").write_bytes(b"plain file\n")
    exe = base / "run.sh"
    exe.write_bytes(b"#!/bin/sh\necho hi\n")
    exe.chmod(0o755)
    (base / "empty").write_bytes(b"")
    (base / "link").symlink_to("plain.txt")
    (base / "dir.with-name_1+2=3?").mkdir()
    (base / "dir.with-name_1+2=3?" / "f").write_bytes(b"f\n")
    return base


SOURCES = ["tree", "plain.txt", "run.sh", "empty", "link", "dir.with-name_1+2=3?", "tree/d1"]


@pytest.mark.parametrize("rel", SOURCES)
def test_add_matches_source_path(nix: Nix, src: Path, rel: str) -> None:
    (expected,) = nix.store("--add", str(src / rel)).decode().split()
    assert STORE.source_path(src / rel) == expected
    path, h = STORE.compute_path_for_path(Path(rel).name, src / rel)
    assert path == expected and h.algo == "sha256"


@pytest.mark.parametrize("algo", sorted(HASH_SIZES))
@pytest.mark.parametrize("recursive", [False, True])
def test_add_fixed_matches(nix: Nix, src: Path, algo: str, recursive: bool) -> None:
    rels = ["plain.txt", "run.sh", "empty"] + (["tree", "link"] if recursive else [])
    flag = ["--recursive"] if recursive else []
    expected = nix.store("--add-fixed", *flag, algo, *(str(src / r) for r in rels)).decode().split()
    method = FileIngestionMethod.RECURSIVE if recursive else FileIngestionMethod.FLAT
    ours = [STORE.compute_path_for_path(Path(r).name, src / r, method, algo)[0] for r in rels]
    assert ours == expected


def test_to_file_text_paths(nix: Nix) -> None:
    cases = {
        "name": "content",
        "empty": "",
        "unicode-content": "ünïcödé ✓\n",
        "script.sh": '#!/bin/sh\necho "$HOME" \\ ${x}\n\ttab\r\n',
        "x" * 211: "longest allowed name",
        "a.b-c_d+e=f?g": "all punctuation Nix allows",
    }
    exprs = [f"(builtins.toFile {nix_str(n)} {nix_str(c)})" for n, c in cases.items()]
    expected = nix.eval_json("[" + " ".join(exprs) + "]")
    ours = [STORE.text_path(n, c) for n, c in cases.items()]
    assert ours == expected


def test_to_file_with_references(nix: Nix, src: Path) -> None:
    expr = f"""
      let
        dep1 = builtins.toFile "dep1" "one";
        dep2 = builtins.toFile "dep2" "two";
        srcp = {src / "plain.txt"};
        both = builtins.toFile "both" "${{dep2}} and ${{dep1}} and ${{srcp}}";
        nested = builtins.toFile "nested" "uses ${{both}}";
      in [ dep1 dep2 "${{srcp}}" both nested ]
    """
    dep1, dep2, srcp, both, nested = nix.eval_json(expr)
    assert STORE.text_path("dep1", "one") == dep1
    assert STORE.source_path(src / "plain.txt") == srcp
    assert STORE.text_path("both", f"{dep2} and {dep1} and {srcp}", [srcp, dep1, dep2]) == both
    assert STORE.text_path("nested", f"uses {both}", {both}) == nested
    content_hash = Hash.parse_any_prefixed(hash_bytes("sha256", f"uses {both}").to_string("base16", True))
    assert STORE.make_text_path("nested", content_hash, [both]) == nested


def test_builtins_path_with_name_and_filter(nix: Nix, src: Path) -> None:
    tree = src / "tree"
    expr = f"""[
      (builtins.path {{ path = {tree}; name = "renamed"; }})
      (builtins.path {{
        path = {tree};
        name = "filtered";
        filter = p: t: builtins.match ".*/(d2|size-.*)" p == null && t != "symlink";
      }})
      (builtins.filterSource (p: t: t == "directory") {tree})
      "${{{tree / "d1"}}}"
    ]"""
    renamed, filtered, dirs_only, interp = nix.eval_json(expr)
    link_names = {"link-rel", "link-abs", "link-dangling", "link-up", "link-long"}

    def keep(p: str) -> bool:
        return re.fullmatch(r".*/(d2|size-.*)", p) is None and Path(p).name not in link_names

    def only_dirs(p: str) -> bool:
        return stat.S_ISDIR(os.lstat(p).st_mode)

    assert STORE.source_path(tree, "renamed") == renamed
    assert STORE.source_path(tree, "filtered", keep) == filtered
    assert STORE.source_path(tree, filter=only_dirs) == dirs_only
    assert STORE.source_path(tree / "d1") == interp


def test_custom_store_dir(nix_bins: dict[str, str], src: Path, tmp_path: Path) -> None:
    other = Nix(nix_bins, tmp_path / "root", store_dir="/foo/bar-store")
    store = StoreDir("/foo/bar-store")
    try:
        (text,) = [other.eval_json('builtins.toFile "n" "c"')]
        assert text.startswith("/foo/bar-store/") and store.text_path("n", "c") == text
        (added,) = other.store("--add", str(src / "tree")).decode().split()
        assert store.source_path(src / "tree") == added
        (fixed,) = other.store("--add-fixed", "sha1", str(src / "plain.txt")).decode().split()
        (flat,) = other.lines("nix-hash", "--flat", "--type", "sha1", str(src / "plain.txt"))
        h = Hash.parse_any(flat, "sha1")
        assert store.make_fixed_output_path(FileIngestionMethod.FLAT, h, "plain.txt") == fixed
        assert STORE.text_path("n", "c") != text.replace("/foo/bar-store", "/nix/store")
    finally:
        make_writable(tmp_path)


@pytest.mark.parametrize(
    "name",
    ["", "a b", "x" * 212, "semi;colon", "new\nline", "slash/x", "ümlaut-free-ascii-only-é"],
)
def test_invalid_names_worded_as_nix(nix: Nix, name: str) -> None:
    with pytest.raises(NixFailed) as nix_err:
        nix.eval_json(f'builtins.toFile {nix_str(name)} "content"')
    with pytest.raises(BadStorePath) as ours:
        STORE.text_path(name, "content")
    if name.isascii():
        assert str(ours.value) == nix_err.value.error
    else:
        # Nix quotes the first offending *byte*; we quote the character.
        assert str(ours.value).split(" contains ")[0] == nix_err.value.error.split(" contains ")[0]


@pytest.mark.parametrize(
    "path",
    [
        "/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x",
        "/nix/store/short",
        "/nix/store/0000000000000000000000000000000",
        "/nix/store/00000000000000000000000000000000-a b",
        "/nix/store/00000000000000000000000000000000-",
    ],
)
def test_store_path_parse_errors_worded_as_nix(nix: Nix, path: str) -> None:
    with pytest.raises(NixFailed) as nix_err:
        nix.store("--query", "--hash", path)
    with pytest.raises(BadStorePath) as ours:
        STORE.parse_store_path(path)
    assert str(ours.value) == nix_err.value.error
    assert not STORE.is_store_path(path)


def test_store_path_parts(nix: Nix, src: Path) -> None:
    (added,) = nix.store("--add", str(src / "run.sh")).decode().split()
    # A sub-path and a non-canonical spelling resolve to the same registered path for Nix too.
    sub = nix.store("--query", "--hash", added + "/../" + added.rsplit("/", 1)[1])
    assert sub == nix.store("--query", "--hash", added)
    assert STORE.parse_store_path(added + "/../" + added.rsplit("/", 1)[1]) == added.rsplit("/", 1)[1]
    assert STORE.is_store_path(added) and STORE.is_in_store(added + "/x")
    assert STORE.to_store_path(added + "/bin/sh") == added
    hash_part = store_path_hash_part(added)
    assert added == f"/nix/store/{hash_part}-{store_path_name(added)}"
    assert len(decode_base32(hash_part)) == 20
    check_name(store_path_name(added))
