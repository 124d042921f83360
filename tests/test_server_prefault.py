"""``pydock/server_prefault.py``: a forked child finds the pages it wrote and copies pages ahead.

Run for real in forked children (the kernel's copy-on-write is what is being observed).
"""

from __future__ import annotations

import marshal
import os
import select
from collections.abc import Callable

from pydock import server_prefault as pf

PAGE = os.sysconf("SC_PAGE_SIZE")


def _in_child(fn: Callable[[], object]) -> object:
    """``fn()``'s result, computed in a forked child (marshalled back through a pipe)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(w, marshal.dumps(fn()))
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 1 << 16):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return marshal.loads(data)


def _pages(buf: bytearray) -> set[int]:
    import ctypes

    start = ctypes.addressof((ctypes.c_char * len(buf)).from_buffer(buf))
    return set(range(-(-start // PAGE), (start + len(buf)) // PAGE))


def test_a_child_finds_the_pages_it_wrote() -> None:
    buf = bytearray(64 * PAGE)
    buf[::PAGE] = b"\1" * 64  # present in this process, shared with the child after fork
    pages = sorted(_pages(buf))
    written, untouched = pages[2:10], pages[20:40]

    def child() -> object:
        ranges = pf.writable_ranges()
        for p in written:
            buf[p * PAGE - _base(buf)] = 2
        return pf.written_runs(ranges)

    own = {first + i for first, n in _in_child(child) for i in range(n)}  # type: ignore[union-attr]
    assert set(written) <= own
    assert not own & set(untouched)


def _base(buf: bytearray) -> int:
    import ctypes

    return ctypes.addressof((ctypes.c_char * len(buf)).from_buffer(buf))


def test_prefault_makes_the_pages_the_childs_own_and_keeps_their_contents() -> None:
    buf = bytearray(os.urandom(48 * PAGE))
    pages = sorted(_pages(buf))
    wanted = pages[4:30]

    def child() -> object:
        ranges = pf.writable_ranges()
        done = pf.prefault([(wanted[0], len(wanted))], lambda: False)
        own = {first + i for first, n in pf.written_runs(ranges) for i in range(n)}
        return done, sorted(own & set(pages)), bytes(buf)

    done, own, contents = _in_child(child)  # type: ignore[misc]
    assert done == len(wanted)
    assert set(wanted) <= set(own) and not set(own) & set(pages[32:])
    assert contents == bytes(buf)


def test_prefault_stops_when_the_request_arrives() -> None:
    r, w = os.pipe()
    os.write(w, b"R")  # the request is already there
    try:
        stop = pf.waiting(r)
        assert stop() and select.select([r], [], [], 0)[0]
        assert pf.prefault([(0, 1000)], stop) == 0
    finally:
        os.close(r)
        os.close(w)


def test_merge_coalesces_and_orders() -> None:
    assert pf.merge([(10, 5), (1, 2)], [(12, 6), (3, 1), (30, 1)]) == [(1, 3), (10, 8), (30, 1)]
    assert pf.merge([], []) == []
    assert sum(n for _, n in pf.merge([(2 * i, 1) for i in range(40000)])) == pf._MAX_PAGES  # bounded


def test_only_pages_in_memory_are_kept() -> None:
    """``resident_only`` keeps the touched pages of a fresh mapping and drops the untouched ones
    (the server learns only pages a copy of which saves a fault, not free heap a child used)."""
    import mmap

    region = mmap.mmap(-1, 16 * PAGE)  # anonymous: no page is in memory until written
    import ctypes

    first = ctypes.addressof(ctypes.c_char.from_buffer(region)) // PAGE
    for i in (1, 2, 3, 9):
        region[i * PAGE] = 1
    kept = pf.resident_only([(first, 16)])
    assert {p for start, n in kept for p in range(start, start + n)} == {first + 1, first + 2, first + 3, first + 9}
    assert kept == [(first + 1, 3), (first + 9, 1)]
    assert pf.resident_only([]) == []
