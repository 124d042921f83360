"""Instantiation as ``nix-instantiate`` and ``nix-build`` do it: evaluate into a store, find the derivations.

The value of each file (or ``-E`` text), after ``--arg`` auto-calling and each ``-A``
path, is searched with Nix's ``getDerivations``: a derivation, or a list or a set of
them, recursing into nested sets only where they carry ``recurseForDerivations``.
Evaluating ``drvPath`` is what writes the ``.drv`` files (the store given to the
``EvalState`` is a real one).  The result is a list of ``DrvRef``: the ``.drv`` and
the output nix-build links and prints, or, for a package of the package index, its
prebuilt path.  ``pydock instantiate`` prints them; ``pydock build`` realises them
(``builders/realisation/targets.py``).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from typing import Any

from pydock.store.derived_path import DrvRef
from pydock.store.local import LocalStore, store_root_of
from pydock.store.protocol import Store
from pydock.store.settings import Settings
from pydock.store.substitute import open_store

from .errors import NixError, TraceSettings
from .ops import coerce_to_string
from .packages import IndexPackage, resolve_index_path
from .request import EvalRequest
from .runner import run_deep
from .session import load_roots, make_auto_args
from .settings import EvalSettings
from .state import new_state
from .toplevel import auto_call, find_along_attr_path
from .values import force, force_bool, force_string_no_ctx, is_derivation

__all__ = ["DrvRef", "EvalRequest", "evaluate_derivations", "get_derivations", "open_and_instantiate"]

# Nix's getDerivations skips attributes whose names are not plain identifiers.
_ATTR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9\-_+]*")


def get_derivations(v: Any, auto_args: dict[str, Any], out: list[DrvRef], done: dict[int, Any]) -> None:
    """Nix's ``getDerivations``: append the derivations in ``v`` to ``out``, recursing into lists and marked sets.

    ``done`` maps the ``id`` of each derivation seen to the value itself (kept alive so
    that its ``id`` cannot be reused), so one derivation reached twice is listed once.
    """
    v = force(auto_call(v, auto_args))
    if _get_derivation(v, out, done):
        return
    if isinstance(v, dict):
        for name in sorted(v):
            if not _ATTR_NAME.fullmatch(name):
                continue
            child = force(v[name])
            if _get_derivation(child, out, done):
                continue
            if isinstance(child, dict) and "recurseForDerivations" in child:
                if force_bool(child["recurseForDerivations"]):
                    get_derivations(child, auto_args, out, done)
    elif isinstance(v, list):
        for elem in v:
            elem = force(elem)
            if not _get_derivation(elem, out, done) and isinstance(elem, list | dict):
                get_derivations(elem, auto_args, out, done)
    else:
        raise NixError("expression does not evaluate to a derivation (or a set or list of those)")


def _get_derivation(v: Any, out: list[DrvRef], done: dict[int, Any]) -> bool:
    """Add ``v`` if it is a derivation; True if it was one (even a duplicate)."""
    if not is_derivation(v):
        return False
    if id(v) in done:
        return True
    # Keyed by identity like Nix's set of Bindings pointers; the value is kept so that its
    # id cannot be reused by a later derivation while this evaluation runs.
    done[id(v)] = v
    if type(v) is IndexPackage:
        out.append(DrvRef(v.out_path, str(force_string_no_ctx(v["outputName"])), v.attr_path))
        return True
    if "name" not in v:
        raise NixError("derivation name missing")
    if "drvPath" not in v:
        raise NixError("derivation does not contain a 'drvPath' attribute")
    drv_path = str(coerce_to_string(v["drvPath"], set(), False, False))
    output_name = str(force_string_no_ctx(v["outputName"])) if "outputName" in v else ""
    if not output_name:
        raise NixError(f"derivation '{drv_path}' lacks an 'outputName' attribute")
    out.append(DrvRef(drv_path, output_name))
    return True


def evaluate_derivations(
    store: Store,
    request: EvalRequest,
    package_index: str | None = None,
    eval_settings: EvalSettings | None = None,
) -> list[DrvRef]:
    """Evaluate like ``nix-build`` (instantiating into ``store``) and list the derivations to build.

    A ``.drv`` file given as a file argument is taken as it is, as nix-build does.
    ``package_index`` is the index file already resolved (``request.packages`` is not read here).
    """
    drvs: list[DrvRef] = []
    state = new_state(
        search_path=request.include,
        store=store,
        store_dir=store.store_dir.path,
        package_index=package_index,
        settings=eval_settings,
    )
    auto_args = make_auto_args(state, request.args, request.argstrs)
    sources: list[str] = []
    for f in request.files:
        path = os.path.abspath(f)
        if not request.is_expr and store.store_dir.is_store_path(path) and path.endswith(".drv"):
            drvs.append(DrvRef(path, "out"))
        else:
            sources.append(f)
    roots = load_roots(state, sources, request.is_expr) if sources or not request.files else []
    done: dict[int, Any] = {}
    for root in roots:
        for attr_path in request.attr_paths or [""]:
            get_derivations(find_along_attr_path(root, attr_path, auto_args), auto_args, drvs, done)
    return drvs


def open_and_instantiate(
    store_root: str | None,
    request: EvalRequest,
    settings: Settings | None = None,
    eval_settings: EvalSettings | None = None,
    progress: Callable[[str], None] | None = None,
    show_trace: bool = False,
) -> tuple[LocalStore, list[DrvRef]]:
    """Open the store (``--store DIR`` or ``local?root=DIR``) and evaluate into it on a big-stack thread.

    ``settings`` (``store.settings.Settings``) turns substitution on; ``progress``
    receives "these paths will be fetched" lines (terminal only); the package index is
    ``request.packages``, else ``$PYDOCK_PACKAGES``, else the settings' ``packages``.
    """
    TraceSettings.enabled = show_trace
    store_root = store_root_of(store_root)
    configured = settings.packages if settings is not None else None
    package_index = resolve_index_path(request.packages, configured=configured)
    store = open_store(store_root, settings, log=progress, progress_stream=sys.stderr if progress else None)
    drvs = run_deep(lambda: evaluate_derivations(store, request, package_index, eval_settings))
    return store, drvs
