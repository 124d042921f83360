"""Shared helpers of the package-index tests: real Nix builds the packages and writes the index.

The fake nixpkgs (``fake_nixpkgs/default.nix``) is built once per session by
real ``nix-build`` into ``/nix/store`` (its outputs are real files, copied from
Debian's static busybox and bash), and ``nix-env -qaP --json --out-path --meta``
writes the index pydock reads.  Both are the oracles: real Nix evaluating the
same directory says what every ``outPath``, ``name`` and ``meta`` must be.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from nix_compat_tests.support import require_tool, unavailable

HERE = Path(__file__).resolve().parent
FAKE_NIXPKGS = HERE / "fake_nixpkgs"
REPO = HERE.parents[1]
TIMEOUT = 300


def nix_env() -> dict[str, str]:
    """Real Nix without a daemon or substituters (builds are local, from /bin/busybox)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIX_")}
    env["NIX_CONFIG"] = "substituters =\nsandbox = false"
    return env


def run(cmd: list[str], env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=TIMEOUT, check=False, **kw)


@dataclass(frozen=True)
class FakeIndex:
    """The built fake nixpkgs and its index as nix-env printed it."""

    nixpkgs: Path
    index: Path
    entries: dict
    cache_home: Path

    def pydock_env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PYDOCK_PACKAGES", None)
        env["XDG_CACHE_HOME"] = str(self.cache_home)
        env.update(extra)
        return env

    def pydock(self, *args: str, env: dict[str, str] | None = None, cwd: str | None = None):
        return run([sys.executable, "-m", "pydock.cli", *args], env or self.pydock_env(), cwd=cwd)

    def out(self, attr: str, output: str | None = None) -> str:
        e = self.entries[attr]
        return e["outputs"][output or e["outputName"]]


def build_fake_index(work: Path) -> FakeIndex:
    """nix-build the fake nixpkgs (kept alive by a GC root in ``work``) and index it with nix-env."""
    nix_build = require_tool("nix-build")
    for static in ("/bin/busybox", "/bin/bash-static"):
        if not os.path.exists(static):
            unavailable(f"{static} (Debian busybox-static, bash-static) is what the fake packages are made of")
    proc = run([nix_build, str(FAKE_NIXPKGS), "-o", str(work / "result")], nix_env())
    assert proc.returncode == 0, proc.stderr
    proc = run([require_tool("nix-env"), "-f", str(FAKE_NIXPKGS), "-qaP", "--json", "--out-path", "--meta"], nix_env())
    assert proc.returncode == 0, proc.stderr
    index = work / "index.json"
    index.write_text(proc.stdout)
    cache = work / "cache"
    cache.mkdir()
    return FakeIndex(FAKE_NIXPKGS, index, json.loads(proc.stdout), cache)


def nix_eval_json(expr: str) -> object:
    """``nix-instantiate --eval --strict --json`` (the oracle); raises on failure."""
    proc = run([require_tool("nix-instantiate"), "--eval", "--strict", "--json", "-E", expr], nix_env())
    if proc.returncode != 0:
        raise AssertionError(f"nix-instantiate failed on:\n{expr}\n--- stderr ---\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)


def import_closure(store_root: Path, paths: list[str]) -> None:
    """Make ``paths`` and their closure valid in pydock's store at ``store_root`` the way a
    substituter would: NARs from ``nix-store --dump``, hashes and references from ``nix-store -q``."""
    from pydock.store.hashes import Hash
    from pydock.store.local import LocalStore, ValidPathInfo

    nix_store = require_tool("nix-store")

    def query(*args: str) -> list[str]:
        proc = run([nix_store, *args], nix_env())
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()

    closure = query("-qR", *paths)
    refs = {p: set(query("-q", "--references", p)) for p in closure}
    order: list[str] = []
    done: set[str] = set()

    def visit(p: str) -> None:
        if p in done:
            return
        done.add(p)
        for r in sorted(refs[p] - {p}):
            visit(r)
        order.append(p)

    for p in sorted(closure):
        visit(p)
    store = LocalStore(str(store_root))
    try:
        for p in order:
            nar = subprocess.run([nix_store, "--dump", p], capture_output=True, check=True, env=nix_env()).stdout
            (nar_hash,) = query("-q", "--hash", p)
            info = ValidPathInfo(
                path=p, nar_hash=Hash.parse_any_prefixed(nar_hash), nar_size=len(nar), references=refs[p]
            )
            store.add_nar(info, nar)
    finally:
        store.close()


# Packages of the fake nixpkgs that the image tests take from a binary cache.
CACHED_PACKAGES = ("bash", "bashInteractive", "busybox", "coreutils", "cacert")


@dataclass(frozen=True)
class ServedCache:
    """A binary cache made by real Nix (``nix copy``, signed, zstd) served by ``python3 -m http.server``."""

    url: str
    public_key: str

    def closure(self, *paths: str) -> set[str]:
        """Real Nix's ``nix-store -qR`` of ``paths`` (in /nix/store, where the fake packages were built)."""
        proc = run([require_tool("nix-store"), "-qR", *paths], nix_env())
        assert proc.returncode == 0, proc.stderr
        return set(proc.stdout.split())


def serve_cache(fake: FakeIndex, work: Path):
    """Generator of a :class:`ServedCache` holding :data:`CACHED_PACKAGES`; stops the server afterwards."""
    sys.path.insert(0, str(REPO / "tests" / "substituters"))
    from cache_fixture import HttpServer

    nix_store = require_tool("nix-store")
    sk, pk = work / "secret.key", work / "public.key"
    proc = run([nix_store, "--generate-binary-cache-key", "pydock-index-test-1", str(sk), str(pk)], nix_env())
    assert proc.returncode == 0, proc.stderr
    cache = work / "www" / "cache"
    proc = run(
        [require_tool("nix"), "--extra-experimental-features", "nix-command", "copy",
         "--to", f"file://{cache}?compression=zstd&secret-key={sk}", *(fake.out(p) for p in CACHED_PACKAGES)],
        nix_env(),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    server = HttpServer(work / "www")
    try:
        yield ServedCache(f"{server.url}/cache", pk.read_text().strip())
    finally:
        server.stop()
