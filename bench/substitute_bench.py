"""Substituting a large closure from a local HTTP binary cache: pydock vs real Nix 2.8.

Once (cached under ``bench/out/substitute``, git-ignored), real Nix builds the
synthetic closure of ``bench/cases/substitute_closure.nix`` (~2,000 paths,
~300 MB of NARs, 20 layers of references), signs it and copies it with
``nix copy --to file://…?compression=xz``.  Each round then serves that cache with
``python3 -m http.server`` on 127.0.0.1 and substitutes the whole closure into
a fresh store twice, side by side:

* Nix:    ``nix copy --from http://127.0.0.1:PORT --to local?root=FRESH ROOT``
* pydock: ``LocalStore.ensure_valid([ROOT])`` with that cache as substituter

and prints both wall times, the ratio (pydock / Nix; ≤ 1.0 is the target) and
pydock's peak RSS (which must stay flat in closure size).

    python bench/substitute_bench.py [-n 2] [--compression xz] [--jobs N] [--baseline DIR]

``--baseline DIR`` times a second pydock in the same rounds (``DIR`` holds a ``pydock``
package importable with ``PYTHONPATH=DIR``, e.g. an older commit unpacked with
``git archive`` and its ``store``/``evaluator``/``builders``/``grammar`` folders linked
into its ``pydock`` folder), so before/after figures share one machine state.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "substitute"
CASE = HERE / "cases" / "substitute_closure.nix"
NIX3 = ["nix", "--extra-experimental-features", "nix-command"]


def prepare(compression: str) -> tuple[str, Path, str]:
    """Build (once) the closure and its signed cache; returns (root path, cache dir, public key)."""
    OUT.mkdir(parents=True, exist_ok=True)
    root_file, sk, pk = OUT / "root", OUT / "secret.key", OUT / "public.key"
    if not root_file.exists() or not os.path.exists(root_file.read_text().strip()):
        print("building the closure with nix-build (once)...", file=sys.stderr)
        out = subprocess.run(
            ["nix-build", "--option", "substituters", "", "--max-jobs", "4", "--no-out-link", str(CASE)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        root_file.write_text(out + "\n")
    root = root_file.read_text().strip()
    if not sk.exists():
        subprocess.run(["nix-store", "--generate-binary-cache-key", "bench-1", str(sk), str(pk)], check=True)
    cache = OUT / f"cache-{compression}"
    if not (cache / "nix-cache-info").exists():
        print(f"copying it into a {compression} binary cache (once)...", file=sys.stderr)
        shutil.rmtree(cache, ignore_errors=True)
        subprocess.run(
            [*NIX3, "copy", "--to", f"file://{cache}?compression={compression}&secret-key={sk}", root],
            check=True,
            stderr=subprocess.DEVNULL,
        )
    return root, cache, pk.read_text().strip()


def serve(cache: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(cache)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline().split(" port ")[1].split()[0])
    return proc, f"http://127.0.0.1:{port}"


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (KiB) and CPU seconds (user + system) of a child process.

    On a shared machine the wall time mostly measures the neighbours; the CPU time
    (the server's is not included) is the steadier figure for before/after.
    """
    t = time.monotonic()
    # Run from a neutral directory: with ``python -c`` the current directory comes first on
    # sys.path, and a checkout's own ``pydock`` folder would shadow ``--baseline``'s.
    quiet = subprocess.DEVNULL
    proc = subprocess.Popen(cmd, stdout=quiet, stderr=quiet, env=env, cwd=tempfile.gettempdir())
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[0]} failed")
    return wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


PYDOCK_SNIPPET = """
import sys
from pydock.store.settings import load_settings
from pydock.store.substitute import open_store
root, url, key, jobs = sys.argv[1:5]
s = load_settings(substituters=url, trusted_public_keys=key, read_files=False)
if int(jobs):
    s.http_connections = int(jobs)
store = open_store(root, s, progress_stream=sys.stderr)
store.ensure_valid([sys.argv[5]])
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=2, help="rounds (best wall time is reported)")
    ap.add_argument("--compression", default="xz")
    ap.add_argument("--jobs", type=int, default=0, help="pydock's parallel transfers (default: its own)")
    ap.add_argument("--baseline", help="a second pydock tree to time in the same rounds (see above)")
    a = ap.parse_args()
    root, cache, key = prepare(a.compression)
    closure = subprocess.run(["nix-store", "-qR", root], capture_output=True, text=True, check=True).stdout.split()
    nar_bytes = 0
    for f in cache.glob("*.narinfo"):
        for line in f.read_text().splitlines():
            if line.startswith("NarSize: "):
                nar_bytes += int(line.split()[1])
    file_bytes = sum(p.stat().st_size for p in (cache / "nar").iterdir())
    print(
        f"closure: {len(closure)} paths, {nar_bytes / 1e6:.0f} MB of NARs, "
        f"{file_bytes / 1e6:.0f} MB {a.compression} files; served over http on 127.0.0.1"
    )
    server, url = serve(cache)
    best: dict[str, float] = {}
    best_cpu: dict[str, float] = {}
    rss = 0
    try:
        with tempfile.TemporaryDirectory(prefix="subst-bench-") as tmp:
            for r in range(a.n):
                for who in ("nix", "pydock", *(("baseline",) if a.baseline else ())):
                    dest = Path(tmp) / f"{who}-{r}"
                    env = None
                    if who == "nix":
                        cmd = [
                            *NIX3, "copy", "--option", "trusted-public-keys", key, "--option", "substituters", "",
                            "--from", url, "--to", f"local?root={dest}", root,
                        ]  # fmt: skip
                    else:
                        cmd = [sys.executable, "-c", PYDOCK_SNIPPET, str(dest), url, key, str(a.jobs), root]
                        if who == "baseline":
                            env = dict(os.environ, PYTHONPATH=a.baseline)
                    wall, peak, cpu = timed(cmd, env)
                    if who == "pydock":
                        rss = max(rss, peak)
                    best[who] = min(best.get(who, wall), wall)
                    best_cpu[who] = min(best_cpu.get(who, cpu), cpu)
                    print(f"  round {r + 1}: {who:8s} {wall:6.2f} s  (cpu {cpu:5.2f} s)", flush=True)
                    shutil.rmtree(dest, ignore_errors=True)
    finally:
        server.kill()
    ratio = best["pydock"] / best["nix"]
    print(f"nix copy --from http: {best['nix']:.2f} s  (cpu {best_cpu['nix']:.2f} s)")
    print(f"pydock ensure_valid:  {best['pydock']:.2f} s  (cpu {best_cpu['pydock']:.2f} s)")
    print(f"ratio pydock/nix:     {ratio:.2f}x  (target <= 1.0; cpu {best_cpu['pydock'] / best_cpu['nix']:.2f}x)")
    if a.baseline:
        print(
            f"baseline pydock:      {best['baseline']:.2f} s  (cpu {best_cpu['baseline']:.2f} s; "
            f"ratio to nix {best['baseline'] / best['nix']:.2f}x)"
        )
    print(f"pydock peak RSS:      {rss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
