"""Fetchers that run at evaluation time: present, so ``builtins ? fetchGit`` is what Nix says,
but each one stops evaluation with an error naming it.

pydock does not download during evaluation (no network access from the evaluator, no fetcher
cache, no Git/Mercurial clients); a fixed-output derivation (``<nix/fetchurl.nix>``,
``pkgs.fetchurl``) fetches at build time instead. ``getFlake`` and ``fetchClosure`` exist only
when their experimental feature is enabled, as in Nix.
"""

from __future__ import annotations

from typing import Any

from ..errors import NixError
from .registry import primop


class UnsupportedBuiltin(NixError):
    """A builtin pydock knows by name but does not implement."""


def _unsupported(name: str, why: str) -> UnsupportedBuiltin:
    return UnsupportedBuiltin(f"'builtins.{name}' is not supported by pydock: {why}")


_DOWNLOADS = "it downloads at evaluation time; use a fixed-output derivation such as <nix/fetchurl.nix> instead"


@primop("__fetchurl")
def prim_fetchurl(_args: Any) -> Any:
    raise _unsupported("fetchurl", _DOWNLOADS)


@primop("fetchTarball")
def prim_fetch_tarball(_args: Any) -> Any:
    raise _unsupported("fetchTarball", _DOWNLOADS)


@primop("fetchGit")
def prim_fetch_git(_args: Any) -> Any:
    raise _unsupported("fetchGit", _DOWNLOADS)


@primop("fetchMercurial")
def prim_fetch_mercurial(_args: Any) -> Any:
    raise _unsupported("fetchMercurial", _DOWNLOADS)


@primop("fetchTree")
def prim_fetch_tree(_args: Any) -> Any:
    raise _unsupported("fetchTree", _DOWNLOADS)


@primop("__getFlake", feature="flakes")
def prim_get_flake(_ref: Any) -> Any:
    raise _unsupported("getFlake", "pydock does not fetch or lock flakes")


@primop("__fetchClosure", feature="fetch-closure")
def prim_fetch_closure(_args: Any) -> Any:
    raise _unsupported("fetchClosure", "it copies store paths from a binary cache at evaluation time")
