"""Fixtures that locate the two evaluators compared by the differential corpus.

The corpus is only meaningful when both sides really run: real Nix 2.8 (`nix-instantiate`) is the
oracle and is always run live, never replaced by stored expected output, so that the corpus keeps
testing Nix's actual behaviour rather than what someone once believed it to be.

Environment variables honoured here:

``CI``
    When it is ``"true"``, a missing ``nix-instantiate`` or ``pydock`` makes every corpus test
    FAIL with an explanation instead of being skipped: a CI run that silently skips the whole
    corpus would look green while testing nothing.  Outside CI the tests are skipped, so that a
    developer without Nix installed can still run the rest of the suite.

``NIX_INSTANTIATE``
    Path or command line (shell-split) of the oracle; defaults to ``nix-instantiate`` on PATH.

``PYDOCK_CMD``
    Command line (shell-split) used instead of the default ``<this interpreter> -m pydock.cli``.
    Whatever it names must import pydock from this checkout (checked once per session, from the
    interpreter of the command or of the script's ``#!`` line): a ``pydock`` found on PATH may
    belong to another checkout, and the corpus would then test the wrong code.
    The harness appends ``eval --strict [--json] FILE``.  If the program of that command is
    ``nix-instantiate``, the harness passes ``--eval`` instead of the ``eval`` subcommand: setting
    ``PYDOCK_CMD=nix-instantiate`` therefore compares Nix with itself, which checks the harness
    and the corpus (every case must pass then) independently of the state of pydock.

``NIX_COMPAT_TIMEOUT``
    Seconds one evaluation may take (default 60) before it is killed and the case fails, so that
    a hang in one case cannot eat the whole CI budget.

If Nix complains about the store or daemon (e.g. when not run as root), export
``NIX_REMOTE='local?root=/tmp/nixroot-corpus'``: the environment is passed through unchanged to
both tools.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from nix_compat_tests.processes import pydock_location
from nix_compat_tests.support import unavailable

REPO = Path(__file__).resolve().parents[1]

#: Variable set for both tools so that `builtins.getEnv` cases have a known value to read.
TEST_ENV_VAR = "PYDOCK_TEST_VAR"
TEST_ENV_VALUE = "hello"
#: Variable that cases read expecting it to be unset; removed from the environment to be sure.
UNSET_ENV_VAR = "PYDOCK_TEST_SURELY_UNSET_VARIABLE_1234"


@dataclass(frozen=True)
class Tool:
    """One evaluator command, or the reason it cannot be used.

    A missing tool is represented rather than raised at fixture time so that the test body can
    decide between skip and fail: a failure raised inside a fixture is reported by pytest as an
    *error*, while CI must see a plain test *failure*.
    """

    name: str
    command: tuple[str, ...] | None
    problem: str | None = None

    def require(self) -> tuple[str, ...]:
        """Return the command, or fail (under CI) / skip (elsewhere) when it is unavailable."""
        if self.command is not None:
            return self.command
        message = f"{self.name} is not available: {self.problem}"
        unavailable(message)

    def eval_argv(self, file: str, *, json: bool) -> list[str]:
        """Build the argv that evaluates `file` strictly, as JSON for eval cases.

        `nix-instantiate` spells the mode `--eval`; pydock spells it as the `eval` subcommand.
        Recognising nix-instantiate by program name is what lets PYDOCK_CMD point at real Nix.
        """
        command = list(self.require())
        mode = ["--eval"] if Path(command[0]).name == "nix-instantiate" else ["eval"]
        return [*command, *mode, "--strict", *(["--json"] if json else []), file]


def _resolve(name: str, override_var: str, default_program: str) -> Tool:
    """Find a tool from an override variable (a shell-split command line) or on PATH."""
    override = os.environ.get(override_var, "").strip()
    if override:
        parts = shlex.split(override)
        found = shutil.which(parts[0])
        if found is None:
            return Tool(name, None, f"{override_var}={override!r}: {parts[0]!r} not found")
        return Tool(name, (found, *parts[1:]))
    found = shutil.which(default_program)
    if found is None:
        return Tool(name, None, f"{default_program!r} not found on PATH (set {override_var} to override)")
    return Tool(name, (found,))


@pytest.fixture(scope="session")
def nix_tool() -> Tool:
    """The oracle: real `nix-instantiate` (Nix 2.8)."""
    return _resolve("nix-instantiate (the oracle)", "NIX_INSTANTIATE", "nix-instantiate")


@pytest.fixture(scope="session")
def pydock_tool() -> Tool:
    """The evaluator under test: this checkout's pydock, or whatever PYDOCK_CMD names."""
    if not os.environ.get("PYDOCK_CMD", "").strip():
        # The root conftest checked that this interpreter imports pydock from this checkout.
        return Tool("pydock", (sys.executable, "-m", "pydock.cli"))
    tool = _resolve("pydock", "PYDOCK_CMD", "pydock")
    if tool.command is None or Path(tool.command[0]).name == "nix-instantiate":
        return tool  # nix-instantiate: the harness compares Nix with itself
    python = _interpreter_of(tool.command[0])
    if python is None:
        return Tool("pydock", None, f"cannot tell which Python {tool.command[0]} runs, so not which pydock it tests")
    where = pydock_location(python)
    if not where.is_relative_to(REPO):
        return Tool("pydock", None, f"PYDOCK_CMD runs the pydock at {where}, not this checkout's ({REPO})")
    return tool


def _interpreter_of(program: str) -> str | None:
    """The Python interpreter behind ``program``: itself, or the one its ``#!`` line names."""
    if Path(program).name.startswith("python"):
        return program
    try:
        with open(program, "rb") as f:
            first = f.readline().decode("utf-8", "replace")
    except OSError:
        return None
    words = first[2:].split() if first.startswith("#!") else []
    if words and Path(words[0]).name == "env" and len(words) > 1:
        words = [shutil.which(words[1]) or words[1]]
    if words and Path(words[0]).name.startswith("python"):
        return words[0]
    return None


class ToolEnv(dict[str, str]):
    """The environment given to both tools, with a short repr.

    pytest prints fixture values in failure reports; the full environment would flood every
    report and could expose whatever the caller's environment holds.
    """

    def __repr__(self) -> str:
        return f"<caller's environment with {TEST_ENV_VAR}={self.get(TEST_ENV_VAR)!r}>"


@pytest.fixture(scope="session")
def tool_env() -> ToolEnv:
    """The environment both tools get: identical, with a known value for the getEnv cases."""
    env = ToolEnv(os.environ)
    env[TEST_ENV_VAR] = TEST_ENV_VALUE
    env.pop(UNSET_ENV_VAR, None)
    return env


@pytest.fixture(scope="session")
def eval_timeout() -> float:
    """Seconds a single evaluation may take before it is treated as a hang."""
    return float(os.environ.get("NIX_COMPAT_TIMEOUT", "60"))
