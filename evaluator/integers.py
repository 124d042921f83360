"""Nix's integers: signed 64-bit, and arithmetic that overflows wraps around (as Nix 2.8's C++ does).

Python ints are unbounded, so every operation that can leave the range passes through
``wrap_int``; the bounds are spelled out once here for the fast paths that check them inline.
"""

from __future__ import annotations

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1


def wrap_int(r: int) -> int:
    """``r`` reduced into the signed 64-bit range, two's-complement style."""
    if INT_MIN <= r <= INT_MAX:
        return r
    return ((r + 2**63) % 2**64) - 2**63


__all__ = ["INT_MAX", "INT_MIN", "wrap_int"]
