"""CPU-heavy evaluation without start-up: pydock's in-process evaluation vs ``nix-instantiate``.

Issue 10 asks CPU-heavy programs to evaluate within 4× of ``nix-instantiate --eval``; with
start-up removed (a warm server), what counts is the evaluation itself. ``eval_inprocess.py``
measures that (best of N evaluations inside one process, after a warm-up) and this module
sets it beside nix-instantiate's whole run (best of N, start-up included, as a user sees it).
The output is checked against Nix's too (the same printed value).
"""

from __future__ import annotations

import os
import shutil
import subprocess

from bench.cases_eval import CASES, PRELUDE
from bench.measure import PYTHON, REPO, run_child

HEAVY = ["fib.nix", "fold.nix", "attrs-chain.nix", "modules.nix"]
LIMIT = 4.0


def run(quick: bool) -> list[dict]:
    nix = shutil.which("nix-instantiate")
    if nix is None:
        raise RuntimeError("nix-instantiate (Debian package nix-bin) is needed as the baseline")
    rounds = 3 if quick else 7
    env = dict(os.environ)
    env["NIX_PATH"] = ""
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    files = [str(CASES / f) for f in HEAVY]
    proc = subprocess.run(
        [PYTHON, os.path.join(REPO, "bench", "eval_inprocess.py"), "--rounds", str(rounds), *files],
        capture_output=True, text=True, env=env, cwd=REPO, check=True,
    )  # fmt: skip
    ours = {}
    for line in proc.stdout.splitlines():
        name, wall, cpu, first = line.split("\t", 3)
        ours[name] = (float(wall), float(cpu), first)
    rows = []
    for f in files:
        name = os.path.basename(f)
        nix_runs = [run_child([nix, "--eval", "--strict", "-I", f"nixpkgs={PRELUDE}", f], env=env, keep_tail=200)
                    for _ in range(rounds)]  # fmt: skip
        nix_best = min(r.wall for r in nix_runs)
        wall, cpu, first = ours[name]
        nix_first = nix_runs[-1].stdout_tail.decode(errors="replace").splitlines()
        same = bool(nix_first) and nix_first[0][:60] == first
        ratio = wall / nix_best
        rows.append(
            {
                "case": f"in-process eval {name}",
                "pydock_s": wall,
                "baseline": "nix-instantiate (whole run)",
                "baseline_s": nix_best,
                "ratio": ratio,
                "mb_s": None,
                "peak_rss_mb": None,
                "baseline_rss_mb": None,
                "target": f"<= {LIMIT:g}x, no start-up",
                "met": same and ratio <= LIMIT,
                "note": "" if same else f"output differs: {first!r}",
                "pydock_cpu_s": cpu,
            }
        )
    return rows
