"""What ``nix-instantiate`` does around evaluation: auto-calling, ``-A`` paths, ``--arg``.

A file whose value is a function with formals is called with the ``--arg`` /
``--argstr`` values (``autoCallFunction``), and ``-A a.b.0`` walks sets and lists
(``findAlongAttrPath``), auto-calling along the way, with Nix's error wording.
"""

from __future__ import annotations

from typing import Any

from .errors import NixError
from .values import Lambda, Thunk, call_function, force, show_type


def auto_call(v: Any, auto_args: dict[str, Any]) -> Any:
    """Call ``v`` with the auto-arguments when it is a function taking a set."""
    v = force(v)
    if isinstance(v, dict) and "__functor" in v:
        fn = force(v["__functor"])
        return auto_call(call_function(fn, v), auto_args)
    if type(v) is not Lambda or v.code.formal_names is None:
        return v
    node = v.code.node
    if node.ellipsis:
        arg = dict(auto_args)
    else:
        arg = {}
        for f in node.formals:
            if f.name in auto_args:
                arg[f.name] = auto_args[f.name]
            elif f.default is None:
                raise NixError(
                    "cannot evaluate a function that has an argument without a value "
                    f"('{f.name}')\nNix attempted to evaluate a function as a top level expression; in\n"
                    "this case it must have its arguments supplied either by default\n"
                    "values, or passed explicitly with '--arg' or '--argstr'. See\n"
                    "https://nixos.org/manual/nix/stable/expressions/language-constructs.html#functions.",
                    f.pos,
                )
    return call_function(v, arg)


def split_attr_path(path: str) -> list[str]:
    """Split ``a."b.c".d`` into components (Nix's ``parseAttrPath``)."""
    parts: list[str] = []
    cur = ""
    i = 0
    n = len(path)
    while i < n:
        c = path[i]
        if c == ".":
            parts.append(cur)
            cur = ""
        elif c == '"':
            i += 1
            while i < n and path[i] != '"':
                cur += path[i]
                i += 1
            if i >= n:
                raise NixError(f"missing closing quote in selection path '{path}'")
        else:
            cur += c
        i += 1
    if path:
        parts.append(cur)
    return parts


def find_along_attr_path(v: Any, path: str, auto_args: dict[str, Any]) -> Any:
    v = force(v)
    for name in split_attr_path(path):
        v = auto_call(v, auto_args)
        if name.isdigit():
            if type(v) is not list:
                raise NixError(
                    f"the expression selected by the selection path '{path}' should be a list "
                    f"but is {show_type(v)}"
                )
            idx = int(name)
            if idx >= len(v):
                raise NixError(f"list index {idx} in selection path '{path}' is out of range")
            v = force(v[idx])
            continue
        if not isinstance(v, dict):
            raise NixError(
                f"the expression selected by the selection path '{path}' should be a set but is {show_type(v)}"
            )
        if not name:
            raise NixError(f"empty attribute name in selection path '{path}'")
        if name not in v:
            from .suggestions import best_matches

            raise NixError(
                f"attribute '{name}' in selection path '{path}' not found", suggestion=best_matches(v.keys(), name)
            )
        r = v[name]
        v = r.force() if type(r) is Thunk else r
    return v
