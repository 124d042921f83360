"""The command-line options ``eval``, ``instantiate`` and ``build`` share, spelled as nix-instantiate's.

One definition, so the three commands cannot drift apart in names, metavars or meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = [
    "selection_options",
    "argument_options",
    "substitution_options",
    "setting_options",
    "collected_settings",
    "warn_unknown_settings",
]

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


# ------------------------------------------------------------------ settings (--option and friends)

_SETTINGS_KEY = "pydock.settings"


def _collect(name: str, value_of: Callable[[Any], str | None]) -> Callable[[click.Context, click.Parameter, Any], None]:
    """A callback that records ``(setting name, value)`` in the order the flags were given."""

    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        pairs = ctx.meta.setdefault(_SETTINGS_KEY, [])
        for v in value if isinstance(value, tuple) else (value,):
            text = value_of(v)
            if text is not None:
                pairs.append((name, text))

    return callback


def _collect_option_pairs(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
    ctx.meta.setdefault(_SETTINGS_KEY, []).extend((str(n), str(v)) for n, v in value)


def collected_settings(ctx: click.Context | None = None) -> list[tuple[str, str]]:
    """Every ``(name, value)`` that ``--option`` and the setting flags gave, in command-line order.

    One list for every subsystem: each takes the names it knows (the evaluator through
    ``EvalSettings.apply``) and passes the rest on; ``warn_unknown_settings`` reports what is left.
    """
    ctx = ctx or click.get_current_context()
    return list(ctx.meta.get(_SETTINGS_KEY, []))


def warn_unknown_settings(pairs: list[tuple[str, str]]) -> None:
    """Nix's warning for a setting nobody knows (the value is ignored, the command goes on)."""
    from pydock.evaluator.warnings import warn

    for name, _value in pairs:
        warn(f"unknown setting '{name}'")


# validated by the evaluator's settings, so a bad level is Nix's "error: option … has invalid value"
_LINT_LEVEL = "LEVEL"


def setting_options(f: F) -> F:
    """``--option NAME VALUE`` and the per-setting flags of current ``nix-instantiate``.

    None of them becomes a parameter of the command: they are collected (see
    ``collected_settings``), so a command, or a later subsystem, can take its own names out of
    one list.
    """
    identity: Callable[[Any], str | None] = lambda v: None if v is None else str(v)  # noqa: E731
    flag: Callable[[Any], str | None] = lambda v: "true" if v else None  # noqa: E731
    return _apply(
        f,
        [
            click.option(
                "--option", "option_pairs", nargs=2, multiple=True, metavar="NAME VALUE", expose_value=False,
                callback=_collect_option_pairs, help="Set a Nix setting (e.g. abort-on-warn true).",
            ),
            click.option(
                "--lint-short-path-literals", metavar=_LINT_LEVEL, expose_value=False,
                callback=_collect("lint-short-path-literals", identity),
                help="Relative path literals without ./ : ignore, warn or fatal.",
            ),
            click.option(
                "--lint-absolute-path-literals", metavar=_LINT_LEVEL, expose_value=False,
                callback=_collect("lint-absolute-path-literals", identity),
                help="Absolute (/…) and home (~/…) path literals: ignore, warn or fatal.",
            ),
            click.option(
                "--lint-url-literals", metavar=_LINT_LEVEL, expose_value=False,
                callback=_collect("lint-url-literals", identity), help="Unquoted URLs: ignore, warn or fatal.",
            ),
            click.option(
                "--abort-on-warn", is_flag=True, expose_value=False, callback=_collect("abort-on-warn", flag),
                help="Make builtins.warn an error.",
            ),
            click.option(
                "--trace-verbose", is_flag=True, expose_value=False, callback=_collect("trace-verbose", flag),
                help="Make builtins.traceVerbose print.",
            ),
            click.option(
                "--max-call-depth", metavar="N", expose_value=False, callback=_collect("max-call-depth", identity),
                help="Nested function calls allowed before 'stack overflow' (default 10000, as current Nix).",
            ),
            click.option(
                "--impure", is_flag=True, expose_value=False,
                callback=_collect("pure-eval", lambda v: "false" if v else None),
                help="Allow impure evaluation (the default, as nix-instantiate's).",
            ),
            click.option(
                "--pure-eval", is_flag=True, expose_value=False, callback=_collect("pure-eval", flag),
                help="Pure evaluation: no search path, environment, clock or files outside the store.",
            ),
            click.option(
                "--extra-experimental-features", multiple=True, metavar="FEATURES", expose_value=False,
                callback=_collect("extra-experimental-features", identity),
                help="Enable experimental features (e.g. parse-toml-timestamps, flakes).",
            ),
            click.option(
                "--experimental-features", multiple=True, metavar="FEATURES", expose_value=False,
                callback=_collect("experimental-features", identity), help="Set the experimental features.",
            ),
        ],
    )
