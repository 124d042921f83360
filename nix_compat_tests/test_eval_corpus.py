"""Differential tests: pydock must evaluate every corpus file exactly as real Nix 2.8 does.

Layout (see README.md): ``corpus/eval/<topic>/<name>.nix`` must evaluate successfully and print
the same JSON under both tools, writing the same stderr (``trace:`` lines, warnings);
``corpus/fail/<topic>/<name>.nix`` must fail under both, with pydock reporting Nix's error
message (every line of it) and its ``at FILE:LINE:COL:`` position, after the same traces.
``corpus/fixtures/`` holds files the cases import or read and is never collected itself.

Each tool runs once per file, and the two runs of a file start concurrently: the suite runs in CI
on a 2-core machine where process start-up dominates, and it is parallelised further with
pytest-xdist (``-n auto``), which works because every test is independent and collection is
deterministic (sorted).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from nix_compat_tests.intended import CORPUS_DIFFERENCES
from nix_compat_tests.processes import Result, error_report, run_concurrently

if TYPE_CHECKING:
    from nix_compat_tests.conftest import Tool

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
EVAL_DIR = CORPUS / "eval"
FAIL_DIR = CORPUS / "fail"
MIN_EVAL_CASES = 250


def _cases(root: Path) -> list[str]:
    """Corpus files under `root`, relative to CORPUS and sorted so that xdist workers agree."""
    return sorted(p.relative_to(CORPUS).as_posix() for p in root.rglob("*.nix"))


EVAL_CASES = _cases(EVAL_DIR)
FAIL_CASES = _cases(FAIL_DIR)


def _run_both(commands: list[list[str]], env: dict[str, str], timeout: float) -> list[Result]:
    return run_concurrently(commands, CORPUS, env, timeout)


def _context(case: str, nix: Result, pydock: Result) -> str:
    """The case source and both tools' output: everything needed to diagnose a mismatch."""
    source = (CORPUS / case).read_text(encoding="utf-8", errors="backslashreplace")
    return f"case {case}:\n{source}\n=== nix ===\n{nix.describe()}\n=== pydock ===\n{pydock.describe()}"


# Known pydock differences from Nix 2.8's error reports, each excused from one part of the
# comparison.  They are bugs to fix, not expectations: ``test_known_differences_still_differ``
# fails as soon as one is fixed, so the list can only shrink.
_RECURSION_POSITION = (
    "infinite recursion through a variable bound to another variable: Nix 2.8 shares the value "
    "(maybeThunk) and so names the first variable; pydock names the last"
)
KNOWN_DIFFERENCES: dict[str, tuple[str, str]] = {
    "fail/recursion/rec_mutual.nix": ("at", _RECURSION_POSITION),
    # Documented in evaluator/builtins/toml.py: pydock gives toml11's first line, not its code frame.
    "fail/builtins/from_toml_duplicate_key.nix": ("message", "toml11's multi-line report is cut to its first line"),
    "fail/builtins/from_toml_invalid.nix": ("message", "toml11's multi-line report is cut to its first line"),
    "fail/builtins/from_toml_table_redefined.nix": ("message", "toml11's multi-line report is cut to its first line"),
    "fail/builtins/hash_string_unknown_type.nix": (
        "message",
        "Nix raises a usage error here and adds \"Try 'nix-instantiate --help' …\"; pydock does not",
    ),
}


def _compared_parts(case: str) -> list[str]:
    excused = KNOWN_DIFFERENCES.get(case, (None, ""))[0]
    return [part for part in ("before", "message", "at") if part != excused]


def test_corpus_is_large_enough() -> None:
    """The corpus is the specification of the evaluator; guard against it shrinking by accident."""
    assert len(EVAL_CASES) >= MIN_EVAL_CASES, f"only {len(EVAL_CASES)} eval cases, want >= {MIN_EVAL_CASES}"
    assert FAIL_CASES, "no fail cases found"


@pytest.mark.parametrize("case", EVAL_CASES)
def test_eval_case(
    case: str,
    nix_tool: Tool,
    pydock_tool: Tool,
    tool_env: dict[str, str],
    eval_timeout: float,
) -> None:
    """pydock prints exactly the JSON that Nix prints, and both succeed.

    A case recorded in ``intended_differences.toml`` must instead print the recorded Nix 2.8
    output under Nix and the recorded current-Nix output under pydock.
    """
    commands = [nix_tool.eval_argv(case, json=True), pydock_tool.eval_argv(case, json=True)]
    nix, pydock = _run_both(commands, tool_env, eval_timeout)
    context = _context(case, nix, pydock)
    assert nix.returncode == 0, "the oracle failed on an eval case; the corpus is wrong\n" + context
    intended = CORPUS_DIFFERENCES.get(case)
    if intended is not None:
        assert nix.stdout == intended["nix_2_8"], "Nix 2.8 does not print the recorded output\n" + context
        why = f"{intended['what']} ({intended['source']})\n" + context
        if intended["pydock"].startswith("error: "):  # current Nix refuses what Nix 2.8 evaluated
            assert pydock.returncode != 0 and pydock.stderr.startswith(intended["pydock"]), why
        else:
            assert pydock.returncode == 0 and pydock.stdout == intended["pydock"], why
        return
    assert pydock.returncode == 0, "pydock failed\n" + context
    assert pydock.stdout == nix.stdout, "outputs differ\n" + context
    assert pydock.stderr == nix.stderr, "stderr (traces, warnings) differs\n" + context


@pytest.mark.parametrize("case", FAIL_CASES)
def test_fail_case(
    case: str,
    nix_tool: Tool,
    pydock_tool: Tool,
    tool_env: dict[str, str],
    eval_timeout: float,
) -> None:
    """Both fail; pydock's clean `error: ` report has Nix's message, position and preceding traces."""
    commands = [nix_tool.eval_argv(case, json=False), pydock_tool.eval_argv(case, json=False)]
    nix, pydock = _run_both(commands, tool_env, eval_timeout)
    context = _context(case, nix, pydock)
    oracle_failed = nix.returncode not in (0, None)
    assert oracle_failed, "the oracle did not fail on a fail case; the corpus is wrong\n" + context
    assert pydock.returncode is not None, "pydock timed out\n" + context
    assert pydock.returncode != 0, "pydock succeeded on a failing case\n" + context
    assert "Traceback" not in pydock.stderr, "pydock leaked a Python traceback\n" + context
    assert pydock.stderr.startswith("error: "), "pydock's stderr does not start with 'error: '\n" + context
    intended = CORPUS_DIFFERENCES.get(case)
    if intended is not None:  # an error current Nix words differently (intended_differences.toml)
        assert nix.stderr.startswith(intended["nix_2_8"]), "Nix 2.8 does not fail as recorded\n" + context
        assert pydock.stderr.startswith(intended["pydock"]), f"{intended['what']} ({intended['source']})\n" + context
        return
    expected = error_report(nix.stderr)
    assert expected is not None, "the oracle's stderr has no 'error: ' line; the harness is wrong\n" + context
    actual = error_report(pydock.stderr)
    assert actual is not None
    for part in _compared_parts(case):
        diff = f"error report differs in {part!r}:\n  nix:    {expected[part]!r}\n  pydock: {actual[part]!r}\n"
        assert actual[part] == expected[part], diff + context


@pytest.mark.parametrize("case", sorted(KNOWN_DIFFERENCES))
def test_known_differences_still_differ(
    case: str,
    nix_tool: Tool,
    pydock_tool: Tool,
    tool_env: dict[str, str],
    eval_timeout: float,
) -> None:
    """Each excused part still differs; once pydock matches Nix, the case must leave KNOWN_DIFFERENCES."""
    assert case in FAIL_CASES, f"{case} is not a fail case of the corpus"
    commands = [nix_tool.eval_argv(case, json=False), pydock_tool.eval_argv(case, json=False)]
    nix, pydock = _run_both(commands, tool_env, eval_timeout)
    expected, actual = error_report(nix.stderr), error_report(pydock.stderr)
    assert expected is not None and actual is not None, _context(case, nix, pydock)
    part = KNOWN_DIFFERENCES[case][0]
    if Path(pydock_tool.require()[0]).name == "nix-instantiate":  # the harness self-check: Nix vs Nix
        assert actual == expected
        return
    assert actual[part] != expected[part], f"{case} now matches Nix in {part!r}: remove it from KNOWN_DIFFERENCES"
