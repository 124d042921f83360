"""Time ``pydock eval`` against ``nix-instantiate --eval`` on the same files.

Each case runs both tools side by side (alternating, best of N wall times) and
prints the pydock/nix ratio. The issue's targets: within 2x of nix-instantiate on
typical dockerTools files, within 10x on CPU-heavy evaluation.

    python bench/eval_bench.py [-n 3] [CASE.nix ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def best_time(cmd: list[str], runs: int) -> tuple[float, str]:
    best = float("inf")
    out = ""
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stderr}")
        best = min(best, dt)
        out = p.stdout
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=3)
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    cases = a.cases or sorted(
        os.path.join(HERE, "cases", f) for f in os.listdir(os.path.join(HERE, "cases")) if f.endswith(".nix")
    )
    nix = shutil.which("nix-instantiate")
    pydock = shutil.which("pydock") or sys.exit("pydock is not installed (pip install -e .)")
    print(f"{'case':<16} {'nix-instantiate':>16} {'pydock':>10} {'ratio':>7}  same output")
    for case in cases:
        name = os.path.basename(case)
        py_t, py_out = best_time([pydock, "eval", "--strict", case], a.runs)
        if nix:
            nix_t, nix_out = best_time([nix, "--eval", "--strict", case], a.runs)
            print(f"{name:<16} {nix_t:>15.3f}s {py_t:>9.3f}s {py_t / nix_t:>6.1f}x  {py_out == nix_out}")
        else:
            print(f"{name:<16} {'(no nix)':>16} {py_t:>9.3f}s")


if __name__ == "__main__":
    main()
