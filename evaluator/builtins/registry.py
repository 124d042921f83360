"""The table of builtins, filled by the ``@primop`` decorator of each builtins module.

Names follow Nix's registration convention: a name starting with ``__`` (e.g.
``__length``) is reachable as ``builtins.length`` and as the global ``__length``;
a name without it (``map``, ``toString``, ``import``…) is also a global. The
evaluator builds its base environment from ``PRIMOPS`` and ``CONSTANTS``.

Builtins receive their arguments unforced and force only what they need, which is
how ``builtins.seq``, ``tryEval`` or ``map`` stay exactly as lazy as in Nix.

A builtin that needs the evaluation state (its store, search path, settings, file cache)
says so with ``needs_state=True`` and takes the ``EvalState`` as its first parameter; each
``EvalState`` binds its own (``EvalState._make_globals``), so two states in one process
never see each other's store or settings. The rest stay plain functions, called directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# registered name -> (arity, python function)
PRIMOPS: dict[str, tuple[int, Callable[..., Any]]] = {}
# registered name -> function computing the constant (given the EvalState with needs_state)
CONSTANTS: dict[str, Callable[..., Any]] = {}
# registered name -> the experimental feature without which the builtin does not exist
FEATURE_OF: dict[str, str] = {}
# registered names (builtins and constants) whose function takes the EvalState first
NEEDS_STATE: set[str] = set()


def primop(
    name: str,
    arity: int | None = None,
    feature: str | None = None,
    needs_state: bool = False,
    forces_arg: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` as the builtin ``name`` (arity defaults to its parameter count).

    With ``feature``, the builtin exists only when that experimental feature is enabled
    (Nix leaves such builtins out of ``builtins`` otherwise). With ``needs_state``, ``fn``
    takes the ``EvalState`` as an extra first parameter, which does not count in the arity.
    ``forces_arg`` (one-argument builtins only) promises that ``fn`` forces its argument
    before doing anything else and keeps nothing of it but the value: a call site may then
    pass the argument evaluated instead of a thunk it would force at once (``fused.py``).
    """

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        n = arity if arity is not None else fn.__code__.co_argcount - (1 if needs_state else 0)
        if name in PRIMOPS:
            raise RuntimeError(f"builtin {name} registered twice")
        if forces_arg:
            if n != 1:
                raise RuntimeError(f"builtin {name}: forces_arg is for one-argument builtins")
            fn.forces_arg = True  # type: ignore[attr-defined]  # read by PrimOp (also through a bound method)
        PRIMOPS[name] = (n, fn)
        if feature is not None:
            FEATURE_OF[name] = feature
        if needs_state:
            NEEDS_STATE.add(name)
        return fn

    return deco


def constant(name: str, needs_state: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a constant, computed when an ``EvalState`` is made (from that state with ``needs_state``)."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        CONSTANTS[name] = fn
        if needs_state:
            NEEDS_STATE.add(name)
        return fn

    return deco
