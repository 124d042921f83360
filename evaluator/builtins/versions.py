"""``splitVersion``, ``compareVersions`` and ``parseDrvName``: the version logic of ``nix-env -u``.

nixpkgs' ``lib.versions`` and package selection depend on these exact rules: components are runs of
digits or runs of other non-separator characters, ``pre`` sorts before everything, a missing
component sorts before a number, and numbers only compare numerically while they fit in a C ``int``
(longer digit runs are compared as strings, as Nix does).
"""

from __future__ import annotations

from typing import Any

from ..ops import decode, encode
from ..values import force_string_no_ctx
from .registry import primop

_INT_MAX = 2**31 - 1


def _is_digit(b: int) -> bool:
    return 0x30 <= b <= 0x39


def _is_alpha(b: int) -> bool:
    return 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A


def _components(v: bytes) -> list[bytes]:
    """Split at ``.`` and ``-``, and between digit runs and other runs (Nix's ``nextComponent``)."""
    out: list[bytes] = []
    i, n = 0, len(v)
    while True:
        while i < n and v[i] in b".-":
            i += 1
        if i == n:
            return out
        start = i
        if _is_digit(v[i]):
            while i < n and _is_digit(v[i]):
                i += 1
        else:
            while i < n and not _is_digit(v[i]) and v[i] not in b".-":
                i += 1
        out.append(v[start:i])


def _as_int(c: bytes) -> int | None:
    """The component as an ``int`` if it is all digits and fits (boost::lexical_cast<int>)."""
    if not c or not all(_is_digit(b) for b in c):
        return None
    n = int(c)
    return n if n <= _INT_MAX else None


def _component_lt(c1: bytes, c2: bytes) -> bool:
    n1 = _as_int(c1)
    n2 = _as_int(c2)
    if n1 is not None and n2 is not None:
        return n1 < n2
    if c1 == b"" and n2 is not None:
        return True
    if c1 == b"pre" and c2 != b"pre":
        return True
    if c2 == b"pre":
        return False
    if n2 is not None:  # "2.3a" < "2.3.1"
        return True
    if n1 is not None:
        return False
    return c1 < c2


def compare_versions(v1: str, v2: str) -> int:
    """-1, 0 or 1, comparing component by component; a missing component is the empty string."""
    a = _components(encode(v1))
    b = _components(encode(v2))
    for i in range(max(len(a), len(b))):
        c1 = a[i] if i < len(a) else b""
        c2 = b[i] if i < len(b) else b""
        if _component_lt(c1, c2):
            return -1
        if _component_lt(c2, c1):
            return 1
    return 0


def parse_drv_name(s: str) -> tuple[str, str]:
    """Split at the first ``-`` not followed by a letter: ``("apache-httpd", "2.0.48")``."""
    b = encode(s)
    for i in range(len(b) - 1):
        if b[i] == 0x2D and not _is_alpha(b[i + 1]):
            return decode(b[:i]), decode(b[i + 1 :])
    return s, ""


@primop("__splitVersion")
def prim_split_version(v: Any) -> Any:
    """The components ``compareVersions`` would compare (``lib.versions`` builds on this)."""
    return [decode(c) for c in _components(encode(force_string_no_ctx(v)))]


@primop("__compareVersions")
def prim_compare_versions(v1: Any, v2: Any) -> Any:
    """-1, 0 or 1; both arguments are forced (and checked) before comparing, like Nix."""
    a = force_string_no_ctx(v1)
    b = force_string_no_ctx(v2)
    return compare_versions(a, b)


@primop("__parseDrvName")
def prim_parse_drv_name(s: Any) -> Any:
    """``{ name, version }`` of a derivation name such as ``"nix-0.12pre12876"``."""
    name, version = parse_drv_name(force_string_no_ctx(s))
    return {"name": name, "version": version}
