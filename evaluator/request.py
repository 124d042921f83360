"""``EvalRequest``: what to evaluate, as the command line says it (files, ``-E``, ``-A``, ``--arg`` …).

A module of its own, without imports from the evaluator, so the CLI can build one without
loading the evaluator or the store (commands load those only when they run).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["EvalRequest"]


@dataclass(frozen=True)
class EvalRequest:
    """What to evaluate, as nix-instantiate's and nix-build's arguments say it."""

    files: list[str] = field(default_factory=list)
    """Files (a ``.drv`` file is taken as it is), ``<path>``s, or with ``is_expr`` the texts of ``-E``."""
    is_expr: bool = False
    attr_paths: list[str] = field(default_factory=list)
    """``-A`` paths; none means the whole value."""
    args: list[tuple[str, str]] = field(default_factory=list)
    """``--arg NAME EXPR``"""
    argstrs: list[tuple[str, str]] = field(default_factory=list)
    """``--argstr NAME VALUE``"""
    include: list[str] = field(default_factory=list)
    """``-I`` search-path entries"""
    packages: str | None = None
    """``--packages FILE``; else ``$PYDOCK_PACKAGES``, else the settings' ``packages``."""
