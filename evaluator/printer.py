"""Printing values the way ``nix-instantiate --eval`` does.

Unevaluated parts print as ``<CODE>``, functions as ``<LAMBDA>``/``<PRIMOP>``,
and a set or list met a second time as ``«repeated»`` (Nix tracks every
non-empty set and list it has printed, not only the ancestors). The printer is
iterative so very deep values cannot exhaust Python's stack.
"""

from __future__ import annotations

from typing import Any

from .escaping import quote_string
from .ops import format_float
from .values import CStr, Lambda, NixPath, PrimOp, PrimOpApp, Thunk


def escape_string(s: str) -> str:
    """A string value as ``nix-instantiate --eval`` prints it (only ``${`` has its ``$`` escaped)."""
    return quote_string(s, every_dollar=False)


def print_value(v: Any) -> str:
    """Render ``v`` (thunks inside stay ``<CODE>`` unless already evaluated)."""
    out: list[str] = []
    seen: set[int] = set()
    stack: list[Any] = [v]
    # Nix tracks a set by its bindings and a list by its element array. Lists of one or two
    # elements keep that array inside the value that holds them (here: the thunk), so such a
    # list is "seen" per holder, and the printed result, a copy, is never seen again:
    # `let x = [ x ]; in x` prints `[ [ «repeated» ] ]` (Nix 2.8 and current Nix agree).
    root_list = v if type(v) is list and len(v) <= 2 else None
    while stack:
        x = stack.pop()
        if type(x) is _Lit:
            out.append(x.text)
            continue
        holder = x
        if type(x) is Thunk:
            if x.code is None:
                x = x.val
            else:
                out.append("<CODE>")
                continue
        t = type(x)
        if t is bool:
            out.append("true" if x else "false")
        elif t is int:
            out.append(str(x))
        elif t is float:
            out.append(format_float(x))
        elif t is str or t is CStr:
            out.append(escape_string(x))
        elif x is None:
            out.append("null")
        elif t is NixPath:
            out.append(x.path)
        elif t is list:
            key = id(holder) if len(x) <= 2 else id(x)
            if x and key in seen:
                out.append("«repeated»")
                continue
            if x is root_list:
                root_list = None
            elif x:
                seen.add(key)
            out.append("[ ")
            todo: list[Any] = []
            for item in x:
                todo.append(item)
                todo.append(_Lit(" "))
            todo.append(_Lit("]"))
            stack.extend(reversed(todo))
        elif isinstance(x, dict):
            if x and id(x) in seen:
                out.append("«repeated»")
                continue
            if x:
                seen.add(id(x))
            out.append("{ ")
            todo = []
            for k in sorted(x):
                todo.append(_Lit(_attr_name(k) + " = "))
                todo.append(x[k])
                todo.append(_Lit("; "))
            todo.append(_Lit("}"))
            stack.extend(reversed(todo))
        elif t is Lambda:
            out.append("<LAMBDA>")
        elif t is PrimOp:
            out.append("<PRIMOP>")
        elif t is PrimOpApp:
            out.append("<PRIMOP-APP>")
        else:
            out.append(repr(x))
    return "".join(out)


def _attr_name(k: str) -> str:
    from .show import show_id

    return show_id(k)


class _Lit:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text
