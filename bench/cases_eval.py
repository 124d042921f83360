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
(checked: a case whose outputs differ is "not met"), and run alternately after warm-up runs
of pydock (steady state: bytecode and parsed-file caches written, as after any first use);
the best wall time of the rounds counts, the peak RSS is ``bench.measure``'s (GNU time's).

pydock runs as users run it, through the ``pydock`` command (``bin/pydock``): the first run
starts the warm evaluation server (``pydock/server.py``) and leaves the hint of the quick
start (``pydock/fast_start.py``); later runs are answered by the server from an interpreter
started without ``site``.  The bench gives the server a private ``XDG_RUNTIME_DIR``, waits
until it is up, and stops it at the end.  Rows say which mode ran: ``[server]`` rows count
only if the server answered every timed run from the quick start (its request counts are
checked; ``[server, full start]`` if the runs came from the full program instead), and their
RSS and CPU are the larger of the client's and the
server child's (the server reports the child's ``wait4`` usage).  The typical cases also get
an ``[in-process]`` row (``PYDOCK_SERVER=0``, the cost without the server), for reference.

    python bench/cases_eval.py [--quick]

``run(quick)`` is the entry point the bench harness calls (one dict per case).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as ``python bench/cases_eval.py``
    sys.path.insert(0, str(REPO))

from bench.measure import Measured, run_child  # noqa: E402

PRELUDE = REPO / "evaluator" / "prelude"
EXAMPLES = REPO / "examples"

TYPICAL = "<= 2.0x"
HEAVY = "<= 4.0x"
REFERENCE = "reference"
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


class _WarmServer:
    """A private warm server for the bench: started by a first run, checked on every timed run, stopped after."""

    def __init__(self, pydock: list[str], env: dict[str, str]) -> None:
        self.runtime = tempfile.mkdtemp(prefix="pdb-", dir="/tmp")  # short: socket paths are limited
        os.chmod(self.runtime, 0o700)
        self.pydock = pydock
        self.env = {**env, "XDG_RUNTIME_DIR": self.runtime, "PYDOCK_SERVER": "1"}
        self.up = False

    def _status(self) -> dict | None:
        from pydock.server import request_op

        folder = os.path.join(self.runtime, "pydock")
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if name.endswith(".sock"):
                try:
                    info = request_op(os.path.join(folder, name), "status")
                except OSError:
                    continue
                if not info["stopping"]:
                    return info
        return None

    def start(self) -> None:
        run_child([*self.pydock, "eval", "-E", "0"], env=self.env)  # finds no server: starts one
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self._status() is None:
            time.sleep(0.05)
        self.up = self._status() is not None

    def run(self, cmd: list[str], digest: bool = False) -> tuple[Measured, bool, bool]:
        """Run ``cmd`` with the server on: (measurement with the child's RSS and CPU, answered by the
        server, sent by the quick start of ``bin/pydock``, i.e. from an interpreter without ``site``)."""
        before = self._status() if self.up else None
        m = run_child(cmd, env=self.env, digest=digest)
        if before is None:
            return m, False, False
        deadline = time.monotonic() + 30
        after = self._status()
        while after is not None and after["reaped"] < before["served"] + 1 and time.monotonic() < deadline:
            time.sleep(0.002)
            after = self._status()
        if after is None or after["served"] != before["served"] + 1 or after["refused"] != before["refused"]:
            return m, False, False
        rss = max(m.rss_mb, after["last_maxrss_kib"] / 1024)
        quick = after["served_quick"] == before["served_quick"] + 1
        return Measured(m.wall, rss, m.nbytes, m.sha256, m.stdout_tail, m.cpu + after["last_cpu_s"]), True, quick

    def stop(self) -> None:
        subprocess.run([*self.pydock, "server", "stop"], env=self.env, capture_output=True, timeout=120)
        shutil.rmtree(self.runtime, ignore_errors=True)


def _row(case: str, mode: str, runs: list[Measured], nix_runs: list[Measured], target: str, heavy: bool,
         met_extra: bool, note: str = "") -> dict:  # fmt: skip
    py_best = min(r.wall for r in runs)
    nix_best = min(r.wall for r in nix_runs)
    py_rss = max(r.rss_mb for r in runs)
    nix_rss = max(r.rss_mb for r in nix_runs)
    same_output = runs[-1].sha256 == nix_runs[-1].sha256
    ratio = py_best / nix_best
    if target == REFERENCE:
        met = same_output
    else:
        limit = float(target.split()[1].rstrip("x"))
        met = met_extra and same_output and ratio <= limit and (not heavy or py_rss <= RSS_LIMIT * nix_rss)
    return {
        "case": f"{case} [{mode}]",
        "pydock_s": py_best,
        "baseline": "nix-instantiate",
        "baseline_s": nix_best,
        "ratio": ratio,
        "mb_s": None,
        "peak_rss_mb": py_rss,
        "baseline_rss_mb": nix_rss,
        "target": target + (f", RSS <= {RSS_LIMIT:g}x" if heavy and target != REFERENCE else ""),
        "met": met,
        "same_output": same_output,
        "pydock_cpu_s": min(r.cpu for r in runs),
        "baseline_cpu_s": min(r.cpu for r in nix_runs),
        "note": note,
    }


def run(quick: bool) -> list[dict]:
    """Run every case (pydock through its server, in-process for the typical ones, and nix-instantiate)."""
    nix = shutil.which("nix-instantiate")
    if nix is None:
        raise RuntimeError("nix-instantiate (Debian package nix-bin) is needed as the baseline")
    pydock = _pydock_command()
    env = dict(os.environ)
    env["NIX_PATH"] = ""
    # what users run: bytecode caches written (some shells here set PYTHONDONTWRITEBYTECODE)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    in_process_env = {**env, "PYDOCK_SERVER": "0"}
    rounds_typical, rounds_heavy = (3, 1) if quick else (7, 3)
    server = _WarmServer(pydock, env)
    results = []
    try:
        server.start()
        for case, args, target, heavy in _cases():
            py_cmd = [*pydock, "eval", "-I", f"nixpkgs={PRELUDE}", *args]
            nix_cmd = [nix, "--eval", "-I", f"nixpkgs={PRELUDE}", *args]
            rounds = rounds_heavy if heavy else rounds_typical
            run_child(py_cmd, env=in_process_env)  # warm-up: bytecode and parsed-file caches, page cache
            server.run(py_cmd)  # warm-up of the server's child path (and the quick start's hint)
            served_runs: list[Measured] = []
            local_runs: list[Measured] = []
            nix_runs: list[Measured] = []
            all_served = all_quick = server.up
            for _ in range(rounds):
                m, answered, quick = server.run(py_cmd, digest=True)
                served_runs.append(m)
                all_served, all_quick = all_served and answered, all_quick and quick
                if not heavy:
                    local_runs.append(run_child(py_cmd, env=in_process_env, digest=True))
                nix_runs.append(run_child(nix_cmd, env=env, digest=True))
            mode = "server" if all_quick else "server, full start" if all_served else "in-process: no server answered"
            results.append(_row(case, mode, served_runs, nix_runs, target, heavy, all_served))
            if local_runs:
                results.append(_row(case, "in-process", local_runs, nix_runs, REFERENCE, heavy, True,
                                    "PYDOCK_SERVER=0: the cost without the server (no target)"))  # fmt: skip
    finally:
        server.stop()
    return results


def print_table(results: list[dict]) -> None:
    head = (
        f"{'case':<50} {'pydock':>8} {'nix':>8} {'ratio':>6} {'cpu ratio':>9} {'RSS MB':>7} {'nix MB':>7}"
        f"  {'target':<22} met"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        flag = "yes" if r["met"] else ("NO (output differs)" if not r["same_output"] else "no")
        print(
            f"{r['case']:<50} {r['pydock_s']:>7.3f}s {r['baseline_s']:>7.3f}s {r['ratio']:>5.1f}x "
            f"{r['pydock_cpu_s'] / max(r['baseline_cpu_s'], 1e-3):>8.1f}x "
            f"{r['peak_rss_mb']:>7.1f} {r['baseline_rss_mb']:>7.1f}  {r['target']:<22} {flag}"
        )


if __name__ == "__main__":
    print_table(run(quick="--quick" in sys.argv[1:]))
