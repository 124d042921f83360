"""Running pydock and the oracle (real Nix 2.8) on prelude expressions.

pydock runs as ``python -m pydock.cli`` (its ``<nixpkgs>`` is the prelude by
default); real Nix gets ``-I nixpkgs=<prelude dir>`` so that it evaluates the
very same Nix files.  Real Nix works on a private store under the test's
temporary directory and never substitutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from nix_compat_tests.support import require_tool

REPO = Path(__file__).resolve().parents[2]
PRELUDE = REPO / "evaluator" / "prelude"
TIMEOUT = 120


def nix_env(store_root: Path | None = None) -> dict[str, str]:
    """The environment for real Nix: no daemon, no substituters, host tools visible in its sandbox."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIX_")}
    env["NIX_CONFIG"] = "substituters =\nsandbox-paths = /bin? /usr? /lib? /lib64? /etc?"
    if store_root is not None:
        env["NIX_REMOTE"] = f"local?root={store_root}"
    return env


def run(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=TIMEOUT, check=False)


def pydock(*args: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "pydock.cli", *args])


def eval_json(tool: str, expr: str, *, prelude: bool, store_root: Path | None = None) -> object:
    """``--eval --strict --json`` of ``expr`` by ``tool`` ("pydock" or "nix"); raises on failure."""
    if tool == "pydock":
        proc = pydock("eval", "--strict", "--json", "-E", expr)
    else:
        cmd = [require_tool("nix-instantiate"), "--eval", "--strict", "--json", "-E", expr]
        if prelude:
            cmd[1:1] = ["-I", f"nixpkgs={PRELUDE}"]
        if store_root is not None:
            cmd.insert(1, "--read-write-mode")
        proc = run(cmd, nix_env(store_root))
    if proc.returncode != 0:
        raise AssertionError(f"{tool} failed on:\n{expr}\n--- stderr ---\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)
