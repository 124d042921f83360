"""The prelude's ``lib`` against nixpkgs' own ``lib``, with real Nix 2.8 as the oracle.

For every case of ``lib_cases.py`` the same expression is evaluated three ways:

``oracle``       real Nix, ``lib = import <reference>/nixpkgs/lib`` (nixpkgs' code, run, never copied)
``pydock``       pydock, ``lib = (import <nixpkgs> { }).lib`` (the prelude)
``nix-prelude``  real Nix on the prelude's lib (``-I nixpkgs=<prelude>``)

pydock must equal the oracle; so must ``nix-prelude``, which tells a wrong prelude (both differ)
from a wrong evaluator (only pydock differs).  All cases go through each tool in one batch (one
process per tool), which keeps this fast; error messages need a process per case and are kept to
a short list.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from lib_cases import CASES, ERROR_CASES, SHARED
from prelude_support import PRELUDE, TIMEOUT, nix_env

from nix_compat_tests.nixpkgs_reference import LIB, nixpkgs_file
from nix_compat_tests.support import require_tool

NAMES = [name for name, _ in CASES]
assert len(NAMES) == len(set(NAMES)), "duplicate case names"

PRELUDE_LIB = "(import <nixpkgs> { }).lib"

#: Names of the prelude's lib that no case can compare, each with the reason.
UNCOMPARABLE = {
    "maintainers": "the reference copy of nixpkgs has no maintainers/ list; the prelude offers an empty set on purpose",
    "teams": "as maintainers: nixpkgs' list is not in the reference copy; the prelude's is empty",
}

#: Sub-sets of the prelude's lib whose own names are checked too (the rest merge into the top level).
SUBSETS = ["trivial", "lists", "strings", "attrsets", "meta", "customisation", "fixedPoints", "asserts",
           "sources", "versions", "fetchers", "licenses", "platforms"]  # fmt: skip


def _nixpkgs_lib() -> str:
    return f"import {nixpkgs_file(LIB)}"


def _run(tool: str, expr: str, *, json_out: bool = True) -> subprocess.CompletedProcess:
    """``--eval --strict`` of ``expr``: "pydock", or real Nix ("nix", with ``<nixpkgs>`` = the prelude)."""
    flags = ["--strict", *(["--json"] if json_out else [])]
    if tool == "pydock":
        cmd = [sys.executable, "-m", "pydock.cli", "eval", *flags, "-E", expr]
        env = None
    else:
        cmd = [require_tool("nix-instantiate"), "-I", f"nixpkgs={PRELUDE}", "--eval", *flags, "-E", expr]
        env = nix_env()
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=TIMEOUT, check=False)


def _with_lib(lib: str, body: str) -> str:
    return f"let lib = {lib};\n{SHARED}\nin {body}"


_PRELUDE_NAMES: list[dict] = []


def prelude_names() -> dict:
    """The prelude lib's top-level names, and the own names of each sub-set, asked from pydock."""
    if not _PRELUDE_NAMES:
        subsets = " ".join(SUBSETS)
        expr = (
            f"let l = {PRELUDE_LIB}; in {{ top = builtins.attrNames l; "
            f"subs = builtins.mapAttrs (_: builtins.attrNames) {{ inherit (l) {subsets}; }}; }}"
        )
        proc = _run("pydock", expr)
        assert proc.returncode == 0, proc.stderr
        _PRELUDE_NAMES.append(json.loads(proc.stdout))
    return _PRELUDE_NAMES[0]


def generated_cases() -> list[tuple[str, str]]:
    """Cases for the data sets: each license and platform group the prelude offers, as nixpkgs has it."""
    subs = prelude_names()["subs"]
    fields = ["shortName", "spdxId", "fullName", "url", "free", "redistributable", "deprecated"]
    record = " ".join(f"{f} = l.{f} or null;" for f in fields)  # `or`: a missing field is a difference, not an abort
    cases = [(f"licenses.{n}", f"let l = lib.licenses.{n}; in {{ {record} }}") for n in subs["licenses"]]
    cases += [(f"platforms.{n}", f"lib.platforms.{n}") for n in subs["platforms"]]
    return cases


def _batch(lib: str, cases: list[tuple[str, str]]) -> str:
    body = "\n".join(f"  {json.dumps(name)} = check ({expr});" for name, expr in cases)
    return _with_lib(lib, f"let check = v: builtins.tryEval (builtins.deepSeq v v); in {{\n{body}\n}}")


_RESULTS: dict[str, tuple[dict, list[str]]] = {}


def results(kind: str) -> tuple[dict, list[str]]:
    """One way's values for every case, and the ``trace:`` lines it printed (in evaluation order)."""
    if kind not in _RESULTS:
        cases = CASES + generated_cases()
        lib = _nixpkgs_lib() if kind == "oracle" else PRELUDE_LIB
        proc = _run("pydock" if kind == "pydock" else "nix", _batch(lib, cases))
        assert proc.returncode == 0, f"{kind} failed on the batch:\n{proc.stderr[-4000:]}"
        traces = [line for line in proc.stderr.splitlines() if line.startswith("trace: ")]
        _RESULTS[kind] = (json.loads(proc.stdout), traces)
    return _RESULTS[kind]


@pytest.mark.parametrize("name", NAMES)
def test_case_matches_nixpkgs_lib(name: str) -> None:
    expected = results("oracle")[0][name]
    assert results("pydock")[0][name] == expected, "pydock with the prelude differs from nixpkgs' lib"
    assert results("nix-prelude")[0][name] == expected, "the prelude's Nix code differs from nixpkgs' lib"


def test_data_sets_match_nixpkgs_lib() -> None:
    """Every license and platform group the prelude offers has nixpkgs' value."""
    names = [name for name, _ in generated_cases()]
    assert len(names) > 10
    oracle, ours, nix_prelude = (results(k)[0] for k in ("oracle", "pydock", "nix-prelude"))
    assert {n: oracle[n] for n in names} == {n: ours[n] for n in names} == {n: nix_prelude[n] for n in names}
    assert all(oracle[n]["success"] for n in names), "a data set of the prelude does not exist in nixpkgs' lib"


def test_traces_and_warnings_match() -> None:
    """``trace``/``warn``/``info`` write the same lines (nixpkgs' colour codes included), in the same order."""
    expected = results("oracle")[1]
    assert any("evaluation warning:" in line for line in expected)
    assert results("pydock")[1] == expected
    assert results("nix-prelude")[1] == expected


def _error_line(proc: subprocess.CompletedProcess, lib: str) -> str:
    """The message of a failed evaluation: the ``error:`` line (the ``at`` lines differ: other files).

    Nix 2.8 names an ``-E`` expression's position by the expression's text, which holds the
    ``lib`` binding; that binding is the one deliberate difference, so it is replaced by ``<lib>``.
    """
    assert proc.returncode != 0, f"did not fail:\n{proc.stdout}"
    lines = [line for line in proc.stderr.splitlines() if not line.startswith(("trace: ", "warning: "))]
    assert lines and lines[0].startswith("error: "), proc.stderr
    return lines[0].replace(f"let lib = {lib};", "let lib = <lib>;")


@pytest.mark.parametrize("name, expr", ERROR_CASES, ids=[n for n, _ in ERROR_CASES])
def test_error_message_matches_nixpkgs_lib(name: str, expr: str) -> None:
    procs = {
        kind: subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for kind, cmd, env in _error_commands(expr)
    }
    done = {kind: subprocess.CompletedProcess(p.args, 0, *p.communicate(timeout=TIMEOUT)) for kind, p in procs.items()}
    for kind, p in procs.items():
        done[kind].returncode = p.returncode
    expected = _error_line(done["oracle"], _nixpkgs_lib())
    assert _error_line(done["pydock"], PRELUDE_LIB) == expected
    assert _error_line(done["nix-prelude"], PRELUDE_LIB) == expected


def _error_commands(expr: str) -> list[tuple[str, list[str], dict | None]]:
    nix = [require_tool("nix-instantiate"), "-I", f"nixpkgs={PRELUDE}", "--eval", "--strict", "-E"]
    return [
        ("oracle", [*nix, _with_lib(_nixpkgs_lib(), expr)], nix_env()),
        ("nix-prelude", [*nix, _with_lib(PRELUDE_LIB, expr)], nix_env()),
        ("pydock", [sys.executable, "-m", "pydock.cli", "eval", "--strict", "-E", _with_lib(PRELUDE_LIB, expr)], None),
    ]


def test_every_lib_name_has_a_case() -> None:
    """Each function and value the prelude's lib defines is exercised by some case."""
    text = "\n".join(expr for _, expr in CASES + ERROR_CASES)
    used = set(re.findall(r"\blib\.((?:[A-Za-z]\w*\.)?[A-Za-z_][\w']*)", text))
    names = prelude_names()
    data_sets = {"licenses", "platforms"}  # covered entry by entry by generated_cases()
    missing = [n for n in names["top"] if n not in used and n not in UNCOMPARABLE and n not in data_sets]
    missing = [n for n in missing if not any(f"{n}." in u for u in used)]  # a sub-set used through its members
    for sub in ("versions", "fetchers"):
        missing += [f"{sub}.{n}" for n in names["subs"][sub] if f"{sub}.{n}" not in used]
    assert not missing, f"lib names without a case in lib_cases.py: {missing}"


def test_prelude_names_exist_in_nixpkgs_lib() -> None:
    """The prelude offers no name that nixpkgs' lib lacks (a file using one would fail with nixpkgs)."""
    names = prelude_names()
    subs = {k: v for k, v in names["subs"].items() if k not in ("licenses", "platforms")}
    expr = _with_lib(
        _nixpkgs_lib(),
        f"let top = builtins.fromJSON {json.dumps(json.dumps(names['top']))}; "
        f"subs = builtins.fromJSON {json.dumps(json.dumps(subs))}; in {{ "
        "top = builtins.filter (n: !(lib ? ${n})) top; "
        "subs = builtins.mapAttrs (s: ns: builtins.filter (n: !(lib.${s} ? ${n})) ns) subs; }",
    )
    proc = _run("nix", expr)
    assert proc.returncode == 0, proc.stderr[-4000:]
    found = json.loads(proc.stdout)
    assert found["top"] == [] and all(v == [] for v in found["subs"].values()), f"not in nixpkgs' lib: {found}"


def test_prelude_types_match_nixpkgs_lib() -> None:
    """Same kind of value (function, set, list, …) under every top-level name."""
    names = [n for n in prelude_names()["top"] if n not in UNCOMPARABLE]
    body = "builtins.listToAttrs (map (n: { name = n; value = builtins.typeOf lib.${n}; }) "
    body += f"(builtins.fromJSON {json.dumps(json.dumps(names))}))"
    oracle = _run("nix", _with_lib(_nixpkgs_lib(), body))
    ours = _run("pydock", _with_lib(PRELUDE_LIB, body))
    assert oracle.returncode == ours.returncode == 0, oracle.stderr[-2000:] + ours.stderr[-2000:]
    assert json.loads(ours.stdout) == json.loads(oracle.stdout)


def test_whole_lib_prints_alike() -> None:
    """Forcing every attribute of the prelude's lib (as `--strict` printing does) gives the same in both evaluators."""
    expr = f"builtins.mapAttrs (n: v: builtins.typeOf v) {PRELUDE_LIB}"
    ours, theirs = _run("pydock", expr), _run("nix", expr)
    assert ours.returncode == theirs.returncode == 0, ours.stderr + theirs.stderr
    assert json.loads(ours.stdout) == json.loads(theirs.stdout)
