"""Printing expressions back as Nix 2.8 does (``assertion '(x == 1)' failed``).

Nix shows an expression through ``Expr::show`` with its own parenthesisation and
its desugaring of operators (``a - b`` is ``(__sub a b)``); error messages quote
that text, so pydock reproduces it.
"""

from __future__ import annotations

from . import ast as A
from .escaping import quote_string
from .ops import format_float


def show_string(s: str) -> str:
    """A string as ``Expr::show`` writes it (every ``$`` escaped)."""
    return quote_string(s, every_dollar=True)


def show_id(s: str) -> str:
    if not s:
        return '""'
    if s == "if":
        return '"if"'
    c = s[0]
    if not (c.isascii() and (c.isalpha() or c == "_")):
        return show_string(s)
    for c in s:
        if not (c.isascii() and (c.isalnum() or c in "_'-")):
            return show_string(s)
    return s


def show_attr_path(path: list) -> str:
    return ".".join(show_id(p) if isinstance(p, str) else '"${' + show(p) + '}"' for p in path)


_CALL_OPS = {"-": "__sub", "*": "__mul", "/": "__div"}
_PLAIN_OPS = {"==", "!=", "&&", "||", "->", "//", "++"}


def show(e: A.Node) -> str:  # noqa: C901 - one case per node type
    t = type(e)
    if t is A.Int:
        return str(e.value)
    if t is A.Float:
        return format_float(e.value)
    if t is A.Str:
        return show_string(e.value)
    if t is A.Path:
        return e.value
    if t is A.Var:
        return show_id(e.name)
    if t is A.InheritFrom:
        return show(e.expr)
    if t is A.CurPos:
        return "__curPos"
    if t is A.Select:
        s = f"({show(e.expr)}).{show_attr_path(e.path)}"
        if e.default is not None:
            s += f" or ({show(e.default)})"
        return s
    if t is A.HasAttr:
        return f"(({show(e.expr)}) ? {show_attr_path(e.path)})"
    if t is A.Attrs:
        parts = ["rec { " if e.recursive else "{ "]
        for name in sorted(e.attrs):
            d = e.attrs[name]
            if d.inherited:
                parts.append(f"inherit {show_id(name)} ; ")
            else:
                parts.append(f"{show_id(name)} = {show(d.expr)}; ")
        for d in e.dynamic:
            parts.append(f'"${{{show(d.name)}}}" = {show(d.expr)}; ')
        parts.append("}")
        return "".join(parts)
    if t is A.List:
        return "[ " + "".join(f"({show(i)}) " for i in e.items) + "]"
    if t is A.Lambda:
        s = "("
        if e.formals is not None:
            fs = []
            for f in e.formals:
                fs.append(show_id(f.name) + (f" ? {show(f.default)}" if f.default is not None else ""))
            if e.ellipsis:
                fs.append("...")
            s += "{ " + ", ".join(fs) + " }"
            if e.arg:
                s += " @ "
        if e.arg:
            s += show_id(e.arg)
        return s + f": {show(e.body)})"
    if t is A.Call:
        return "(" + show(e.fn) + "".join(" " + show(a) for a in e.args) + ")"
    if t is A.Let:
        s = "(let "
        for name, d in e.attrs.attrs.items():
            if d.inherited:
                s += f"inherit {show_id(name)}; "
            else:
                s += f"{show_id(name)} = {show(d.expr)}; "
        return s + f"in {show(e.body)})"
    if t is A.With:
        return f"(with {show(e.env)}; {show(e.body)})"
    if t is A.If:
        return f"(if {show(e.cond)} then {show(e.then)} else {show(e.else_)})"
    if t is A.Assert:
        return f"assert {show(e.cond)}; {show(e.body)}"
    if t is A.Not:
        return f"(! {show(e.expr)})"
    if t is A.ConcatStrings:
        return "(" + " + ".join(show(p) for _, p in e.parts) + ")"
    if t is A.BinOp:
        op = e.op
        a, b = show(e.left), show(e.right)
        if op in _PLAIN_OPS:
            return f"({a} {op} {b})"
        if op in _CALL_OPS:
            return f"({_CALL_OPS[op]} {a} {b})"
        if op == "<":
            return f"(__lessThan {a} {b})"
        if op == ">":
            return f"(__lessThan {b} {a})"
        if op == "<=":
            return f"(! (__lessThan {b} {a}))"
        if op == ">=":
            return f"(! (__lessThan {a} {b}))"
    return "<expr>"
