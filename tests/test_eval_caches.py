"""The evaluator's accelerators change nothing but speed: the on-disk parse cache and the
generated fused-closure shapes.

The outputs compared here come from real ``nix-instantiate`` (the oracle) where Nix defines
them; the cache's own guarantees (a hit is used, a damaged entry is re-parsed, lint warnings
are never swallowed) are checked on pydock's behaviour.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydock.evaluator import fused
from pydock.evaluator.parse_cache import _cache_dir

from nix_compat_tests.support import require_tool

REPO = Path(__file__).resolve().parents[1]


def _pydock(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pydock.cli", *args], capture_output=True, text=True, env=env)


@pytest.fixture
def cache_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env["NIX_PATH"] = ""
    return env


def test_fused_shapes_module_is_current() -> None:
    """``fused_shapes.py`` is generated; an edit to the generator must regenerate it."""
    assert Path(fused.SHAPES_FILE).read_text(encoding="utf-8") == fused.generate(), (
        "run: python -m pydock.evaluator.fused"
    )


def test_parse_cache_hit_gives_the_same_result_as_nix(cache_env: dict[str, str], tmp_path: Path) -> None:
    nix = require_tool("nix-instantiate")
    f = tmp_path / "f.nix"
    f.write_text('let p = ./sub/x; f = { a, b ? 2 }: a * b - 1; in { v = f { a = 21; }; p = "${toString p}"; }\n')
    expected = subprocess.run([nix, "--eval", "--strict", str(f)], capture_output=True, text=True, env=cache_env)
    assert expected.returncode == 0, expected.stderr
    first = _pydock(cache_env, "eval", "--strict", str(f))
    entries = list(Path(_cache_dir_for(cache_env)).glob("*.pickle"))
    assert entries, "the first run stored the parsed file"
    second = _pydock(cache_env, "eval", "--strict", str(f))
    assert first.stdout == second.stdout == expected.stdout
    # a damaged entry is parsed again and replaced, never an error
    for e in entries:
        e.write_bytes(b"not a pickle")
    third = _pydock(cache_env, "eval", "--strict", str(f))
    assert third.returncode == 0 and third.stdout == expected.stdout, third.stderr


def test_parse_cache_keeps_lint_warnings(cache_env: dict[str, str], tmp_path: Path) -> None:
    """A lint prints while parsing: with a lint on, the parse is never answered from the cache."""
    f = tmp_path / "lint.nix"
    f.write_text("/etc\n")
    _pydock(cache_env, "eval", str(f))  # fills the cache with lints off
    warned = _pydock(cache_env, "eval", "--option", "lint-absolute-path-literals", "warn", str(f))
    assert warned.returncode == 0, warned.stderr
    assert "absolute path literals are not portable" in warned.stderr


def _cache_dir_for(env: dict[str, str]) -> str:
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = env["XDG_CACHE_HOME"]
    try:
        return _cache_dir()
    finally:
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old
