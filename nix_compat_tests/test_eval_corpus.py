"""Differential tests: pydock must evaluate every corpus file exactly as real Nix 2.8 does.

Layout (see README.md): ``corpus/eval/<topic>/<name>.nix`` must evaluate successfully and print
the same JSON under both tools; ``corpus/fail/<topic>/<name>.nix`` must fail under both, with
pydock reporting the same first error line as Nix.  ``corpus/fixtures/`` holds files the cases
import or read and is never collected itself.

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
from nix_compat_tests.processes import Result, run_concurrently

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


def _first_error_line(stderr: str) -> str | None:
    """Nix's error line: the first stderr line after any leading warnings, if it is an error."""
    for line in stderr.splitlines():
        if line.startswith("warning:"):
            continue
        return line if line.startswith("error: ") else None
    return None


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
    assert pydock.returncode == 0, "pydock failed\n" + context
    intended = CORPUS_DIFFERENCES.get(case)
    if intended is not None:
        assert nix.stdout == intended["nix_2_8"], "Nix 2.8 does not print the recorded output\n" + context
        assert pydock.stdout == intended["pydock"], f"{intended['what']} ({intended['source']})\n" + context
        return
    assert pydock.stdout == nix.stdout, "outputs differ\n" + context


@pytest.mark.parametrize("case", FAIL_CASES)
def test_fail_case(
    case: str,
    nix_tool: Tool,
    pydock_tool: Tool,
    tool_env: dict[str, str],
    eval_timeout: float,
) -> None:
    """Both fail; pydock reports a clean `error: ` message whose first line is Nix's first line."""
    commands = [nix_tool.eval_argv(case, json=False), pydock_tool.eval_argv(case, json=False)]
    nix, pydock = _run_both(commands, tool_env, eval_timeout)
    context = _context(case, nix, pydock)
    oracle_failed = nix.returncode not in (0, None)
    assert oracle_failed, "the oracle did not fail on a fail case; the corpus is wrong\n" + context
    assert pydock.returncode is not None, "pydock timed out\n" + context
    assert pydock.returncode != 0, "pydock succeeded on a failing case\n" + context
    assert "Traceback" not in pydock.stderr, "pydock leaked a Python traceback\n" + context
    assert pydock.stderr.startswith("error: "), "pydock's stderr does not start with 'error: '\n" + context
    expected = _first_error_line(nix.stderr)
    if expected is not None:
        actual = pydock.stderr.splitlines()[0]
        diff = f"first error line differs:\n  nix:    {expected}\n  pydock: {actual}\n"
        assert actual == expected, diff + context
