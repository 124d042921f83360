"""The command-line options ``eval``, ``instantiate`` and ``build`` share, spelled as nix-instantiate's.

One definition, so the three commands cannot drift apart in names, metavars or meaning, and
one settings pipeline (:func:`command_settings`) behind ``--option`` and every flag that is
a Nix setting in disguise. The values of :func:`selection_options` and :func:`argument_options`
reach a command as one ``EvalRequest`` (:func:`pass_eval_request`), and :func:`instantiate_request`
is the evaluation into a store that ``build``, ``instantiate``, ``push`` and ``inspect`` share.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from pydock.evaluator.request import EvalRequest
    from pydock.evaluator.settings import EvalSettings
    from pydock.store.derived_path import DrvRef
    from pydock.store.local import LocalStore
    from pydock.store.settings import Settings

__all__ = [
    "selection_options",
    "argument_options",
    "store_option",
    "pass_eval_request",
    "eval_request",
    "instantiate_request",
    "setting_options",
    "collected_settings",
    "command_settings",
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
            click.argument("files", nargs=-1, type=click.Path()),  # Path: shells complete file names
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


def store_option(f: F) -> F:
    """``--store DIR`` with ``pydock build``'s default."""
    return click.option(
        "--store",
        "store_root",
        metavar="DIR",
        help="Store root directory (default: $PYDOCK_STORE, else $XDG_DATA_HOME/pydock/store).",
    )(f)


# the parameters of selection_options and argument_options that make an EvalRequest
_REQUEST_FIELDS = ("files", "is_expr", "attr_paths", "args", "argstrs", "include", "packages")


def eval_request(params: dict[str, Any], files: list[str] | None = None) -> EvalRequest:
    """The ``EvalRequest`` that a command's parameters (as click passes them) spell; ``files``
    replaces the FILES argument for commands whose file is an argument of their own (push, inspect)."""
    from pydock.evaluator.request import EvalRequest

    return EvalRequest(
        list(params["files"]) if files is None else files,
        bool(params.get("is_expr", False)),
        list(params["attr_paths"]),
        list(params["args"]),
        list(params["argstrs"]),
        list(params["include"]),
        params["packages"],
    )


def pass_eval_request(f: F) -> F:
    """Hand the command one ``request`` (an ``EvalRequest``) instead of the seven values of
    :func:`selection_options` and :func:`argument_options`; ``--show-trace`` stays a parameter.

    Apply it below the option decorators (nearest the function): the options, and so ``--help``,
    are unchanged.
    """

    @functools.wraps(f)
    def command(*args: Any, **params: Any) -> Any:
        request = eval_request(params)
        for name in _REQUEST_FIELDS:
            params.pop(name, None)
        return f(*args, request=request, **params)

    return command  # type: ignore[return-value]


def instantiate_request(
    store_root: str | None,
    request: EvalRequest,
    progress: Callable[[str], None] | None,
    show_trace: bool,
) -> tuple[LocalStore, list[DrvRef]]:
    """Evaluate ``request`` into the store (``--store``) with the command's settings, as nix-build does.

    The settings come from :func:`command_settings`; the result is
    ``evaluator.instantiation.open_and_instantiate``'s: the store and the derivations found.
    """
    from pydock.evaluator.instantiation import open_and_instantiate

    eval_settings, settings = command_settings()
    return open_and_instantiate(store_root, request, settings, eval_settings, progress, show_trace)


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


def warn_unknown_settings(messages: list[str]) -> None:
    """Print the settings' warnings (``unknown setting 'NAME'``, as Nix words it); the command goes on."""
    from pydock.evaluator.warnings import warn

    for message in messages:
        warn(message)


def command_settings(ctx: click.Context | None = None) -> tuple[EvalSettings, Settings]:
    """The one settings pipeline of every command: evaluator settings, then the store's, from the same pairs.

    The evaluator takes the names it knows out of :func:`collected_settings`; the rest go to
    ``load_settings`` after Nix's and pydock's configuration files (substituters, keys,
    ``packages`` …).  A name neither knows is warned about once, here, as Nix does.
    """
    from pydock.evaluator.settings import EvalSettings
    from pydock.store.settings import load_settings

    eval_settings = EvalSettings.from_environment()
    settings = load_settings(eval_settings.apply(collected_settings(ctx)))
    warn_unknown_settings(settings.warnings)
    return eval_settings, settings


# validated by the evaluator's settings, so a bad level is Nix's "error: option … has invalid value"
_LINT_LEVEL = "LEVEL"


def setting_options(f: F) -> F:
    """``--option NAME VALUE`` and the flags that set one setting each, as current Nix spells them.

    None of them becomes a parameter of the command: they are collected in command-line order
    (see ``collected_settings``) and go through :func:`command_settings`, so each subsystem
    takes its own names out of one list.  ``--substituters X`` is ``--option substituters X``,
    ``--no-substitute`` is ``--option substitute false``.
    """
    identity: Callable[[Any], str | None] = lambda v: None if v is None else str(v)  # noqa: E731
    flag: Callable[[Any], str | None] = lambda v: "true" if v else None  # noqa: E731
    return _apply(
        f,
        [
            click.option(
                "--option", "option_pairs", nargs=2, multiple=True, metavar="NAME VALUE", expose_value=False,
                callback=_collect_option_pairs,
                help="Set a Nix setting (abort-on-warn, substituters, require-sigs, netrc-file, packages, …).",
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
            click.option(
                "--substituters", metavar="URIS", expose_value=False, callback=_collect("substituters", identity),
                help="Space-separated binary caches (replaces the configured ones).",
            ),
            click.option(
                "--trusted-public-keys", metavar="KEYS", expose_value=False,
                callback=_collect("trusted-public-keys", identity),
                help="Space-separated 'name:base64' keys whose signatures are trusted (replaces config).",
            ),
            click.option(
                "--no-substitute", is_flag=True, expose_value=False,
                callback=_collect("substitute", lambda v: "false" if v else None),
                help="Build everything locally; use no binary cache.",
            ),
        ],
    )
