"""Substituting a ~2,000-path closure over HTTP: pydock against ``nix copy`` (wraps ``substitute_bench.py``).

Skipped by ``--quick``: its fixture is built with ``nix-build`` once (minutes) and each
round copies ~300 MB of NARs.
"""

from __future__ import annotations

import sys

from bench.wrapped import grab, run_script


def run(quick: bool) -> list[dict]:
    if quick:
        print("  cases_substitute: skipped by --quick (run without it)", file=sys.stderr)
        return []
    out = run_script("substitute_bench.py", "-n", "2")
    (nix_s,) = grab(r"^nix copy --from http:\s+([\d.]+) s", out)
    (py_s,) = grab(r"^pydock ensure_valid:\s+([\d.]+) s", out)
    (rss,) = grab(r"^pydock peak RSS:\s+(\d+) MiB", out)
    (mb,) = grab(r"closure: \d+ paths, (\d+) MB of NARs", out)
    p, n = float(py_s), float(nix_s)
    return [
        {
            "case": "substitute closure over http",
            "pydock_s": p,
            "baseline": "nix copy --from http",
            "baseline_s": n,
            "ratio": n / p,
            "mb_s": float(mb) / p,
            "peak_rss_mb": float(rss),
            "baseline_rss_mb": None,
            "target": ">= 1.0x (nix/pydock)",
            "met": n / p >= 1.0,
            "note": "wraps bench/substitute_bench.py",
        }
    ]
