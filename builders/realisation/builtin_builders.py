"""pydock's builtin builders: Python functions that realise ``builtin:pydock-<name>`` derivations.

dockerTools in pydock's prelude produces derivations whose ``builder`` is e.g.
``builtin:pydock-stream-layered-image``, the way Nix's own ``builtin:fetchurl``
names a builder compiled into Nix.  Such a derivation is hashed and written like
any other; only realising it differs: instead of executing a program, the
registered Python function is called in-process with a :class:`BuildContext`.

Builder modules register themselves with the decorator on import; ``load_all``
imports every public module of both builder subpackages so that the table is complete
without a central list.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydock.store.derivation import Derivation
    from pydock.store.local import LocalStore

__all__ = ["BUILTIN_PREFIX", "BuildContext", "BuiltinBuilder", "builtin_builder", "get_builtin", "load_all"]

BUILTIN_PREFIX = "builtin:pydock-"


@dataclass
class BuildContext:
    """Everything a builtin builder may use; it must write each output to ``outputs[name]``.

    ``outputs`` are the real (physical) temporary locations, which are renamed
    into place after the build; ``output_paths`` are the final logical store
    paths, which is what must appear inside the outputs when they refer to
    themselves or each other.  ``env`` is the environment a program builder
    would get (placeholders already replaced), with ``NIX_BUILD_TOP`` pointing
    at ``build_dir``.
    """

    drv_path: str
    drv: Derivation
    store: LocalStore
    outputs: dict[str, str]
    output_paths: dict[str, str]
    env: dict[str, str]
    build_dir: str
    log: Callable[[str], None] = field(default=lambda _line: None)

    def real_path(self, store_path: str) -> str:
        """The physical location of an input store path (or a file inside one)."""
        return self.store.real_path(store_path)


BuiltinBuilder = Callable[["Derivation", BuildContext], None]

_BUILDERS: dict[str, BuiltinBuilder] = {}


def builtin_builder(name: str) -> Callable[[BuiltinBuilder], BuiltinBuilder]:
    """Register ``fn`` as the realiser of ``builder = "builtin:pydock-<name>"``."""

    def register(fn: BuiltinBuilder) -> BuiltinBuilder:
        existing = _BUILDERS.get(name)
        if existing is not None and existing is not fn:
            raise ValueError(f"builtin builder 'pydock-{name}' is already registered")
        _BUILDERS[name] = fn
        return fn

    return register


def get_builtin(name: str) -> BuiltinBuilder | None:
    """The function registered for ``builtin:pydock-<name>``, loading builder modules on first use."""
    if name not in _BUILDERS:
        load_all()
    return _BUILDERS.get(name)


_loaded = False


def load_all() -> None:
    """Import every public module of ``pydock.builders``' subpackages so their decorators run."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    builders_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for subpackage in ("realisation", "images"):
        for mod in pkgutil.iter_modules([os.path.join(builders_dir, subpackage)]):
            if not mod.name.startswith("_"):
                importlib.import_module(f"pydock.builders.{subpackage}.{mod.name}")
