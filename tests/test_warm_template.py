"""The warm server's compiled template (``evaluator/state.py``): code is shared, values never are.

The server compiles files into a template ``EvalState`` that never evaluates; a forked child's
first state adopts it when the run's base environment is the same.  These tests run the same
steps in one process: adoption takes the run's configuration and per-run constants, keeps the
compiled code (except code that captured a per-run constant), refuses a state that has
evaluated anything or whose globals would differ, and an edited file is compiled again.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydock.evaluator import parse_cache, state
from pydock.evaluator.builtins.core import force_deep
from pydock.evaluator.errors import NixError, Source
from pydock.evaluator.printer import print_value
from pydock.evaluator.settings import EvalSettings
from pydock.evaluator.state import PRELUDE_DIR, EvalState, new_state
from pydock.evaluator.values import call_function, force


@pytest.fixture(autouse=True)
def _no_process_template(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test makes its own template; the process' own (none outside the server) is restored."""
    monkeypatch.setattr(state, "_template", None)
    monkeypatch.setattr(state, "adopted_template", False)
    monkeypatch.delenv("NIX_PATH", raising=False)
    saved = dict(parse_cache._MEMORY)
    yield
    parse_cache._MEMORY.clear()
    parse_cache._MEMORY.update(saved)


def _keep(path: Path) -> object:
    """Hold ``path``'s parse in memory as the server does (its id is the compiled code's key)."""
    return parse_cache.preload(Source(str(path), path.read_text(), "file"), str(path.parent))


def _template(*files: Path) -> EvalState:
    t = state.make_template()
    for f in files:
        t.compile_file(_keep(f))
    return t


def _show(st: EvalState, path: Path) -> str:
    v = st.eval_file(str(path))
    force_deep(v)
    return print_value(v)


def test_adoption_takes_the_runs_configuration_and_keeps_the_code(tmp_path: Path) -> None:
    prog = tmp_path / "prog.nix"
    prog.write_text("{ x = builtins.storeDir; l = map (n: n * 2) [ 1 2 ]; }\n")
    t = _template(prog)
    node = _keep(prog)
    code = t.compiled[id(node)][1]
    settings = EvalSettings()
    settings.set("max-call-depth", "77")
    st = new_state(search_path=[f"probe={tmp_path}"], settings=settings)
    assert st is t and state.adopted_template
    assert st.settings is settings and st.search_path == [("probe", str(tmp_path))]
    assert st.compile_file(node) is code  # not compiled again
    assert _show(st, prog) == '{ l = [ 2 4 ]; x = "/nix/store"; }'
    # the per-run constants are the run's, in the base environment and in `builtins`
    assert st.globals["__nixPath"] == [{"path": str(tmp_path), "prefix": "probe"}]
    assert st.globals["builtins"]["nixPath"] is st.globals["__nixPath"]
    assert abs(st.globals["builtins"]["currentTime"] - time.time()) < 5
    # a template is used once per process: the next state is a new one
    assert new_state() is not t


def test_code_that_captured_a_per_run_constant_is_not_kept(tmp_path: Path) -> None:
    uses_path = tmp_path / "np.nix"
    uses_path.write_text("builtins.nixPath ++ __nixPath\n")  # strict operands: read when compiling
    uses_time = tmp_path / "time.nix"
    uses_time.write_text("[ (builtins.currentTime + 0) ]\n")
    lazy = tmp_path / "lazy.nix"
    lazy.write_text("x: let b = builtins; in [ b.currentTime ]\n")  # read when run: kept
    t = _template(uses_path, uses_time, lazy)
    assert id(_keep(uses_path)) not in t.compiled and id(_keep(uses_time)) not in t.compiled
    assert id(_keep(lazy)) in t.compiled
    time.sleep(1.1)  # a second later: a captured time would show
    st = new_state(search_path=[f"probe={tmp_path}"])
    assert st is t
    entry = f'{{ path = "{tmp_path}"; prefix = "probe"; }}'
    assert _show(st, uses_path) == f"[ {entry} «repeated» ]"  # the same value twice
    now = st.globals["__currentTime"]
    assert now >= int(time.time()) - 1
    assert _show(st, uses_time) == f"[ {now} ]"
    assert force(call_function(st.eval_file(str(lazy)), 0)[0]) == now


def test_an_edited_file_is_compiled_again(tmp_path: Path) -> None:
    prog = tmp_path / "edited.nix"
    prog.write_text("{ v = 1; }\n")
    t = _template(prog)
    prog.write_text("{ v = 2; }\n")  # same size: only the text tells
    st = new_state()
    assert st is t
    assert _show(st, prog) == "{ v = 2; }"


def test_a_state_that_evaluated_is_never_adopted(tmp_path: Path) -> None:
    prog = tmp_path / "p.nix"
    prog.write_text('{ s = "${./p.nix}"; }\n')
    used = EvalState()
    used.eval_file(str(prog))  # a value in file_cache
    assert not used.adopt()
    copied = EvalState()
    copied.eval_string('"${./p.nix}"', str(tmp_path))  # a path in src_to_store
    assert not copied.adopt()
    derived = EvalState()
    derived.eval_string('(derivation { name = "x"; system = "s"; builder = "b"; }).type', "/")
    assert derived.file_cache == {} and not derived.adopt()  # `derivation` was evaluated


@pytest.mark.parametrize(
    "kwargs",
    [
        {"settings": "pure-eval"},  # no currentTime, currentSystem: other globals
        {"settings": "features"},  # more builtins
        {"store_dir": "/other/store"},
        {"system": "riscv64-linux"},
    ],
)
def test_a_run_with_other_globals_gets_a_new_state(kwargs: dict, tmp_path: Path) -> None:
    t = _template(Path(PRELUDE_DIR) / "lib" / "default.nix")
    s = kwargs.get("settings")
    if s is not None:
        settings = EvalSettings()
        if s == "pure-eval":
            settings.set("pure-eval", "true")
        else:
            settings.set("extra-experimental-features", "flakes")
        kwargs = {"settings": settings}
    st = new_state(**kwargs)
    assert st is not t and not state.adopted_template
    assert st.compiled == {}  # nothing of the template's


def _index(tmp_path: Path) -> Path:
    """A one-package index in nix-env's JSON (what --packages reads)."""
    index = tmp_path / "index.json"
    out = "/nix/store/" + "a" * 32 + "-hello-2.12"
    index.write_text(json.dumps({"hello": {"name": "hello-2.12", "pname": "hello", "version": "2.12",
                                           "system": "x86_64-linux", "outputs": {"out": out}}}))  # fmt: skip
    return index


def test_the_package_index_is_the_runs(tmp_path: Path) -> None:
    """Compiled code reads the run's package index (its hints name it) when an error needs it."""
    prog = tmp_path / "missing.nix"
    prog.write_text(f"{{ p }}: (import {PRELUDE_DIR} {{ }}).${{p}}\n")  # a select compiled in the template
    t = _template(prog)
    index = _index(tmp_path)
    st = new_state(package_index=str(index))
    assert st is t and st.package_index is not None
    f = st.eval_file(str(prog))
    assert print_value(force(call_function(f, {"p": "hello"}).get("outPath"))).endswith('-hello-2.12"')
    with pytest.raises(NixError) as missing:
        call_function(f, {"p": "redis"})
    assert missing.value.hint is not None and str(index) in missing.value.hint


def test_prelude_evaluates_the_same_from_the_template(tmp_path: Path) -> None:
    """The server's own warm-up (every prelude file compiled), then a dockerTools example."""
    from pydock.server import _warm_up

    example = Path(__file__).resolve().parents[1] / "examples" / "docker-layered.nix"
    expr = f"(import {example} {{ }}).stream.drvPath"
    fresh = EvalState(search_path=[f"nixpkgs={PRELUDE_DIR}"])
    want = print_value(fresh.eval_string(expr, "/"))
    _warm_up()
    t = state.template()
    assert t is not None and len(t.compiled) > 20
    st = new_state(search_path=[f"nixpkgs={PRELUDE_DIR}"])
    assert st is t
    assert print_value(st.eval_string(expr, "/")) == want
    # and an error from compiled prelude code reads the same
    bad = "(import <nixpkgs> {}).dockerTools.streamLayeredImage { }"
    with pytest.raises(NixError) as from_template:
        force_deep(st.eval_string(bad, os.getcwd()))
    with pytest.raises(NixError) as from_fresh:
        force_deep(EvalState(search_path=[f"nixpkgs={PRELUDE_DIR}"]).eval_string(bad, os.getcwd()))
    assert str(from_template.value) == str(from_fresh.value)
