"""What ``pydock store path-info`` reports about valid paths, shaped like ``nix path-info``.

``path_info_json`` gives Nix 2.8's JSON objects (keys in Nix's order: ``path``,
``narHash`` in SRI form, ``narSize``, ``references``, ``ca``, ``closureSize``
when asked, ``deriver``, ``registrationTime``, ``ultimate``,
``signatures``; an invalid path is ``{"path": …, "valid": false}``).
``references_first`` orders paths as the text output does: dependencies
before the paths that use them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .local import LocalStore

__all__ = ["closure_size", "path_info_json", "references_first"]


def closure_size(store: LocalStore, path: str) -> int:
    """Sum of the NAR sizes of ``path``'s closure (``nix path-info -S``)."""
    return sum(store.query_path_info(p).nar_size for p in store.query_closure([path]))


def path_info_json(store: LocalStore, paths: Iterable[str], with_closure_size: bool = False) -> list[dict[str, Any]]:
    """One JSON object per path, sorted by path as Nix sorts its ``StorePathSet``."""
    out: list[dict[str, Any]] = []
    for path in sorted(set(paths)):
        if not store.is_valid(path):
            out.append({"path": path, "valid": False})
            continue
        info = store.query_path_info(path)
        obj: dict[str, Any] = {
            "path": path,
            "narHash": info.nar_hash.sri,
            "narSize": info.nar_size,
            "references": sorted(info.references),
        }
        if info.ca:
            obj["ca"] = info.ca
        if with_closure_size:
            obj["closureSize"] = closure_size(store, path)
        if info.deriver:
            obj["deriver"] = info.deriver
        if info.registration_time:
            obj["registrationTime"] = info.registration_time
        if info.ultimate:
            obj["ultimate"] = True
        if info.sigs:
            obj["signatures"] = sorted(info.sigs)
        out.append(obj)
    return out


def references_first(store: LocalStore, paths: Iterable[str]) -> list[str]:
    """``paths`` with each one's references (among ``paths``) before it, ties by path name.

    A depth-first post-order over the sorted set, visiting sorted references
    first: the reverse of Nix's ``topoSortPaths``, which is what ``nix
    path-info -r`` prints.
    """
    items = set(paths)
    order: list[str] = []
    seen: set[str] = set()
    for root in sorted(items):
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(sorted(store.query_references(root) & items - {root})))]
        while stack:
            node, refs = stack[-1]
            for ref in refs:
                if ref not in seen:
                    seen.add(ref)
                    stack.append((ref, iter(sorted(store.query_references(ref) & items - {ref}))))
                    break
            else:
                stack.pop()
                order.append(node)
    return order
