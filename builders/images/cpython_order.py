"""The iteration order of a CPython ``set`` of strings or frozensets under ``PYTHONHASHSEED=0``.

nixpkgs' ``auto-layer.py`` orders layers by closure size, and layers of equal size keep
the order in which ``set(layer_split.values())`` — a set of frozensets of store paths —
iterates.  That order is a function of the element hashes, which nixpkgs makes
deterministic: its Python setup hook exports ``PYTHONHASHSEED=0`` (a zero SipHash key),
and its Python (3.12/3.13, as 3.11) hashes ``str`` with SipHash-1-3.  Equal-size layers
are common (small text files have equal NAR sizes), so reproducing the layer order
means reproducing that hashing and the set's open-addressing table, which this module
does independently of the running interpreter's own seed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

__all__ = ["frozenset_hash", "set_order", "str_hash"]

_M = (1 << 64) - 1


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _M


def _round(v0: int, v1: int, v2: int, v3: int) -> tuple[int, int, int, int]:
    v0 = (v0 + v1) & _M
    v2 = (v2 + v3) & _M
    v1 = _rotl(v1, 13) ^ v0
    v3 = _rotl(v3, 16) ^ v2
    v0 = _rotl(v0, 32)
    v2 = (v2 + v1) & _M
    v0 = (v0 + v3) & _M
    v1 = _rotl(v1, 17) ^ v2
    v3 = _rotl(v3, 21) ^ v0
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash13(data: bytes, k0: int = 0, k1: int = 0) -> int:
    """SipHash-1-3 of ``data`` as an unsigned 64-bit integer (CPython's variant of the finaliser)."""
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573
    n = len(data)
    end = n - n % 8
    for i in range(0, end, 8):
        m = int.from_bytes(data[i : i + 8], "little")
        v3 ^= m
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
        v0 ^= m
    b = ((n & 0xFF) << 56) | int.from_bytes(data[end:], "little")
    v3 ^= b
    v0, v1, v2, v3 = _round(v0, v1, v2, v3)
    v0 ^= b
    v2 ^= 0xFF
    for _ in range(3):
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
    return (v0 ^ v1) ^ (v2 ^ v3)


def str_hash(s: str) -> int:
    """``hash(s) % 2**64`` in a CPython started with ``PYTHONHASHSEED=0``.

    CPython hashes a string's compact representation: one byte per character when all
    fit in Latin-1, else two or four.
    """
    if not s:
        return 0
    top = max(map(ord, s))
    if top < 0x100:
        raw = s.encode("latin-1")
    elif top < 0x10000:
        raw = s.encode("utf-16-le", "surrogatepass")
    else:
        raw = s.encode("utf-32-le", "surrogatepass")
    h = siphash13(raw)
    return _M - 1 if h == _M else h  # -1 is reserved for errors and becomes -2


def _shuffle(h: int) -> int:
    return (((h ^ 89869747) ^ (h << 16)) * 3644798167) & _M


def frozenset_hash(item_hashes: Iterable[int]) -> int:
    """``hash(frozenset(...)) % 2**64`` from the (unsigned) hashes of its distinct elements."""
    h = 0
    count = 0
    for ih in item_hashes:
        h ^= _shuffle(ih)
        count += 1
    h ^= ((count + 1) * 1927868237) & _M
    h ^= (h >> 11) ^ (h >> 25)
    h = (h * 69069 + 907133923) & _M
    return 590923713 if h == _M else h


def _probe_free(table: list, mask: int, h: int, match: Callable[[int], bool]) -> int | None:
    """Where ``h`` lands: index of an equal entry (``match``) or of the first free slot (as ``~index``)."""
    perturb = h
    i = h & mask
    while True:
        probes = 9 if i + 9 <= mask else 0
        j = i
        for _ in range(probes + 1):
            entry = table[j]
            if entry is None:
                return ~j
            if entry[0] == h and match(j):
                return j
            j += 1
        perturb >>= 5
        i = (i * 5 + 1 + perturb) & mask


def set_order(items: Iterable[Hashable], hash_of: Callable[[Hashable], int]) -> list[Hashable]:
    """The elements of ``set(items)`` in CPython's iteration order, given each element's seed-0 hash.

    Replays ``set_add_entry``: linear probing over 9 neighbours, then perturbation;
    growth to 4x the used count when the table is 3/5 full, re-inserting in table order.
    """
    mask = 7
    table: list[tuple[int, Hashable] | None] = [None] * 8
    fill = 0
    for key in items:
        h = hash_of(key)
        found = _probe_free(table, mask, h, lambda j, key=key: table[j][1] == key)
        if found >= 0:
            continue
        table[~found] = (h, key)
        fill += 1
        if fill * 5 < mask * 3:
            continue
        size = 8
        while size <= fill * (2 if fill > 50000 else 4):
            size <<= 1
        old, mask = table, size - 1
        table = [None] * size
        for entry in old:
            if entry is not None:
                table[~_probe_free(table, mask, entry[0], lambda _j: False)] = entry
    return [entry[1] for entry in table if entry is not None]
