"""Operations shared by the compiler and the builtins: equality, ordering, coercion.

These follow Nix 2.8's ``eqValues``, ``CompareValues`` and ``coerceToString`` so
that ``==``, ``<``, ``toString`` and string interpolation agree with real Nix.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Protocol

from .errors import NO_POS, NixError
from .values import (
    CStr,
    Lambda,
    NixPath,
    PrimOp,
    PrimOpApp,
    Thunk,
    call_function,
    force,
    is_derivation,
    show_type,
)


class PathCopier(Protocol):
    """What copies a path into a store for ``coerce_to_string``: the ``EvalState`` of the evaluation."""

    def copy_path_to_store(self, path: str) -> CStr:
        """The store path (a ``CStr`` carrying itself as context) of the source ``path``."""
        ...


def values_equal(a: Any, b: Any) -> bool:
    """Nix's ``==`` on two (possibly unforced) values."""
    if isinstance(a, Thunk):
        a = a.force()
    if isinstance(b, Thunk):
        b = b.force()
    ta = type(a)
    tb = type(b)
    if ta is int and tb is float or ta is float and tb is int:
        return a == b
    if ta is CStr:
        ta = str
    if tb is CStr:
        tb = str
    if ta is not tb:
        if isinstance(a, dict) and isinstance(b, dict):
            pass
        else:
            return False
    if ta is str or ta is int or ta is bool or ta is float:
        return a == b
    if a is None:
        return True
    if ta is list:
        if len(a) != len(b):
            return False
        for x, y in zip(a, b, strict=True):
            if x is y:
                continue
            if not values_equal(x, y):
                return False
        return True
    if isinstance(a, dict):
        if a is b:
            return True
        if is_derivation(a) and is_derivation(b) and "outPath" in a and "outPath" in b:
            return values_equal(a["outPath"], b["outPath"])
        if len(a) != len(b):
            return False
        for k, x in a.items():
            if k not in b:
                return False
            y = b[k]
            if x is y:
                continue
            if not values_equal(x, y):
                return False
        return True
    if ta is NixPath:
        return a.path == b.path
    if ta is Lambda or ta is PrimOp or ta is PrimOpApp:
        return False
    raise NixError(f"cannot compare {show_type(a)} with {show_type(b)}", NO_POS)  # Nix 2.8: no position


def less_than(a: Any, b: Any) -> bool:
    """Nix's ``<`` (``builtins.lessThan``) on two values; lists compare lexicographically."""
    a = force(a)
    b = force(b)
    ta = type(a)
    tb = type(b)
    if ta is CStr:
        ta = str
    if tb is CStr:
        tb = str
    if (ta is int or ta is float) and (tb is int or tb is float):
        return a < b
    if ta is not tb or ta is bool:
        raise NixError(f"cannot compare {show_type(a)} with {show_type(b)}", NO_POS)  # Nix 2.8: no position
    if ta is str:
        if a.isascii() and b.isascii():
            return a < b
        return encode(a) < encode(b)
    if ta is NixPath:
        return a.path < b.path
    if ta is list:
        i = 0
        while True:
            if i == len(b):
                return False
            if i == len(a):
                return True
            if not values_equal(a[i], b[i]):
                return less_than(a[i], b[i])
            i += 1
    raise NixError(f"cannot compare {show_type(a)} with {show_type(b)}", NO_POS)  # Nix 2.8: no position


def encode(s: str) -> bytes:
    """The bytes of a Nix string (source bytes that are not UTF-8 round-trip)."""
    return s.encode("utf-8", "surrogateescape")


def decode(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def _non_finite(f: float) -> str | None:
    """How C++ prints an infinity or a NaN (both printers agree); None for a finite ``f``."""
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    if math.isnan(f):
        return "-nan" if math.copysign(1.0, f) < 0 else "nan"
    return None


def format_float(f: float) -> str:
    """A float as C++ ``ostream << double`` prints it (``%g``, 6 significant digits)."""
    return _non_finite(f) or f"{f:g}"


def float_to_string(f: float) -> str:
    """A float as ``std::to_string`` prints it (``toString 1.5`` is ``1.500000``)."""
    return _non_finite(f) or f"{f:f}"


def coerce_to_string(
    v: Any,
    ctx: set[str],
    coerce_more: bool = False,
    copy_to_store: PathCopier | Literal[False] | None = None,
) -> str:
    """Nix's ``coerceToString``: the string form of ``v``; its context goes into ``ctx``.

    ``coerce_more`` is ``toString``'s extra leniency (numbers, bools, null, lists).
    ``copy_to_store`` is the evaluation state whose store paths are copied into (string
    interpolation: paths become store paths); ``False``/``None`` leaves paths plain
    strings (``toString ./x``). The state is passed, not found, so each evaluation
    copies into its own store.
    """
    v = force(v)
    t = type(v)
    if t is str:
        return v
    if t is CStr:
        ctx.update(v.ctx)
        return str(v)
    if t is NixPath:
        if copy_to_store:
            sp = copy_to_store.copy_path_to_store(v.path)
            ctx.update(sp.ctx)
            return str(sp)
        return v.path
    if isinstance(v, dict):
        f = v.get("__toString")
        if f is not None:
            r = call_function(force(f), v)
            return coerce_to_string(r, ctx, coerce_more, copy_to_store)
        out = v.get("outPath")
        if out is None:
            raise NixError("cannot coerce a set to a string")
        return coerce_to_string(out, ctx, coerce_more, copy_to_store)
    if coerce_more:
        if t is bool:
            return "1" if v else ""
        if t is int:
            return str(v)
        if t is float:
            return float_to_string(v)
        if v is None:
            return ""
        if t is list:
            parts = []
            n = len(v)
            for i, item in enumerate(v):
                parts.append(coerce_to_string(item, ctx, coerce_more, copy_to_store))
                if i < n - 1:
                    fi = force(item)
                    if not (type(fi) is list and len(fi) == 0):
                        parts.append(" ")
            return "".join(parts)
    raise NixError(f"cannot coerce {show_type(v)} to a string")


def canon_path(path: str) -> str:
    """Nix's ``canonPath`` without symlink resolution: absolute, no ``.``/``..``/``//``."""
    if not path.startswith("/"):
        raise NixError(f"not an absolute path: '{path}'")
    parts: list[str] = []
    for seg in path.split("/"):
        if seg == "" or seg == ".":
            continue
        if seg == "..":
            if parts:
                parts.pop()
            continue
        parts.append(seg)
    return "/" + "/".join(parts)
