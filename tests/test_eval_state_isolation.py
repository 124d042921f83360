"""Two ``EvalState``s in one process answer from their own store, search path and settings.

Builtins that need the evaluation state get it bound by the state that made them
(``registry.primop(needs_state=True)``), and paths are copied into the store of the state
whose code interpolates them, so making a second state must not change what the first sees
(formerly a module global held "the" state, and the last one made won).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydock.evaluator.builtins.diagnostics import AbortOnWarn
from pydock.evaluator.errors import NixError, Source
from pydock.evaluator.settings import EvalSettings
from pydock.evaluator.state import EvalState
from pydock.evaluator.values import force


def _eval(state: EvalState, text: str, base_dir: str) -> object:
    v = state.eval_source(Source("«string»", text, "string"), base_dir)
    return str(force(v))


def _tree(root: Path, name: str) -> Path:
    """A search-path directory whose ``lib/which.nix`` says ``name``."""
    (root / name / "lib").mkdir(parents=True)
    (root / name / "lib" / "which.nix").write_text(f'"{name}"\n')
    (root / name / "data.txt").write_text(f"{name}\n")
    return root / name


@pytest.fixture
def states(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[EvalState, EvalState, EvalState, Path, Path]:
    """a: impure, /nix/store; b: another store dir, system and search path, abort-on-warn; c: pure."""
    monkeypatch.delenv("NIX_PATH", raising=False)
    monkeypatch.setenv("PYDOCK_ISOLATION_PROBE", "visible")
    a_dir, b_dir = _tree(tmp_path, "a"), _tree(tmp_path, "b")
    pure = EvalSettings()
    pure.set("pure-eval", "true")
    strict_warn = EvalSettings()
    strict_warn.set("abort-on-warn", "true")
    a = EvalState(search_path=[f"probe={a_dir}"], store_dir="/nix/store", system="x86_64-linux")
    b = EvalState(
        search_path=[f"probe={b_dir}"], store_dir=str(tmp_path / "other" / "store"), system="aarch64-linux",
        settings=strict_warn,
    )  # fmt: skip
    c = EvalState(search_path=[f"probe={a_dir}"], settings=pure)  # made last: it must not leak into a or b
    return a, b, c, a_dir, b_dir


def test_constants_and_search_path_are_per_state(states: tuple[EvalState, EvalState, EvalState, Path, Path]) -> None:
    a, b, c, a_dir, b_dir = states
    cwd = os.getcwd()
    assert _eval(a, "builtins.storeDir", cwd) == "/nix/store"
    assert _eval(b, "builtins.storeDir", cwd).endswith("/other/store")
    assert _eval(a, "builtins.currentSystem", cwd) == "x86_64-linux"
    assert _eval(b, "builtins.currentSystem", cwd) == "aarch64-linux"
    # builtins.findFile, <…> lookups and import answer from each state's own search path
    assert _eval(a, 'toString (builtins.findFile builtins.nixPath "probe")', cwd) == str(a_dir)
    assert _eval(b, 'toString (builtins.findFile builtins.nixPath "probe")', cwd) == str(b_dir)
    assert _eval(a, "import <probe/lib/which.nix>", cwd) == "a"
    assert _eval(b, "import <probe/lib/which.nix>", cwd) == "b"
    with pytest.raises(NixError, match="in pure evaluation mode"):
        _eval(c, "import <probe/lib/which.nix>", cwd)  # pure mode: no search path at all
    assert _eval(a, "builtins.readFile <probe/data.txt>", cwd) == "a\n"
    assert _eval(b, "builtins.readFile <probe/data.txt>", cwd) == "b\n"


def test_paths_are_copied_into_their_own_store(states: tuple[EvalState, EvalState, EvalState, Path, Path]) -> None:
    a, b, _, a_dir, _ = states
    text = '"${./data.txt}"'
    in_a = _eval(a, text, str(a_dir))
    in_b = _eval(b, text, str(a_dir))  # the same file, interpolated by b's code
    assert in_a.startswith("/nix/store/") and in_a.endswith("-data.txt")
    assert in_b.startswith(b.store_dir + "/") and in_b.endswith("-data.txt")
    assert {str(v) for v in a.src_to_store.values()} == {in_a}  # each state's own copy, once
    assert {str(v) for v in b.src_to_store.values()} == {in_b}
    # builtins that coerce paths copy through their own state as well
    assert _eval(b, "builtins.toJSON ./data.txt", str(a_dir)) == f'"{in_b}"'
    assert _eval(a, 'builtins.concatStringsSep "" [ ./data.txt ]', str(a_dir)) == in_a


def test_settings_are_per_state(states: tuple[EvalState, EvalState, EvalState, Path, Path]) -> None:
    a, b, c, _, _ = states
    cwd = os.getcwd()
    assert _eval(a, 'builtins.warn "w" "kept"', cwd) == "kept"  # a: abort-on-warn off
    with pytest.raises(AbortOnWarn):
        _eval(b, 'builtins.warn "w" "kept"', cwd)
    assert _eval(c, 'builtins.getEnv "PYDOCK_ISOLATION_PROBE"', cwd) == ""
    assert _eval(a, 'builtins.getEnv "PYDOCK_ISOLATION_PROBE"', cwd) == "visible"
    with pytest.raises(NixError, match="not allowed in pure evaluation mode"):
        _eval(c, 'builtins.storePath "/nix/store/00000000000000000000000000000000-x"', cwd)
    # the same builtin in an impure state (its compute-only store takes the path as it is)
    assert _eval(a, 'builtins.storePath "/nix/store/00000000000000000000000000000000-x"', cwd).endswith("-x")
