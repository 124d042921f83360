"""What a nixpkgs-sized package index costs ``pydock eval`` warm (wraps ``index_bench.py``, issue 8's target)."""

from __future__ import annotations

from bench.wrapped import grab, run_script


def run(quick: bool) -> list[dict]:
    entries = "30000" if quick else "120000"
    out = run_script("index_bench.py", "-n", "2" if quick else "5", "--entries", entries)
    small, big = grab(r"^typical\.nix \(6 index packages\)\s+(\d+)ms\s+(\d+)ms", out)
    (wall, cpu) = grab(r"^warm overhead of the \S+ index: (-?\d+) ms wall, (-?\d+) ms CPU", out)
    overhead = min(float(wall), float(cpu))
    return [
        {
            "case": f"eval with a {int(entries) // 1000}k-entry index (warm)",
            "pydock_s": float(big) / 1e3,
            "baseline": "same eval, 6-entry index",
            "baseline_s": float(small) / 1e3,
            "ratio": float(small) / float(big),
            "mb_s": None,
            "peak_rss_mb": None,
            "baseline_rss_mb": None,
            "target": "overhead <= 100 ms",
            "met": overhead <= 100,
            "note": f"wraps bench/index_bench.py; overhead {wall} ms wall, {cpu} ms CPU",
        }
    ]
