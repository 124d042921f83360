"""Evaluation speed and memory: ``pydock eval`` side by side with ``nix-instantiate --eval``.

Issue 10's evaluation targets, measured on the same files in the same run (the machine is
shared, so only ratios taken side by side mean anything):

* typical files (a dockerTools example evaluated to a ``.drv`` path, a config-building
  file, ``1+1``): pydock ≤ 2× nix-instantiate, start-up included;
* CPU-heavy programs (``fib 25``, ``foldl'`` over 100,000 elements, a 5,000-attribute
  ``listToAttrs``/``mapAttrs``/``recursiveUpdate`` chain, a module-system-style fixed point
  merging 200 option definitions with the prelude's ``lib``): ≤ 4×;
* peak RSS of those heavy programs: ≤ 2× nix-instantiate's.

Both tools get pydock's prelude as ``<nixpkgs>`` (``-I nixpkgs=…``), print the same text
(checked: a case whose outputs differ is "not met"), and run alternately after one warm-up
run of pydock (steady state: bytecode and parsed-file caches written, as after any first
use); the best wall time of the rounds counts, the peak RSS is ``bench.measure``'s (GNU time's).

    python bench/cases_eval.py [--quick]

``run(quick)`` is the entry point the bench harness calls (one dict per case).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as ``python bench/cases_eval.py``
    sys.path.insert(0, str(REPO))

from bench.measure import Measured, run_child  # noqa: E402

PRELUDE = REPO / "evaluator" / "prelude"
EXAMPLES = REPO / "examples"

TYPICAL = "<= 2.0x"
HEAVY = "<= 4.0x"
RSS_LIMIT = 2.0

CASES = REPO / "bench" / "cases"  # the programs, shared with the other eval benches


def _cases() -> list[tuple[str, list[str], str, bool]]:
    """(case name, arguments after `--eval`, target, heavy) for every case."""
    f = lambda name: str(CASES / name)  # noqa: E731
    layered = str(EXAMPLES / "docker-layered.nix")
    image = str(EXAMPLES / "docker-image.nix")
    return [
        ("eval -E 1+1", ["-E", "1+1"], TYPICAL, False),
        ("dockerish config (300 images)", ["--strict", f("dockerish.nix")], TYPICAL, False),
        ("docker-layered.nix stream.drvPath", [layered, "-A", "stream.drvPath"], TYPICAL, False),
        ("docker-image.nix child.drvPath", [image, "-A", "child.drvPath"], TYPICAL, False),
        ("fib 25", ["--strict", f("fib.nix")], HEAVY, True),
        ("foldl' genList 100000", ["--strict", f("fold.nix")], HEAVY, True),
        ("5000-attr mapAttrs/recursiveUpdate", ["--strict", f("attrs-chain.nix")], HEAVY, True),
        ("module fixed point, 200 options", ["--strict", f("modules.nix")], HEAVY, True),
    ]


def _pydock_command() -> list[str]:
    """The installed ``pydock`` script beside this interpreter (what users run), else ``-m``."""
    script = Path(sys.executable).with_name("pydock")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "pydock.cli"]


def run(quick: bool) -> list[dict]:
    """Run every case (pydock and nix-instantiate alternately); one result dict per case."""
    nix = shutil.which("nix-instantiate")
    if nix is None:
        raise RuntimeError("nix-instantiate (Debian package nix-bin) is needed as the baseline")
    pydock = _pydock_command()
    env = dict(os.environ)
    env["NIX_PATH"] = ""
    # what users run: bytecode caches written (some shells here set PYTHONDONTWRITEBYTECODE)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    rounds_typical, rounds_heavy = (3, 1) if quick else (7, 3)
    results = []
    for case, args, target, heavy in _cases():
        py_cmd = [*pydock, "eval", "-I", f"nixpkgs={PRELUDE}", *args]
        nix_cmd = [nix, "--eval", "-I", f"nixpkgs={PRELUDE}", *args]
        rounds = rounds_heavy if heavy else rounds_typical
        run_child(py_cmd, env=env)  # warm-up: bytecode and parsed-file caches, page cache
        py_runs: list[Measured] = []
        nix_runs: list[Measured] = []
        for _ in range(rounds):
            py_runs.append(run_child(py_cmd, env=env, digest=True))
            nix_runs.append(run_child(nix_cmd, env=env, digest=True))
        py_best = min(r.wall for r in py_runs)
        nix_best = min(r.wall for r in nix_runs)
        py_rss = max(r.rss_mb for r in py_runs)
        nix_rss = max(r.rss_mb for r in nix_runs)
        same_output = py_runs[-1].sha256 == nix_runs[-1].sha256
        ratio = py_best / nix_best
        limit = float(target.split()[1].rstrip("x"))
        met = same_output and ratio <= limit and (not heavy or py_rss <= RSS_LIMIT * nix_rss)
        results.append(
            {
                "case": case,
                "pydock_s": py_best,
                "baseline": "nix-instantiate",
                "baseline_s": nix_best,
                "ratio": ratio,
                "mb_s": None,
                "peak_rss_mb": py_rss,
                "baseline_rss_mb": nix_rss,
                "target": target + (f", RSS <= {RSS_LIMIT:g}x" if heavy else ""),
                "met": met,
                "same_output": same_output,
                "pydock_cpu_s": min(r.cpu for r in py_runs),
                "baseline_cpu_s": min(r.cpu for r in nix_runs),
            }
        )
    return results


def print_table(results: list[dict]) -> None:
    head = (
        f"{'case':<36} {'pydock':>8} {'nix':>8} {'ratio':>6} {'cpu ratio':>9} {'RSS MB':>7} {'nix MB':>7}"
        f"  {'target':<22} met"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        flag = "yes" if r["met"] else ("NO (output differs)" if not r["same_output"] else "no")
        print(
            f"{r['case']:<36} {r['pydock_s']:>7.3f}s {r['baseline_s']:>7.3f}s {r['ratio']:>5.1f}x "
            f"{r['pydock_cpu_s'] / max(r['baseline_cpu_s'], 1e-3):>8.1f}x "
            f"{r['peak_rss_mb']:>7.1f} {r['baseline_rss_mb']:>7.1f}  {r['target']:<22} {flag}"
        )


if __name__ == "__main__":
    print_table(run(quick="--quick" in sys.argv[1:]))
