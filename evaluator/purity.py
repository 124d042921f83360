"""Current Nix's pure evaluation mode (``pure-eval = true``): what it takes away.

Nix's pure mode makes a result depend only on declared inputs: the search path is empty
(``<name>`` is an error, Nix's own ``<nix/…>`` files excepted), ``currentTime`` and
``currentSystem`` are not defined, ``getEnv`` returns "", ``builtins.storePath`` is refused,
``~/…`` literals cannot be resolved, and files can be read only inside the store (Nix's
store accessor; pydock's own prelude and corepkgs files, which Nix compiles in, stay
readable). Reading elsewhere is an error, while ``pathExists`` just answers false, as Nix's
filtering accessor does. The evaluator asks this module at each of those places.

One deviation: Nix allows only the store paths that the evaluation itself produced or was
given; pydock allows the whole store directory.
"""

from __future__ import annotations

import os

from .errors import NO_POS, NixError

IMPURE_CONSTANTS = frozenset({"__currentTime", "__currentSystem"})
_OVERRIDE = "(use '--impure' to override)"


def lookup_refused(name: str) -> NixError:
    return NixError(f"cannot look up '<{name}>' in pure evaluation mode {_OVERRIDE}")


def home_path_refused(literal: str) -> NixError:
    return NixError(f"the path '{literal}' can not be resolved in pure mode")


def store_path_refused() -> NixError:
    return NixError("'builtins.storePath' is not allowed in pure evaluation mode")


def may_read(path: str, store_dir: str, own_dirs: tuple[str, ...]) -> bool:
    """Whether pure mode lets evaluation read ``path`` (absolute and canonical)."""
    for root in (store_dir, *own_dirs):
        if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


def access_refused(path: str, in_builtin: bool) -> NixError:
    """Without a position, as Nix 2.8 (which also adds its "--show-trace" hint when a builtin
    hit it); current Nix's wording ("pure evaluation mode", where Nix 2.8 says "pure eval mode")."""
    e = NixError(f"access to absolute path '{path}' is forbidden in pure evaluation mode {_OVERRIDE}", NO_POS)
    e.trace_hint = in_builtin
    return e
