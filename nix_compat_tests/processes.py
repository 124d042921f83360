"""Running the oracle and pydock side by side, shared by the differential test modules."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

#: How much of a tool's output to quote in an assertion message: enough to diagnose, not a flood.
QUOTE_LIMIT = 4000


@dataclass(frozen=True)
class Result:
    """What one command did."""

    argv: list[str]
    returncode: int | None  # None: killed after the timeout
    stdout: str
    stderr: str

    def describe(self) -> str:
        """Human-readable summary for assertion messages."""
        status = "TIMED OUT" if self.returncode is None else f"exit {self.returncode}"
        return (
            f"$ {' '.join(self.argv)}\n[{status}]\n"
            f"--- stdout ---\n{quote(self.stdout)}\n--- stderr ---\n{quote(self.stderr)}"
        )


def quote(text: str) -> str:
    return text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT] + f"\n... [{len(text)} chars]"


def run_concurrently(commands: Sequence[list[str]], cwd: Path, env: dict[str, str], timeout: float) -> list[Result]:
    """Run the commands at once from ``cwd`` with the same env; wait for all.

    The same cwd and the same relative file name for every tool make any absolute path in an
    error message identical. Each command gets its own process group so that a timeout kills its
    children too (a wrapper script's children would otherwise keep the pipes open).
    """
    procs = [
        subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="backslashreplace",
            start_new_session=True,
        )
        for argv in commands
    ]
    results = []
    for argv, proc in zip(commands, procs, strict=True):
        try:
            out, err = proc.communicate(timeout=timeout)
            results.append(Result(argv, proc.returncode, out, err))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            results.append(Result(argv, None, out, err))
    return results


def pydock_location(python: str) -> Path:
    """Where ``python`` imports pydock from, asked from a neutral directory (as the tests start it)."""
    proc = subprocess.run(
        [python, "-c", "import pydock; print(pydock.__file__)"], capture_output=True, text=True, cwd="/", check=False
    )
    if proc.returncode != 0:
        raise pytest.UsageError(f"{python} cannot import pydock:\n{proc.stderr[-2000:]}")
    return Path(proc.stdout.strip()).resolve()


SHOW_TRACE_HINT = "(use '--show-trace' to show detailed location information)"
LOCATION = re.compile(r"^\s+at (.+:\d+:\d+):$")


def error_report(stderr: str) -> dict[str, object] | None:
    """The parts of a Nix error report that pydock must reproduce.

    ``before``: what precedes the error (``trace:`` output, warnings); ``message``: the
    ``error: …`` line and its continuation lines, up to the first blank line; ``at``: the
    first ``at FILE:LINE:COL:`` line.  The code frame under it is not compared: it only
    quotes the source at that position.
    """
    # Deliberate weakening: Nix ends a report whose trace frames it did not print with a hint to
    # use --show-trace; pydock keeps no such frames, so it never prints the hint.  Not compared.
    lines = [line for line in stderr.splitlines() if line != SHOW_TRACE_HINT]
    start = next((i for i, line in enumerate(lines) if line.startswith("error: ")), None)
    if start is None:
        return None
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    at = next((m.group(1) for line in lines[end:] if (m := LOCATION.match(line))), None)
    return {"before": lines[:start], "message": lines[start:end], "at": at}
