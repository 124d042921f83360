"""A spare child copies the pages its command will write, ahead of the request (``pydock/server.py``).

A forked child shares the server's pages copy-on-write; the first write to each one (and
Python writes to every object it touches: reference counts) costs a page fault and a copy,
6-18 µs on the virtual machines pydock's benchmarks run on.  A short evaluation takes 600 to
2,000 of them, as much time as the evaluation itself.  The spare child waits for its request
anyway, so it takes the copies then: ``MADV_POPULATE_WRITE`` (Linux 5.14) breaks the sharing
of a range in one system call, without a fault per page (~2.5 µs a page).

Which pages: those earlier commands wrote.  A child whose command line the server has not
seen yet (and every sixteenth, see ``server.py``) reads its own ``/proc/self/pagemap`` after
its command (~2 ms): the pages of the server's writable memory
that are now its own (the "exclusively mapped" flag) are the ones it wrote; the server
keeps the union of those that are in its own memory (the others were free heap the child
allocated into: copying them would only make every child larger) and every spare copies
those.  Copying all of the server's memory would cost ~20 ms of CPU per command for ~9,000
pages of which a command writes ~2,000.

The copying goes in chunks and stops as soon as the request arrives, so a request never
waits for it; what is left is faulted as before.  Nothing is visible to the command: the
pages keep their contents.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

__all__ = ["learning_ranges", "merge", "prefault", "resident_only", "waiting", "writable_ranges", "written_runs"]

_MADV_POPULATE_WRITE = 23
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_CHUNK_PAGES = 16  # pages per system call (~40 µs) between looks at the request
_LARGEST = 64 << 20  # larger private mappings are reservations (thread stacks), not the heap
_MAX_PAGES = 16384  # what the server remembers: 64 MiB of pages
# pagemap entries: bit 63 present, bit 56 exclusively mapped; both in the entry's last byte
_OWN = bytes(1 if (b & 0x81) == 0x81 else 0 for b in range(256))
_PRESENT = bytes(1 if b & 0x80 else 0 for b in range(256))

#: set in a spare child that is to report what its command wrote (the server's ranges at fork)
learning_ranges: list[tuple[int, int]] | None = None


def writable_ranges() -> list[tuple[int, int]]:
    """(start, end) of this process' private writable mappings: heap, arenas, libraries' data
    (none when ``/proc`` cannot tell: then nothing is copied ahead)."""
    out = []
    try:
        f = open("/proc/self/maps")  # noqa: SIM115 - closed below
    except OSError:
        return out
    with f:
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


def written_runs(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(first page, number of pages) of the pages in ``ranges`` this process owns alone now."""
    return _pages_flagged([(start // _PAGE, (end - start) // _PAGE) for start, end in ranges], _OWN)


def resident_only(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The pages of ``runs`` that are in this process' memory (the server's, when it learns).

    A child also owns the pages it was the first to touch (free heap it allocated into); copying
    those ahead would not save a copy, only fill the next child with memory it may never use.
    """
    try:
        return _pages_flagged(runs, _PRESENT)
    except OSError:
        return []


def _pages_flagged(runs: list[tuple[int, int]], flags: bytes) -> list[tuple[int, int]]:
    """The page runs within ``runs`` whose ``/proc/self/pagemap`` entry's last byte ``flags`` maps to 1."""
    out = []
    fd = os.open("/proc/self/pagemap", os.O_RDONLY | os.O_CLOEXEC)
    try:
        for first, n in runs:
            marks = os.pread(fd, n * 8, first * 8)[7::8].translate(flags)
            out.extend((first + m.start(), m.end() - m.start()) for m in re.finditer(b"\x01+", marks))
    finally:
        os.close(fd)
    return out


def merge(*run_lists: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of page runs, coalesced and in order (at most ``_MAX_PAGES`` pages)."""
    out: list[list[int]] = []
    total = 0
    for first, n in sorted(r for runs in run_lists for r in runs):
        end = first + n
        if out and first <= out[-1][1]:
            if end > out[-1][1]:
                total += end - out[-1][1]
                out[-1][1] = end
        else:
            out.append([first, end])
            total += n
        if total >= _MAX_PAGES:
            break
    return [(a, b - a) for a, b in out]


def prefault(runs: list[tuple[int, int]], stop: Callable[[], bool]) -> int:
    """Copy the pages of ``runs`` into this process now, in chunks, until ``stop()``; the pages done."""
    try:
        import ctypes

        madvise = ctypes.CDLL(None, use_errno=True).madvise
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    except (OSError, AttributeError):
        return 0
    done = 0
    for first, n in runs:
        end = first + n
        while first < end:
            if stop():
                return done
            k = min(_CHUNK_PAGES, end - first)
            # an error (a page the server has since unmapped) just skips the chunk
            if madvise(first * _PAGE, k * _PAGE, _MADV_POPULATE_WRITE) != 0 and ctypes.get_errno() == 22:
                return done  # EINVAL: a kernel without MADV_POPULATE_WRITE
            first += k
            done += k
    return done


def waiting(fd: int) -> Callable[[], bool]:
    """A ``stop`` for :func:`prefault`: whether ``fd`` has something to read (the request)."""
    import select

    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    return lambda: bool(poller.poll(0))
