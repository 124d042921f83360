"""A spare child copies the server's memory ahead of its request (``pydock/server.py``).

A forked child shares the server's pages copy-on-write; the first write to each one (and
Python writes to every object it touches: reference counts) costs a page fault and a copy,
6-18 µs on the virtual machines pydock's benchmarks run on.  A short evaluation takes 600 to
2,000 of them, as much time as the evaluation itself.  The spare child waits for its request
anyway, so it takes the copies then: ``MADV_POPULATE_WRITE`` (Linux 5.14) breaks the sharing
of a whole range in one system call, without a fault per page.  It goes in chunks and stops
as soon as the request arrives, so a request never waits for it; what is left is faulted as
before.  Nothing is visible to the command: the pages keep their contents.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["prefault", "waiting", "writable_ranges"]

_MADV_POPULATE_WRITE = 23
_CHUNK = 64 << 10  # bytes per system call: ~16 pages, ~0.1 ms, between looks at the request
_LARGEST = 64 << 20  # larger private mappings are reservations (thread stacks), not the heap


def writable_ranges() -> list[tuple[int, int]]:
    """(start, end) of this process' private writable mappings: heap, arenas, libraries' data."""
    out = []
    with open("/proc/self/maps") as f:
        for line in f:
            fields = line.split()
            perms = fields[1]
            if perms[0:2] != "rw" or perms[3] != "p":
                continue
            name = fields[5] if len(fields) > 5 else ""
            if name.startswith("[") and name != "[heap]":
                continue  # [stack], [vvar], [vdso]…
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if end - start <= _LARGEST:
                out.append((start, end))
    return out


def prefault(ranges: list[tuple[int, int]], stop: Callable[[], bool]) -> int:
    """Copy ``ranges`` into this process now, in chunks, until ``stop()``; the bytes copied."""
    try:
        import ctypes

        madvise = ctypes.CDLL(None, use_errno=True).madvise
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    except (OSError, AttributeError):
        return 0
    done = 0
    for start, end in ranges:
        while start < end:
            if stop():
                return done
            n = min(_CHUNK, end - start)
            if madvise(start, n, _MADV_POPULATE_WRITE) != 0 and ctypes.get_errno() == 22:
                return done  # EINVAL: a kernel without MADV_POPULATE_WRITE
            start += n
            done += n
    return done


def waiting(fd: int) -> Callable[[], bool]:
    """A ``stop`` for :func:`prefault`: whether ``fd`` has something to read (the request)."""
    import select

    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    return lambda: bool(poller.poll(0))

