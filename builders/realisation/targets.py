"""What ``nix-build`` does after evaluation: realise the wanted outputs and link them as GC roots.

The evaluator hands over a list of ``DrvRef`` (``evaluator/instantiation.py``).
:func:`realise_targets` makes each one valid — a ``.drv`` by ``realise`` (building or
substituting, once per derivation however many of its outputs are wanted), a prebuilt
package of the package index by substitution alone, since it has no derivation — and
returns the store path of each wanted output in order.  :func:`add_result_link` and
:func:`result_link_name` give nix-build's ``result``, ``result-2``, ``result-dev`` links,
registered as indirect GC roots.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from pydock.builders.realisation.realise import Progress, realise
from pydock.store.derived_path import DrvRef
from pydock.store.errors import StoreError
from pydock.store.local import LocalStore, replace_symlink

__all__ = ["add_result_link", "realise_prebuilt", "realise_targets", "result_link_name"]


def realise_prebuilt(store: LocalStore, refs: Sequence[DrvRef]) -> None:
    """Make the out paths of index packages valid, through ``store.ensure_valid`` (substitution).

    A store without substituters can only use paths that are already valid; for any
    other, the error names the package and its path.
    """
    attrs = {ref.drv_path: ref.prebuilt_attr for ref in refs}
    store.ensure_valid(
        list(attrs), describe=lambda p: f"attribute '{attrs[p]}' of the package index" if p in attrs else None
    )


def realise_targets(store: LocalStore, refs: Sequence[DrvRef], progress: Progress | None = None) -> list[str]:
    """Realise every ref; return the store path of each ref's wanted output, in the order of ``refs``."""
    built: dict[str, dict[str, str]] = {}
    prebuilt = [ref for ref in refs if ref.prebuilt_attr is not None]
    if prebuilt:
        realise_prebuilt(store, prebuilt)
    for ref in prebuilt:
        built[ref.drv_path] = {ref.output_name: ref.drv_path}
    for ref in refs:
        if ref.drv_path not in built:
            built[ref.drv_path] = realise(store, ref.drv_path, progress)
    out_paths: list[str] = []
    for ref in refs:
        outputs = built[ref.drv_path]
        if ref.output_name not in outputs:
            raise StoreError(f"derivation '{ref.drv_path}' does not have an output named '{ref.output_name}'")
        out_paths.append(outputs[ref.output_name])
    return out_paths


def result_link_name(out_link: str, counter: int, output_name: str) -> str:
    """nix-build's link name: ``result``, ``result-2`` for the second derivation, ``result-dev`` for an output."""
    name = out_link if counter == 0 else f"{out_link}-{counter + 1}"
    return name if output_name == "out" else f"{name}-{output_name}"


def add_result_link(store: LocalStore, link: str, target: str) -> None:
    """Point ``link`` at ``target`` and register it as a GC root, unless it is something other than a store link."""
    link = os.path.abspath(link)
    if os.path.lexists(link):
        old = os.readlink(link) if os.path.islink(link) else None
        if old is None or not (old.startswith(store.real_store_dir + "/") or store.store_dir.is_in_store(old)):
            raise StoreError(f"cannot create symlink '{link}'; already exists")
    replace_symlink(target, link)
    store.add_indirect_root(link)
