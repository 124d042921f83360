"""The command-line options ``eval``, ``instantiate`` and ``build`` share, spelled as nix-instantiate's.

One definition, so the three commands cannot drift apart in names, metavars or meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["selection_options", "argument_options", "substitution_options"]

F = TypeVar("F", bound=Callable[..., Any])


def _apply(f: F, options: list[Callable[[F], F]]) -> F:
    for option in reversed(options):
        f = option(f)
    return f


def selection_options(f: F) -> F:
    """FILES, ``-E`` and ``-A``: what to evaluate and which part of it."""
    return _apply(
        f,
        [
            click.argument("files", nargs=-1),
            click.option("-E", "--expr", "is_expr", is_flag=True, help="Interpret the arguments as Nix expressions."),
            click.option("-A", "--attr", "attr_paths", multiple=True, help="Select an attribute path from the value."),
        ],
    )


def argument_options(f: F) -> F:
    """``--arg``, ``--argstr``, ``-I``, ``--packages`` and ``--show-trace``."""
    return _apply(
        f,
        [
            click.option(
                "--arg", "args", nargs=2, multiple=True, metavar="NAME EXPR", help="Argument for the top function."
            ),
            click.option("--argstr", "argstrs", nargs=2, multiple=True, metavar="NAME VALUE", help="String argument."),
            click.option("-I", "include", multiple=True, metavar="PATH", help="Add to the Nix search path."),
            click.option(
                "--packages",
                "packages",
                metavar="FILE",
                help="Package index (nix-env -qaP --json --out-path output; .json, .json.xz, .json.zst) "
                "whose packages fill <nixpkgs>; default $PYDOCK_PACKAGES.",
            ),
            click.option(
                "--show-trace", is_flag=True, help="Show the evaluation trace (and Python tracebacks) on errors."
            ),
        ],
    )


def substitution_options(f: F) -> F:
    """``--substituters``, ``--trusted-public-keys``, ``--option NAME VALUE`` and ``--no-substitute`` (as Nix's)."""
    return _apply(
        f,
        [
            click.option(
                "--substituters",
                "substituters",
                metavar="URIS",
                help="Space-separated binary caches (replaces the configured ones).",
            ),
            click.option(
                "--trusted-public-keys",
                "trusted_public_keys",
                metavar="KEYS",
                help="Space-separated 'name:base64' keys whose signatures are trusted (replaces config).",
            ),
            click.option(
                "--option",
                "options",
                nargs=2,
                multiple=True,
                metavar="NAME VALUE",
                help="Set a Nix setting (substituters, extra-substituters, require-sigs, netrc-file, …).",
            ),
            click.option("--no-substitute", is_flag=True, help="Build everything locally; use no binary cache."),
        ],
    )
