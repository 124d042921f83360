"""Nix's integers: signed 64-bit.

Python ints are unbounded, so the operations that can leave the range check these bounds;
current Nix refuses to overflow (`integer overflow in …`, an intended difference from Nix
2.8, which wrapped around). The bounds are spelled out once here for every check.
"""

from __future__ import annotations

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1

__all__ = ["INT_MAX", "INT_MIN"]
