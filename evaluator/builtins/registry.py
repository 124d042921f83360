"""The table of builtins, filled by the ``@primop`` decorator of each builtins module.

Names follow Nix's registration convention: a name starting with ``__`` (e.g.
``__length``) is reachable as ``builtins.length`` and as the global ``__length``;
a name without it (``map``, ``toString``, ``import``…) is also a global. The
evaluator builds its base environment from ``PRIMOPS`` and ``CONSTANTS``.

Builtins receive their arguments unforced and force only what they need, which is
how ``builtins.seq``, ``tryEval`` or ``map`` stay exactly as lazy as in Nix. State
they need (the evaluator, search path, store) is reached through ``state()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# registered name -> (arity, python function)
PRIMOPS: dict[str, tuple[int, Callable[..., Any]]] = {}
# registered name -> zero-argument function computing the constant lazily
CONSTANTS: dict[str, Callable[[], Any]] = {}
# registered name -> the experimental feature without which the builtin does not exist
FEATURE_OF: dict[str, str] = {}

_state: Any = None


def primop(
    name: str, arity: int | None = None, feature: str | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` as the builtin ``name`` (arity defaults to its parameter count).

    With ``feature``, the builtin exists only when that experimental feature is enabled
    (Nix leaves such builtins out of ``builtins`` otherwise).
    """

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        n = arity if arity is not None else fn.__code__.co_argcount
        if name in PRIMOPS:
            raise RuntimeError(f"builtin {name} registered twice")
        PRIMOPS[name] = (n, fn)
        if feature is not None:
            FEATURE_OF[name] = feature
        return fn

    return deco


def constant(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register a constant whose value is computed on first use."""

    def deco(fn: Callable[[], Any]) -> Callable[[], Any]:
        CONSTANTS[name] = fn
        return fn

    return deco


def set_state(state: Any) -> None:
    global _state
    _state = state


def state() -> Any:
    """The running ``EvalState`` (imports, search path, store, settings)."""
    return _state
