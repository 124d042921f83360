"""Nix builtins, grouped by subject; ``registry`` explains how they are collected."""

from __future__ import annotations

import importlib

_MODULES = (
    "core", "lists", "attrs", "strings", "io", "derivations",
    "json", "regex", "toml", "xml", "versions", "hashing",
    "diagnostics", "fetchers", "flakerefs", "dynamic",
)
_loaded = False


def load_all() -> None:
    """Import every builtins module so its ``@primop`` registrations run (once)."""
    global _loaded
    if _loaded:
        return
    for name in _MODULES:
        importlib.import_module(f"{__name__}.{name}")
    _loaded = True
