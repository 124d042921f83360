"""Fused closures for the hottest expression shapes, generated as Python source.

A closure per AST node costs one Python call per node; in ``fib (n - 1) + fib (n - 2)``
that is a dozen calls per Nix call, most of them reading a variable or a literal. For
binary operators and single-argument calls this module writes one Python function per
node in which operands that are literals, variables or lazily passed arguments are read
inline (``env[0][2]`` and the thunk check), and only other sub-expressions are called.
The source comes from a few fixed templates, compiled once per template shape
(``compile``/``exec``), and each node instantiates the template with its own operands.

Only the fast paths are inlined; everything unusual (other types, overflow, errors) goes
to the same general functions the plain closures use, so results and error messages
(including their positions) stay those of the plain closures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .values import Lambda, Thunk, call_function

# An operand: ("const", value) | ("var", depth, idx, force_at) | ("code", code) for a
# forced read; a lazy argument: ("const", value) | ("slot", depth, idx) | ("thunk", code).
Operand = tuple


def _env_path(depth: int) -> str:
    return "env" + "[0]" * depth


def _load(target: str, op: Operand, name: str, ns: dict[str, Any]) -> list[str]:
    """Statements putting the forced value of ``op`` into local ``target``."""
    kind = op[0]
    if kind == "const":
        ns[name] = op[1]
        return [f"{target} = {name}"]
    if kind == "var":
        _, depth, idx, force_at = op
        ns[name] = force_at
        return [
            f"{target} = {_env_path(depth)}[{idx}]",
            f"if type({target}) is Thunk:",
            f"    {target} = {target}.val if {target}.code is None else {name}({target})",
        ]
    ns[name] = op[1]
    return [f"{target} = {name}(env)"]


def _lazy(op: Operand, name: str, ns: dict[str, Any]) -> str:
    """An expression giving the lazy argument ``op`` (a value or a fresh thunk)."""
    kind = op[0]
    if kind == "const":
        ns[name] = op[1]
        return name
    if kind == "slot":
        return f"{_env_path(op[1])}[{op[2]}]"
    ns[name] = op[1]
    return f"Thunk({name}, env)"


_TEMPLATE_CACHE: dict[str, Callable[..., Any]] = {}


def _build(body: list[str], ns: dict[str, Any]) -> Callable[[Any], Any]:
    """Compile ``def fused(env): <body>`` once per distinct source; bind this node's names."""
    names = sorted(ns)
    src = "def make({}):\n    def fused(env):\n{}\n    return fused\n".format(
        ", ".join(names), "\n".join("        " + line for line in body)
    )
    make = _TEMPLATE_CACHE.get(src)
    if make is None:
        glb: dict[str, Any] = {"Thunk": Thunk, "Lambda": Lambda, "call_function": call_function}
        exec(compile(src, "<pydock fused>", "exec"), glb)  # noqa: S102 - fixed templates, no user text
        make = glb["make"]
        _TEMPLATE_CACHE[src] = make
    return make(**ns)


_INT_RANGE = "-9223372036854775808 <= r <= 9223372036854775807"


def arith_op(op: str, left: Operand, right: Operand, slow: Callable[[Any, Any], Any]) -> Callable[[Any], Any]:
    """``-`` or ``*``: int fast path with the 64-bit range check; ``slow(a, b)`` otherwise."""
    ns: dict[str, Any] = {"slow": slow}
    body = _load("a", left, "l0", ns) + _load("b", right, "r0", ns)
    body += [
        "if type(a) is int and type(b) is int:",
        f"    r = a {op} b",
        f"    if {_INT_RANGE}:",
        "        return r",
        "return slow(a, b)",
    ]
    return _build(body, ns)


def compare_op(op: str, left: Operand, right: Operand, slow: Callable[[Any, Any], Any]) -> Callable[[Any], Any]:
    """``<``, ``>``, ``<=``, ``>=``: ints compared inline, ``slow(a, b)`` for the rest."""
    ns: dict[str, Any] = {"slow": slow}
    body = _load("a", left, "l0", ns) + _load("b", right, "r0", ns)
    body += ["if type(a) is int and type(b) is int:", f"    return a {op} b", "return slow(a, b)"]
    return _build(body, ns)


def equal_op(negate: bool, left: Operand, right: Operand, slow: Callable[[Any, Any], Any]) -> Callable[[Any], Any]:
    """``==``/``!=``: same-typed ints and plain strings inline, ``slow(a, b)`` (equality) else."""
    ns: dict[str, Any] = {"slow": slow}
    body = _load("a", left, "l0", ns) + _load("b", right, "r0", ns)
    body += [
        "ta = type(a)",
        "if ta is type(b) and (ta is int or ta is str):",
        f"    return a {'!=' if negate else '=='} b",
        f"return {'not ' if negate else ''}slow(a, b)",
    ]
    return _build(body, ns)


def plus_op(left: Operand, right: Operand, general: Callable[..., Any]) -> Callable[[Any], Any]:
    """``a + b``: int+int and str+str inline; ``general(env, a[, b])`` otherwise.

    The right operand is evaluated here only when the left is an int or a plain string,
    as the plain closure does (for other types ``general`` decides what to force first).
    """
    ns: dict[str, Any] = {"general": general}
    load_b = _load("b", right, "r0", ns)
    body = _load("a", left, "l0", ns)
    body += ["if type(a) is int:"]
    body += ["    " + s for s in load_b]
    body += [
        "    if type(b) is int:",
        "        r = a + b",
        f"        if {_INT_RANGE}:",
        "            return r",
        "    return general(env, a, b)",
        "if type(a) is str:",
    ]
    body += ["    " + s for s in load_b]
    body += [
        "    if type(b) is str:",
        "        return a + b",
        "    return general(env, a, b)",
        "return general(env, a)",
    ]
    return _build(body, ns)


def call1(fn: Operand, arg: Operand, on_error: Callable[[BaseException, Any], None]) -> Callable[[Any], Any]:
    """``f x``: the function read inline, the argument passed lazily; ``on_error(e, f)``
    adds the call's position and trace to an error raised by the call (not by reading ``f``)."""
    ns: dict[str, Any] = {"on_error": on_error}
    body = _load("f", fn, "f0", ns)
    a = _lazy(arg, "a0", ns)
    body += [
        "try:",
        "    if type(f) is Lambda:",
        "        lc = f.code",
        "        if lc.formal_names is None:",
        f"            return lc.body([f.env, {a}])",
        f"        return lc.apply(f.env, {a})",
        f"    return call_function(f, {a})",
        "except NixError as e:",
        "    on_error(e, f)",
        "    raise",
    ]
    from .errors import NixError

    ns_names = dict(ns)
    ns_names["NixError"] = NixError
    return _build(body, ns_names)


__all__ = ["arith_op", "call1", "compare_op", "equal_op", "plus_op"]
