"""The evaluation entry points used by the CLI and by library users."""

from __future__ import annotations

import os
from typing import Any

from .builtins.core import force_deep
from .errors import Source
from .settings import EvalSettings
from .state import EvalState, new_state
from .toplevel import auto_call, find_along_attr_path
from .values import Thunk, force


def evaluate_for_cli(
    files: list[str],
    is_expr: bool,
    attr_paths: list[str],
    strict: bool,
    output: str,
    args: list[tuple[str, str]],
    argstrs: list[tuple[str, str]],
    include: list[str],
    xml_location: bool = True,
    parse_only: bool = False,
    package_index: str | None = None,
    settings: EvalSettings | None = None,
) -> list[str]:
    """Do what ``nix-instantiate --eval`` does; return the texts to print."""
    if parse_only:
        return [_parse_only(f, is_expr, settings) for f in files or ["."]]
    state = new_state(search_path=include, package_index=package_index, settings=settings)
    auto_args = make_auto_args(state, args, argstrs)
    outputs = []
    for root in load_roots(state, files, is_expr):
        for path in attr_paths or [""]:
            v = find_along_attr_path(root, path, auto_args)
            if auto_args:
                v = auto_call(v, auto_args)
            outputs.append(render(v, strict, output, xml_location, state))
    return outputs


def make_auto_args(state: EvalState, args: list[tuple[str, str]], argstrs: list[tuple[str, str]]) -> dict[str, Any]:
    """``--arg`` (a lazily evaluated expression, as in Nix) and ``--argstr`` values."""
    auto_args: dict[str, Any] = {}
    for name, expr in args:
        auto_args[name] = Thunk(lambda _env, expr=expr: state.eval_string(expr), None)
    for name, value in argstrs:
        auto_args[name] = value
    return auto_args


def load_roots(state: EvalState, files: list[str], is_expr: bool) -> list[Any]:
    """Evaluate the command-line arguments: ``-E`` texts, files, directories or ``<path>``s."""
    roots: list[Any] = []
    if is_expr:
        for text in files:
            roots.append(state.eval_source(Source("«string»", text, "string"), os.getcwd()))
        return roots
    for f in files or ["."]:
        if f.startswith("<") and f.endswith(">"):
            path = state.find_file(state.search_path, f[1:-1])
        else:
            path = os.path.abspath(f)
        roots.append(state.eval_file(path))
    return roots


def _parse_only(arg: str, is_expr: bool, settings: EvalSettings | None = None) -> str:
    from .parser import parse
    from .show import show

    if is_expr:
        return show(parse(Source("«string»", arg, "string"), os.getcwd(), settings))
    path = os.path.abspath(arg)
    if os.path.isdir(path):
        path = os.path.join(path, "default.nix")
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    return show(parse(Source(path, text, "file"), os.path.dirname(path), settings))


def render(v: Any, strict: bool, output: str, xml_location: bool = True, state: EvalState | None = None) -> str:
    """The text ``--eval`` prints for ``v``; with ``--json`` paths are copied into ``state``'s store, as in Nix."""
    if output == "json":
        from .builtins.json import value_to_json

        return value_to_json(v, set(), strict=True, copy_to_store=state)
    if output == "xml":
        from .builtins.xml import value_to_xml

        return value_to_xml(v, strict=strict, location=xml_location)
    if strict:
        force_deep(v)
    from .printer import print_value

    return print_value(force(v))
