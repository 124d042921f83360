"""The recorded differences from Nix 2.8 (``intended_differences.toml``), checked against both tools.

* ``builtins``'s names are exactly Nix 2.8's plus the listed additions, and every addition is
  really missing from Nix 2.8 (so the list cannot hide a builtin pydock forgot, nor claim one
  that Nix 2.8 already has). With ``--extra-experimental-features flakes`` both tools also
  have ``getFlake``.
* Each recorded value difference shown by an expression (those shown by a corpus case are
  checked by ``test_eval_corpus.py``): Nix 2.8 prints what the file says (checked live, so the entry
  is a real difference) and pydock prints the current-Nix value named by its source.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from nix_compat_tests.intended import ADDITIONS, EXPR_DIFFERENCES
from nix_compat_tests.processes import run_concurrently

if TYPE_CHECKING:
    from nix_compat_tests.conftest import Tool

HERE = Path(__file__).resolve().parent
DIFFERENCES = EXPR_DIFFERENCES


def _argv(tool: Tool, *args: str) -> list[str]:
    command = list(tool.require())
    mode = ["--eval"] if Path(command[0]).name == "nix-instantiate" else ["eval"]
    return [*command, *mode, *args]


def _both(nix_tool: Tool, pydock_tool: Tool, env: dict[str, str], timeout: float, *args: str):
    nix, ours = run_concurrently([_argv(nix_tool, *args), _argv(pydock_tool, *args)], HERE, env, timeout)
    assert nix.returncode == 0, nix.describe()
    assert ours.returncode == 0, ours.describe()
    return nix, ours


@pytest.mark.parametrize("flags", [[], ["--extra-experimental-features", "flakes"]], ids=["default", "flakes"])
def test_builtins_are_nix_2_8s_plus_the_additions(
    flags: list[str], nix_tool: Tool, pydock_tool: Tool, tool_env: dict[str, str], eval_timeout: float
) -> None:
    expr = "builtins.attrNames builtins"
    nix, ours = _both(nix_tool, pydock_tool, tool_env, eval_timeout, *flags, "--strict", "--json", "-E", expr)
    nix_names = set(json.loads(nix.stdout))
    assert not nix_names & set(ADDITIONS), "listed as additions but Nix 2.8 has them"
    assert json.loads(ours.stdout) == sorted(nix_names | set(ADDITIONS))


@pytest.mark.parametrize("case", DIFFERENCES, ids=[d["expr"][:40] for d in DIFFERENCES])
def test_recorded_difference(
    case: dict[str, str], nix_tool: Tool, pydock_tool: Tool, tool_env: dict[str, str], eval_timeout: float
) -> None:
    args = [*case.get("flags", []), "--strict", "-E", case["expr"]]
    nix, ours = run_concurrently([_argv(nix_tool, *args), _argv(pydock_tool, *args)], HERE, tool_env, eval_timeout)
    if case["nix_2_8"].startswith("error: "):
        assert nix.returncode != 0 and nix.stderr.startswith(case["nix_2_8"]), nix.describe()
    else:
        assert nix.returncode == 0 and nix.stdout.strip() == case["nix_2_8"], nix.describe()
    why = f"{case['what']} ({case['source']})\n{ours.describe()}"
    if case["pydock"].startswith("error: "):
        assert ours.returncode != 0 and ours.stderr.startswith(case["pydock"]), why
    else:
        assert ours.returncode == 0, ours.describe()
        assert ours.stdout.strip() == case["pydock"], why
