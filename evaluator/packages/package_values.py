"""Nix values for index packages: sets that behave like nixpkgs derivations, but prebuilt.

An index entry says what nixpkgs' derivation evaluates to (name, version, meta,
one store path per output) without the recipe.  pydock turns it into the set a
nixpkgs package is after ``stdenv.mkDerivation``: ``type = "derivation"``,
``outPath``, ``outputs``, ``outputName``, one set per output (each a full
package value again, as ``pkg.dev.out`` works in nixpkgs) and ``all``.

``outPath`` carries the plain store path as string context, so a derivation that
interpolates it lists the path among its ``inputSrcs``: the path enters builds as
a prebuilt input, fetched by a substituter, never rebuilt.  Everything that
would need the recipe (``drvPath``, ``override`` …) fails with an error naming
the package instead of inventing a ``.drv``.
"""

from __future__ import annotations

from typing import Any

from ..errors import ThrownError
from ..values import Attrs, CStr, Thunk

__all__ = ["IndexPackage", "make_package", "PREBUILT_ATTRS"]

# Attributes of a nixpkgs derivation that need its recipe.
PREBUILT_ATTRS = ("drvPath", "drvAttrs", "override", "overrideAttrs", "overrideDerivation")


class IndexPackage(Attrs):
    """One output of an index package (a plain set to the evaluator).

    ``attr_path`` and ``out_path`` let ``pydock build`` recognise a prebuilt package
    and realise it by substitution instead of looking for a derivation to build.
    """

    __slots__ = ("attr_path", "out_path", "children")


_HINTS = {
    "drvPath": (
        "an index package has an out path but no .drv; printing a derivation with --strict or --xml "
        "forces its drvPath, as nix-instantiate does (print '{p}.outPath', or use --json, which prints "
        "a derivation as its out path)"
    ),
}
_OVERRIDE_HINT = "overriding needs nixpkgs' recipe, which a package index does not carry (README: Packages)"


def _cannot_rebuild(attr_path: str, attr: str) -> Thunk:
    """The value of ``attr`` (one of ``PREBUILT_ATTRS``): a ``throw`` naming the package.

    A ``throw`` as real Nix would see it for ``drvPath = throw "…"``: ``tryEval`` catches it,
    and ``nix-instantiate --eval --strict`` of the package fails with it, since printing a
    derivation strictly forces every attribute.  The hint says which attribute was forced.
    """

    def fail(_env: Any) -> Any:
        e = ThrownError(f"'{attr_path}' comes prebuilt from the package index and cannot be rebuilt")
        e.hint = _HINTS.get(attr, _OVERRIDE_HINT).replace("{p}", attr_path)
        raise e

    return Thunk(fail, None)


def _output_order(entry: dict[str, Any]) -> list[str]:
    """The outputs with the default one first (nix-env lists them sorted, not in nixpkgs' order)."""
    outputs = list(entry["outputs"])
    default = entry.get("outputName")
    if default not in entry["outputs"]:
        default = "out" if "out" in entry["outputs"] else outputs[0]
    return [default] + [o for o in outputs if o != default]


def _output_value(attr_path: str, common: dict[str, Any], output: str, path: str, specified: bool) -> IndexPackage:
    v = IndexPackage(common)
    v["outputName"] = output
    v["outPath"] = CStr(path, frozenset((path,)))
    if specified:
        v["outputSpecified"] = True
    for attr in PREBUILT_ATTRS:
        v[attr] = _cannot_rebuild(attr_path, attr)
    v.pos = None
    v.attr_path = attr_path
    v.out_path = path
    v.children = ()
    return v


def make_package(attr_path: str, entry: dict[str, Any]) -> IndexPackage:
    """The value of ``pkgs.<attr_path>`` for a validated index ``entry``.

    As with nixpkgs' ``stdenv.mkDerivation``, the package is its default output,
    and ``pkg.<output>`` (also listed in ``all``) is that output with
    ``outputSpecified = true``, which ``lib.getBin`` & co. respect.
    """
    names = _output_order(entry)
    outputs = entry["outputs"]
    common: dict[str, Any] = {
        "type": "derivation",
        "name": entry["name"],
        "outputs": list(names),
        "meta": entry.get("meta", {}),
    }
    for key in ("pname", "version", "system"):
        if key in entry:
            common[key] = entry[key]
    per_output = {o: _output_value(attr_path, common, o, outputs[o], True) for o in names}
    links = {**per_output, "all": [per_output[o] for o in names]}
    for v in per_output.values():
        v.update(links)
    top = _output_value(attr_path, common, names[0], outputs[names[0]], False)
    top.update(links)
    return top
