"""Evaluation time without start-up: each program evaluated repeatedly inside one process.

``pydock eval`` pays interpreter start-up and imports on every run, which a warm server
removes; what is left is the evaluation itself (parsing from the parse cache, the prelude,
the program, printing). This script imports pydock once, evaluates each file once to warm
up (bytecode, parse cache, lazily imported modules), then ``--rounds`` more times as
``pydock eval --strict -I nixpkgs=<prelude> FILE`` does (a fresh ``EvalState`` each time,
on the big-stack evaluation thread), and prints per file the best wall and CPU seconds:

    CASE<TAB>best wall<TAB>best cpu<TAB>first line of the output

    python bench/eval_inprocess.py [--rounds N] FILE.nix ...
"""

from __future__ import annotations

import argparse
import os
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRELUDE = os.path.join(REPO, "evaluator", "prelude")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    from pydock.evaluator.runner import run_deep
    from pydock.evaluator.session import evaluate_for_cli

    for path in a.files:
        path = os.path.abspath(path)

        def once(path: str = path) -> list[str]:
            return evaluate_for_cli([path], False, [], True, "nix", [], [], [f"nixpkgs={PRELUDE}"])

        out = run_deep(once)  # warm-up
        walls, cpus = [], []
        for _ in range(a.rounds):
            t0, c0 = time.perf_counter(), time.process_time()
            run_deep(once)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        first = out[0].splitlines()[0] if out and out[0] else ""
        print(f"{os.path.basename(path)}\t{min(walls):.4f}\t{min(cpus):.4f}\t{first[:60]}", flush=True)


if __name__ == "__main__":
    main()
