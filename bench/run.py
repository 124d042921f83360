"""One entry point for pydock's benchmarks: ``python -m bench [--quick] [--json] [--only WORD]``.

Every ``bench/cases_*.py`` module found here is imported and its ``run(quick: bool)``
called; each returns rows (dicts) with ``case``, ``pydock_s``, ``baseline`` (what it is
compared with), ``baseline_s``, ``ratio``, ``mb_s``, ``peak_rss_mb``, ``baseline_rss_mb``,
``target`` and ``met``.  The direction of ``ratio`` is the case's own and is spelled out
by its ``target`` (for this module's streaming cases: baseline time / pydock time,
higher is better).  Cases build their own fixtures and run each side as a child
process, interleaved with its baseline, so that a busy machine slows both alike.

``--quick`` shrinks the fixtures (the whole run stays under a minute); a case that
fails is reported on stderr and as an unmet row, and the others still run.
"""

from __future__ import annotations

import argparse
import glob
import importlib
import json
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def discover() -> list[str]:
    """Module names of the cases present, in file-name order."""
    return [f"bench.{os.path.basename(p)[:-3]}" for p in sorted(glob.glob(os.path.join(HERE, "cases_*.py")))]


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else format(value, spec) + suffix


def render(rows: list[dict]) -> str:
    head = ("case", "pydock", "baseline", "base s", "ratio", "MB/s", "RSS MB", "base RSS", "target", "met")
    table = [head]
    for r in rows:
        table.append(
            (
                r["case"],
                _fmt(r.get("pydock_s"), ".3f", "s"),
                r.get("baseline") or "-",
                _fmt(r.get("baseline_s"), ".3f", "s"),
                _fmt(r.get("ratio"), ".2f", "x"),
                _fmt(r.get("mb_s"), ".0f"),
                _fmt(r.get("peak_rss_mb"), ".0f"),
                _fmt(r.get("baseline_rss_mb"), ".0f"),
                r.get("target") or "-",
                "met" if r.get("met") else "NOT MET",
            )
        )
    widths = [max(len(str(line[i])) for line in table) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {r['case']}: {r['note']}" for r in rows if r.get("note")]
    return "\n".join(lines + (["", "notes:", *notes] if notes else []))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small fixtures, few runs (under a minute)")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    ap.add_argument("--only", action="append", default=[], help="run the case modules whose name contains WORD")
    a = ap.parse_args(argv)
    if os.path.dirname(HERE) not in sys.path:  # run as ``python bench/run.py``
        sys.path.insert(0, os.path.dirname(HERE))
    rows: list[dict] = []
    for name in discover():
        if a.only and not any(word in name for word in a.only):
            continue
        t0 = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(name)
            got = module.run(a.quick)
        except Exception as e:  # noqa: BLE001 - one broken case must not hide the others
            traceback.print_exc()
            got = [{"case": name, "pydock_s": None, "baseline": None, "baseline_s": None, "ratio": None,
                    "mb_s": None, "peak_rss_mb": None, "baseline_rss_mb": None, "target": "runs",
                    "met": False, "note": f"failed: {e}".splitlines()[0][:200]}]  # fmt: skip
        print(f"  {name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        rows.extend(got)
    print(json.dumps(rows, indent=2) if a.json else render(rows))
    return 0 if all(r.get("met") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
