"""Pulling an image from a local ``docker-registry``: pydock against ``skopeo copy`` (wraps ``pull_bench.py``)."""

from __future__ import annotations

import shutil

from bench.wrapped import grab, run_script


def run(quick: bool) -> list[dict]:
    if not (shutil.which("docker-registry") and shutil.which("skopeo")):
        raise RuntimeError("docker-registry and skopeo are needed (Debian packages docker-registry, skopeo)")
    mib = 32 if quick else 128
    out = run_script("pull_bench.py", "--mib", str(mib), "-n", "1" if quick else "3")
    (sk,) = grab(r"^skopeo copy .*?:\s+([\d.]+) s", out)
    (py,) = grab(r"^pydock pull_docker_archive:\s+([\d.]+) s", out)
    (same,) = grab(r"archives identical: (\w+)", out)
    p, s = float(py), float(sk)
    return [
        {
            "case": f"pull {mib} MiB image",
            "pydock_s": p,
            "baseline": "skopeo copy",
            "baseline_s": s,
            "ratio": s / p,
            "mb_s": mib * 1.048576 / p,
            "peak_rss_mb": None,
            "baseline_rss_mb": None,
            "target": ">= 1.0x (skopeo/pydock), same archive",
            "met": s / p >= 1.0 and same == "True",
            "note": "wraps bench/pull_bench.py",
        }
    ]
