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
use); the best wall time of the rounds counts, the peak RSS is the child's ``ru_maxrss``.

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
PRELUDE = REPO / "evaluator" / "prelude"
EXAMPLES = REPO / "examples"

TYPICAL = "<= 2.0x"
HEAVY = "<= 4.0x"
RSS_LIMIT = 2.0

# fixture file name -> its text (written into a temp dir per run)
FIXTURES: dict[str, str] = {
    "fib.nix": "let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib 25\n",
    "fold.nix": "builtins.foldl' (acc: x: acc + x * 2) 0 (builtins.genList (i: i) 100000)\n",
    "attrs-chain.nix": """\
# 5,000 attributes through listToAttrs, mapAttrs and the prelude's recursiveUpdate
let
  lib = (import <nixpkgs> { }).lib;
  names = builtins.genList (i: "pkg${toString i}") 5000;
  base = builtins.listToAttrs (map (n: { name = n; value = { pname = n; meta.license = "mit"; }; }) names);
  mapped = builtins.mapAttrs (n: v: v // { version = "1.${builtins.substring 3 9 n}"; }) base;
  extra = builtins.listToAttrs (map (n: { name = n; value = { meta.description = "the ${n} package"; }; }) names);
  merged = lib.recursiveUpdate mapped extra;
in
builtins.foldl' (acc: n: acc + builtins.stringLength merged.${n}.meta.description
  + builtins.stringLength merged.${n}.version) 0 (builtins.attrNames merged)
""",
    "modules.nix": """\
# A module-system-style fixed point: 200 modules declare options and define values that
# read other options through `config`; definitions are merged by priority and type.
let
  lib = (import <nixpkgs> { }).lib;
  inherit (lib) fix mapAttrs zipAttrsWith foldl' filter length head sort concatLists attrValues;
  n = 200;
  mkOption = { default ? null, type ? "str" }: { _type = "option"; inherit default type; };
  mkOverride = priority: value: { _type = "override"; inherit priority value; };
  mkDefault = mkOverride 1000;
  mkForce = mkOverride 50;
  module = i: { config, ... }: {
    options."opt${toString i}" = mkOption { default = i; type = "int"; };
    options."name${toString i}" = mkOption { type = "str"; };
    config = {
      "name${toString i}" = if i == 0 then "root" else "${config."name${toString (i - 1)}"}-${toString i}";
      "opt${toString (lib.trivial.mod (i * 7) n)}" = mkDefault (i * 3);
    } // (if lib.trivial.mod i 10 == 0
          then { "opt${toString i}" = mkForce (config."opt${toString (i + 1)}" or 0); }
          else { });
  };
  modules = builtins.genList module n;
  evalModules = mods: fix (self:
    let
      results = map (m: m { config = self.config; inherit lib; }) mods;
      options = foldl' (acc: r: acc // r.options) { } results;
      defs = zipAttrsWith (_: vs: vs) (map (r: r.config) results);
      prio = d: if builtins.isAttrs d && d ? _type && d._type == "override" then d.priority else 100;
      strip = d: if builtins.isAttrs d && d ? _type && d._type == "override" then d.value else d;
      merge = name: opt:
        let
          ds = defs.${name} or [ ];
          best = if ds == [ ] then null else head (sort (a: b: prio a < prio b) ds);
          highest = filter (d: prio d == prio best) ds;
        in
        if ds == [ ] then opt.default
        else if length highest > 1 && opt.type == "str" then throw "conflicting definitions for ${name}"
        else strip best;
    in { inherit options; config = mapAttrs merge options; });
  result = evalModules modules;
in
{
  total = foldl' (acc: i: acc + result.config."opt${toString i}") 0 (builtins.genList (i: i) n);
  last = builtins.stringLength result.config."name${toString (n - 1)}";
}
""",
    "dockerish.nix": """\
# A typical dockerTools-style file: configs, let-bindings, string building, lists
let
  mkConfig = { name, tag ? "latest", env ? { }, ports ? [ ] }: {
    inherit name tag;
    config = {
      Env = builtins.attrValues (builtins.mapAttrs (k: v: "${k}=${v}") env);
      ExposedPorts = builtins.listToAttrs (map (p: { name = "${toString p}/tcp"; value = { }; }) ports);
      Cmd = [ "/bin/${name}" "--port" (toString (builtins.head (ports ++ [ 80 ]))) ];
    };
  };
  images = builtins.genList (i: mkConfig {
    name = "svc${toString i}";
    env = { PATH = "/bin"; INDEX = toString i; };
    ports = [ (8000 + i) (9000 + i) ];
  }) 300;
in
builtins.toJSON (map (i: i.config) images)
""",
}


def _cases(fixtures: Path) -> list[tuple[str, list[str], str, bool]]:
    """(case name, arguments after `--eval`, target, heavy) for every case."""
    f = lambda name: str(fixtures / name)  # noqa: E731
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


class _Run:
    """One run of a command: wall and CPU seconds, peak RSS (MB), stdout; raises if it fails."""

    def __init__(self, cmd: list[str], env: dict[str, str]) -> None:
        with tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env)
            assert p.stdout is not None
            out = p.stdout.read()
            p.stdout.close()
            _, status, usage = os.wait4(p.pid, 0)  # the child's own rusage (CPU, ru_maxrss)
            self.wall = time.perf_counter() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
            if p.returncode != 0:
                err.seek(0)
                raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{err.read().decode(errors='replace')}")
        # the machine is shared: CPU time is the steadier figure, printed beside the wall time
        self.cpu = usage.ru_utime + usage.ru_stime
        self.rss_mb = usage.ru_maxrss / 1024.0
        self.out = out.decode(errors="replace")


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
    with tempfile.TemporaryDirectory(prefix="pydock-bench-eval-") as tmp:
        fixtures = Path(tmp)
        for name, text in FIXTURES.items():
            (fixtures / name).write_text(text)
        for case, args, target, heavy in _cases(fixtures):
            py_cmd = [*pydock, "eval", "-I", f"nixpkgs={PRELUDE}", *args]
            nix_cmd = [nix, "--eval", "-I", f"nixpkgs={PRELUDE}", *args]
            rounds = rounds_heavy if heavy else rounds_typical
            _Run(py_cmd, env)  # warm-up: bytecode and parsed-file caches, page cache
            py_runs: list[_Run] = []
            nix_runs: list[_Run] = []
            for _ in range(rounds):
                py_runs.append(_Run(py_cmd, env))
                nix_runs.append(_Run(nix_cmd, env))
            py_best = min(r.wall for r in py_runs)
            nix_best = min(r.wall for r in nix_runs)
            py_rss = max(r.rss_mb for r in py_runs)
            nix_rss = max(r.rss_mb for r in nix_runs)
            py_out, nix_out = py_runs[-1].out, nix_runs[-1].out
            ratio = py_best / nix_best
            limit = float(target.split()[1].rstrip("x"))
            met = py_out == nix_out and ratio <= limit and (not heavy or py_rss <= RSS_LIMIT * nix_rss)
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
                    "same_output": py_out == nix_out,
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
