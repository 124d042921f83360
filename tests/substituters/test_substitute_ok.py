"""Substituting real Nix-made caches into fresh pydock stores; real Nix checks the result."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from cache_fixture import BinaryCaches, HttpServer, isolated_env, nix_closure, nix_verify, pydock, valid_paths
from pydock.store.local import LocalStore
from pydock.store.settings import load_settings
from pydock.store.substitute import open_store


def _open(root: Path, substituters: str, key: str, *options: tuple[str, str]) -> LocalStore:
    settings = load_settings(list(options), substituters=substituters, trusted_public_keys=key, read_files=False)
    warnings: list[str] = []
    store = open_store(str(root), settings, warn=warnings.append)
    store.test_warnings = warnings  # type: ignore[attr-defined]
    return store


@pytest.mark.parametrize(
    ("compression", "transport"), [("xz", "http"), ("zstd", "file"), ("bzip2", "http"), ("none", "file")]
)
def test_ensure_valid_fetches_the_closure(
    binary_caches: BinaryCaches, cache_server: HttpServer, fresh_root: Path, compression: str, transport: str
) -> None:
    uri = f"{cache_server.url}/{compression}" if transport == "http" else binary_caches.file_uri(compression)
    store = _open(fresh_root, uri, binary_caches.public_key)
    app = binary_caches.paths["app"]
    store.ensure_valid([app])
    store.close()
    nix_verify(fresh_root)
    assert nix_closure(fresh_root, app) == binary_caches.closures["app"]
    assert valid_paths(fresh_root) == binary_caches.closures["app"]
    info = LocalStore(str(fresh_root)).query_path_info(app)
    assert any(s.startswith("pydock-test-1:") for s in info.sigs)
    assert info.deriver == binary_caches.drv_paths["app"]
    # the wrapper still runs from the substituted tree's files
    assert (fresh_root / app[1:] / "bin" / "app").read_text() == (Path(app) / "bin" / "app").read_text()


def test_already_valid_paths_are_not_fetched_again(binary_caches: BinaryCaches, fresh_root: Path) -> None:
    store = _open(fresh_root, binary_caches.file_uri("xz"), binary_caches.public_key)
    store.ensure_valid([binary_caches.paths["busybox"]])
    # a second call with a cache that is gone must not need it
    store.substituters = []
    store.ensure_valid([binary_caches.paths["busybox"]])
    assert valid_paths(fresh_root) == {binary_caches.paths["busybox"]}


def test_instantiate_substitutes_store_path_inputs(
    binary_caches: BinaryCaches, cache_server: HttpServer, tmp_path: Path
) -> None:
    root = tmp_path / "store"
    app = binary_caches.paths["app"]
    expr = (
        'derivation { name = "uses-app"; system = builtins.currentSystem; builder = "/bin/sh";'
        f' args = [ "-c" "${{builtins.storePath "{app}"}}/bin/app > $out" ]; }}'
    )
    p = pydock(
        "instantiate", "--store", str(root), "--substituters", f"{cache_server.url}/zstd",
        "--trusted-public-keys", binary_caches.public_key, "-E", expr, env=isolated_env(tmp_path),
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    drv = p.stdout.strip()
    nix_verify(root)
    assert nix_closure(root, drv) == binary_caches.closures["app"] | {drv}
    # real Nix instantiates the same expression to the same .drv
    nix = subprocess.run(
        ["nix-instantiate", "--option", "substituters", "", "-E", expr], capture_output=True, text=True, check=True
    )
    assert nix.stdout.strip() == drv


def test_build_substitutes_a_derivation_output_instead_of_building_it(
    binary_caches: BinaryCaches, cache_server: HttpServer, tmp_path: Path
) -> None:
    root = tmp_path / "store"
    assert binary_caches.expression_file is not None
    p = pydock(
        "build", "--store", str(root), "--substituters", f"{cache_server.url}/xz",
        "--trusted-public-keys", binary_caches.public_key, str(binary_caches.expression_file), "-A", "built",
        "--no-out-link", env=isolated_env(tmp_path),
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = binary_caches.paths["built"]
    assert p.stdout.split() == [str(root) + out]
    assert (root / out[1:]).read_text() == "built by nix\n"
    store = LocalStore(str(root))
    info = store.query_path_info(out)
    # fetched, not built: the cache's signature is recorded and no build log exists
    assert any(s.startswith("pydock-test-1:") for s in info.sigs)
    assert not info.ultimate
    assert not os.path.exists(store.build_log_path(binary_caches.drv_paths["built"]))
    # the instantiated .drv is valid and names the output, as Nix's queryValidDerivers reads the DB
    db = sqlite3.connect(f"file:{root}/nix/var/nix/db/db.sqlite?mode=ro", uri=True)
    sql = "select v.path from DerivationOutputs d join ValidPaths v on d.drv = v.id where d.path = ?"
    try:
        assert [r[0] for r in db.execute(sql, (out,))] == [binary_caches.drv_paths["built"]]
    finally:
        db.close()
    nix_verify(root)


def test_local_nix_store_as_substituter(binary_caches: BinaryCaches, fresh_root: Path) -> None:
    app = binary_caches.paths["app"]
    store = _open(fresh_root, "local?root=/", "")
    store.ensure_valid([app])
    store.close()
    nix_verify(fresh_root)
    assert nix_closure(fresh_root, app) == binary_caches.closures["app"]


def test_a_plain_absolute_path_is_a_local_store(binary_caches: BinaryCaches, fresh_root: Path, tmp_path: Path) -> None:
    """A pydock store filled from a cache serves another pydock store (``/path`` = ``local?root=/path``)."""
    first = tmp_path / "first"
    s1 = _open(first, binary_caches.file_uri("xz"), binary_caches.public_key)
    s1.ensure_valid([binary_caches.paths["tools"]])
    s1.close()
    s2 = _open(fresh_root, str(first), "")
    s2.ensure_valid([binary_caches.paths["tools"]])
    s2.close()
    nix_verify(fresh_root)
    assert nix_closure(fresh_root, binary_caches.paths["tools"]) == binary_caches.closures["tools"]


def test_an_unreachable_cache_is_one_warning_and_the_next_cache_serves(
    binary_caches: BinaryCaches, tmp_path: Path
) -> None:
    root = tmp_path / "store"
    app = binary_caches.paths["app"]
    expr = f'builtins.toFile "x" "${{builtins.storePath "{app}"}}"'
    p = pydock(
        "instantiate", "--store", str(root), "--substituters", f"http://127.0.0.1:1 {binary_caches.file_uri('xz')}",
        "--trusted-public-keys", binary_caches.public_key, "-E",
        f'derivation {{ name = "d"; system = "x"; builder = "/bin/sh"; f = {expr}; }}', env=isolated_env(tmp_path),
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("warning: unable to download 'http://127.0.0.1:1/nix-cache-info'") == 1, p.stderr
    assert nix_closure(root, app) == binary_caches.closures["app"]


def test_no_substitute_keeps_the_store_offline(binary_caches: BinaryCaches, tmp_path: Path) -> None:
    app = binary_caches.paths["app"]
    root = tmp_path / "store"
    p = pydock(
        "instantiate", "--store", str(root), "--no-substitute", "--substituters", binary_caches.file_uri("xz"),
        "--trusted-public-keys", binary_caches.public_key, "-E", f'builtins.storePath "{app}"',
        env=isolated_env(tmp_path),
    )  # fmt: skip
    assert p.returncode == 1
    assert f"error: path '{app}' does not exist and cannot be created" in p.stderr
    assert "Traceback" not in p.stderr
    assert valid_paths(root) == set()


def test_eval_stays_read_only(binary_caches: BinaryCaches, tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    conf = Path(env["XDG_CONFIG_HOME"]) / "nix" / "nix.conf"
    conf.write_text(
        f"substituters = {binary_caches.file_uri('xz')}\ntrusted-public-keys = {binary_caches.public_key}\n"
    )
    env["PYDOCK_STORE"] = str(tmp_path / "store")
    p = pydock("eval", "-E", f'builtins.storePath "{binary_caches.paths["busybox"]}"', env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f'"{binary_caches.paths["busybox"]}"'
    assert not (tmp_path / "store").exists()


def test_build_goes_on_locally_when_the_cache_is_unreachable(tmp_path: Path) -> None:
    """One warning for the dead cache, then the (builtin:fetchurl) derivation is built here."""
    src = tmp_path / "payload.txt"
    src.write_text("local build\n")
    sha = subprocess.run(
        ["nix-hash", "--flat", "--type", "sha256", "--base32", str(src)], capture_output=True, text=True, check=True
    ).stdout.strip()
    root = tmp_path / "store"
    expr = f'import <nix/fetchurl.nix> {{ url = "file://{src}"; sha256 = "{sha}"; }}'
    p = pydock(
        "build", "--store", str(root), "--no-out-link", "--substituters", "http://127.0.0.1:1 http://127.0.0.1:2",
        "-E", expr, env=isolated_env(tmp_path),
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("warning: unable to download") == 2, p.stderr  # one per cache, not one per path
    assert Path(p.stdout.strip()).read_text() == "local build\n"
    nix_verify(root)


def test_progress_line_on_a_terminal_quiet_in_a_pipe(binary_caches: BinaryCaches, tmp_path: Path) -> None:
    import pty
    import re

    app = binary_caches.paths["app"]
    settings = load_settings(
        substituters=binary_caches.file_uri("zstd"), trusted_public_keys=binary_caches.public_key, read_files=False
    )
    master, slave = pty.openpty()
    with os.fdopen(slave, "w") as tty:
        store = open_store(str(tmp_path / "tty-store"), settings, progress_stream=tty)
        store.ensure_valid([app])
        store.close()
    shown = os.read(master, 1 << 16).decode()
    os.close(master)
    n = len(binary_caches.closures["app"])
    assert re.search(rf"\[{n}/{n} paths, [\d.]+/[\d.]+ MiB, [\d.]+ MB/s\]", shown), shown
    r, w = os.pipe()
    with os.fdopen(w, "w") as pipe:
        store = open_store(str(tmp_path / "pipe-store"), settings, progress_stream=pipe)
        store.ensure_valid([app])
        store.close()
    with os.fdopen(r) as f:
        assert f.read() == ""
