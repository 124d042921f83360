"""The package index as the prelude sees it: lazy sets, and the fill that merges them in.

``PackageIndex`` belongs to one ``EvalState``.  Its top-level set maps every
top-level attribute name of the index to a ``Thunk``; forcing one reads that
entry (and lists its children) from the cache, so only what a file touches
costs anything.  Nested attribute paths (``python3Packages.requests``) become
nested sets, built the same way when first forced.

``fill(prelude)`` is how the index enters ``pkgs``: the prelude's definitions
win, the index adds only what the prelude lacks, at any depth — where both
define a name, the two are merged lazily (a prelude set gets the index's extra
attributes, e.g. ``stdenv.cc`` from an index ``stdenv.cc.cc…`` entry; a prelude
``null`` yields to the index, as the prelude's ``stdenv.cc = null`` is only a
placeholder).  The prelude reaches all this through ``prelude/package-index.nix``,
whose value pydock replaces (see ``EvalState.eval_file``); ``builtins`` gains
nothing, so evaluation without an index is unchanged.
"""

from __future__ import annotations

import gc
from itertools import repeat
from typing import Any

from ..values import Attrs, PrimOp, Thunk, force, is_derivation
from .index_cache import IndexCache, open_index_cache
from .package_values import IndexPackage, make_package

__all__ = ["PackageIndex"]


class PackageIndex:
    """One package index file, opened lazily (see module docstring)."""

    def __init__(self, path: str, store_dir: str = "/nix/store") -> None:
        self.path = path
        self.store_dir = store_dir
        self._cache: IndexCache | None = None
        self._top: dict[str, Thunk] | None = None
        self._hook: dict[str, Any] | None = None
        # store path -> the attribute it was loaded as, for errors about missing inputs
        self.origins: dict[str, str] = {}

    @property
    def cache(self) -> IndexCache:
        if self._cache is None:
            self._cache = open_index_cache(self.path, self.store_dir)
        return self._cache

    # ------------------------------------------------------------------ values
    def top_level(self) -> dict[str, Thunk]:
        """Top-level name -> Thunk of its value; built once (120,000 thunks in a few tens of ms)."""
        if self._top is None:
            names = self.cache.top_names
            # 100,000 long-lived objects at once: without this, the collections they
            # trigger (and every later full collection walking them) cost more than
            # making them. They live as long as the evaluation, so freezing them out
            # of the collector's sight loses nothing.
            gc.disable()
            try:
                self._top = dict(zip(names, map(Thunk, repeat(self._load), names), strict=True))
                gc.freeze()
            finally:
                gc.enable()
        return self._top

    def _children(self, attr_path: str) -> dict[str, Thunk]:
        names = [f"{attr_path}.{n}" for n in self.cache.child_names(attr_path)]
        return dict(zip((n.rsplit(".", 1)[1] for n in names), map(Thunk, repeat(self._load), names), strict=True))

    def _load(self, attr_path: str) -> Any:
        """The value at ``attr_path``: a package, a set of children, or a package with extra children."""
        entry = self.cache.entry(attr_path)
        children = self._children(attr_path)
        if entry is None:
            r = Attrs(children)
            r.pos = None
            return r
        package = make_package(attr_path, entry)
        default = package["outputName"]
        for output, path in entry["outputs"].items():
            self.origins.setdefault(path, attr_path if output == default else f"{attr_path}.{output}")
        if children:
            for output in [package, *force(package["all"])]:
                extra = {k: v for k, v in children.items() if k not in output}
                output.update(extra)
                output.children = tuple(extra)
        return package

    def describe(self, path: str) -> str | None:
        """What ``path`` is to the user, if an index package evaluated so far has it as an output."""
        attr = self.origins.get(path)
        return f"attribute '{attr}' of the package index" if attr is not None else None

    # ------------------------------------------------------------------ the prelude's hook
    def hook_value(self) -> dict[str, Any]:
        """What ``prelude/package-index.nix`` evaluates to under pydock with this index."""
        if self._hook is None:
            self._hook = {
                "packages": Thunk(lambda _e: self.top_level(), None),
                "fill": PrimOp("fillFromPackageIndex", 1, lambda s: fill_set(force(s), self.top_level())),
                "file": self.path,
            }
        return self._hook


def _fillable(v: Any) -> dict[str, Any] | None:
    """The attributes an index value may add to a prelude set (a package adds only its extra children)."""
    if type(v) is IndexPackage:
        return {k: v[k] for k in v.children}
    if isinstance(v, dict) and not is_derivation(v):
        return v
    return None


def merge_value(prelude_v: Any, index_v: Any) -> Any:
    """The value of a name both define: the prelude's, filled from the index where it is a set."""
    p = force(prelude_v)
    if p is None:
        return force(index_v)
    if isinstance(p, dict) and not is_derivation(p):
        extra = _fillable(force(index_v))
        if extra:
            return fill_set(p, extra)
    return p


def fill_set(prelude: dict[str, Any], index: dict[str, Any]) -> Attrs:
    """``prelude`` with what ``index`` adds; names in both are merged lazily (``merge_value``)."""
    r = Attrs(index)
    for name, pv in prelude.items():
        iv = index.get(name)
        if iv is None:
            r[name] = pv
        else:
            r[name] = Thunk(lambda _e, pv=pv, iv=iv: merge_value(pv, iv), None)
    r.pos = getattr(prelude, "pos", None)
    return r
