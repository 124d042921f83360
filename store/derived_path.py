"""``DrvRef``: one thing a build was asked for, as nix-build's evaluation finds it.

Nix calls this a ``DerivedPath``: either one output of a store derivation (``Built``) or
a store path that is simply wanted as it is (``Opaque``).  pydock's opaque paths are the
packages of the package index, which come prebuilt and are realised by substitution; the
attribute that named them is kept so errors can say which package could not be found.
The evaluator produces these (``evaluator/instantiation.py``) and the realiser consumes
them (``builders/realisation/targets.py``); the type lives in ``store/`` so that neither
of the two depends on the other.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DrvRef"]


@dataclass(frozen=True)
class DrvRef:
    """One derivation to build: its ``.drv`` and the output ``nix-build`` links and prints.

    A package from the package index has no ``.drv``: ``prebuilt_attr`` names it and
    ``drv_path`` holds its output path, which is realised by substitution.
    """

    drv_path: str
    output_name: str
    prebuilt_attr: str | None = None
