"""Running one side of a case as a child process: wall time, peak RSS, bytes written.

Every timed side (pydock and its baseline alike) runs as a child so that its peak
RSS is its own and interpreter start-up counts the same on both sides.  The peak comes
from GNU ``time -f %M``: ``wait4``'s ``ru_maxrss`` of a child spawned from this process
would start at this process' own high-water mark (Linux carries it across ``exec``).
The child's stdout is drained here through one reused buffer, as a
consumer such as ``docker load`` would read a pipe; a digest of the output is only
taken when asked (warm-up runs), so timed runs are not slowed by it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable
GNU_TIME = shutil.which("time", path="/usr/bin:/bin")


@dataclass(frozen=True)
class Measured:
    wall: float  # seconds
    rss_mb: float  # peak resident set of the child (the largest process of its tree)
    nbytes: int  # bytes it wrote to stdout
    sha256: str | None  # of stdout, when asked for
    stdout_tail: bytes  # last bytes of stdout (for children that print a result)
    cpu: float = 0.0  # user + system seconds of the child and what it waited for


class ChildFailed(RuntimeError):
    pass


def run_child(
    cmd: Sequence[str],
    *,
    digest: bool = False,
    env: dict[str, str] | None = None,
    keep_tail: int = 0,
) -> Measured:
    """Run ``cmd``, drain its stdout, and measure it; raise :class:`ChildFailed` on a non-zero exit."""
    rss_file = None
    if GNU_TIME:
        fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
        os.close(fd)
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_file, *cmd]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    sha = hashlib.sha256() if digest else None
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    fd = proc.stdout.fileno()
    nbytes = 0
    tail = b""
    while True:
        n = os.readv(fd, [view])
        if not n:
            break
        nbytes += n
        if sha is not None:
            sha.update(view[:n])
        if keep_tail:
            tail = (tail + bytes(view[:n]))[-keep_tail:]
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    proc.stderr.close()
    peak_kib = usage.ru_maxrss
    if rss_file is not None:
        with open(rss_file) as f:
            lines = f.read().split()
        os.unlink(rss_file)
        peak_kib = int(lines[-1]) if lines and lines[-1].isdigit() else peak_kib
    if proc.returncode != 0:
        raise ChildFailed(f"{' '.join(cmd[:6])}… exited {proc.returncode}:\n{err.decode(errors='replace')[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(wall, peak_kib / 1024, nbytes, sha.hexdigest() if sha else None, tail, cpu)


def best_of(runs: int, sides: dict[str, Callable[[], Measured]]) -> dict[str, Measured]:
    """Each side ``runs`` times, interleaved (a, b, a, b, …) so both see the same machine load.

    Returns per side the fastest run, with the largest peak RSS seen over all runs.
    """
    best: dict[str, Measured] = {}
    rss: dict[str, float] = {}
    for _ in range(runs):
        for name, fn in sides.items():
            m = fn()
            rss[name] = max(rss.get(name, 0.0), m.rss_mb)
            if name not in best or m.wall < best[name].wall:
                best[name] = m
    return {name: Measured(m.wall, rss[name], m.nbytes, m.sha256, m.stdout_tail, m.cpu) for name, m in best.items()}


def row(
    case: str,
    pydock: Measured | float,
    baseline: str,
    base: Measured | float | None,
    *,
    target: str,
    met: bool,
    mb: float | None = None,
    note: str = "",
) -> dict:
    """One line of the table in the contract ``run(quick)`` returns (``ratio`` = baseline / pydock, >1 is faster)."""
    p_s = pydock.wall if isinstance(pydock, Measured) else pydock
    b_s = base.wall if isinstance(base, Measured) else base
    return {
        "case": case,
        "pydock_s": p_s,
        "baseline": baseline,
        "baseline_s": b_s,
        "ratio": (b_s / p_s) if b_s else None,
        "mb_s": (mb / p_s) if mb else None,
        "peak_rss_mb": pydock.rss_mb if isinstance(pydock, Measured) else None,
        "baseline_rss_mb": base.rss_mb if isinstance(base, Measured) else None,
        "target": target,
        "met": bool(met),
        "note": note,
    }
