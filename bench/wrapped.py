"""Running one of the stand-alone bench scripts and reading its figures back from its output.

Some scripts belong to other work (``substitute_bench.py`` is tuned alongside the store),
so the harness wraps them rather than re-implementing them: it runs the script as it is
and parses the summary lines it prints.  A script that changes its wording makes the
case fail loudly (a row marked not met), not report wrong numbers.
"""

from __future__ import annotations

import os
import re
import subprocess

from bench.measure import PYTHON, REPO


def run_script(name: str, *args: str, timeout: float = 1800) -> str:
    proc = subprocess.run(
        [PYTHON, os.path.join(REPO, "bench", name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench/{name} exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return proc.stdout


def grab(pattern: str, text: str) -> tuple[str, ...]:
    m = re.search(pattern, text, re.MULTILINE)
    if m is None:
        raise RuntimeError(f"no line matching {pattern!r} in:\n{text[-1500:]}")
    return m.groups()
