"""A derivation whose input is an index package that is not in the store names the package in its error.

The fake nixpkgs' paths exist in real Nix's /nix/store but not in a fresh pydock store;
without a substituter (or with one that lacks them) writing the ``.drv`` must fail with
the path, the index attribute it came from, no traceback, and no ``.drv`` left behind.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packages_support import FakeIndex

EXPR = 'with import <nixpkgs> { }; runCommand "uses-busybox" { } "${busybox}/bin/busybox true > $out"'


@pytest.mark.parametrize("cache", ["none", "empty"])
def test_missing_index_input_names_its_attribute(fake: FakeIndex, tmp_path: Path, cache: str) -> None:
    store = tmp_path / "store"
    if cache == "none":
        where = ["--no-substitute"]
        tail = "is not valid"
    else:
        empty = tmp_path / "cache"
        empty.mkdir()
        (empty / "nix-cache-info").write_text("StoreDir: /nix/store\n")
        where = ["--substituters", f"file://{empty}"]
        tail = "does not exist and cannot be created"
    proc = fake.pydock("instantiate", "--store", str(store), *where, "--packages", str(fake.index), "-E", EXPR)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first == f"error: path '{fake.out('busybox')}' (attribute 'busybox' of the package index) {tail}"
    assert not list((store / "nix" / "store").glob("*-uses-busybox.drv"))
