"""``builtins.hashString`` and ``builtins.hashFile``: base-16 digests with Nix's choice of algorithms.

Only md5, sha1, sha256 and sha512 exist in Nix 2.8. An unknown name is a *usage* error there (it is
raised by the hash-type parser, not by the evaluator), so it carries no source position and the CLI
adds a "Try '... --help'" hint; ``UnknownHashAlgorithm`` lets the CLI recognise it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..errors import NO_POS, NixError
from ..ops import encode
from ..values import force_string, force_string_no_ctx
from .io import realise_path
from .registry import primop

_ALGORITHMS = {"md5": hashlib.md5, "sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


class UnknownHashAlgorithm(NixError):
    """Nix's ``UsageError("unknown hash algorithm '…'")``."""

    usage_error = True


def _algorithm(name: Any) -> Any:
    t = force_string_no_ctx(name)
    algo = _ALGORITHMS.get(t)
    if algo is None:
        raise UnknownHashAlgorithm(f"unknown hash algorithm '{t}'", NO_POS)  # a usage error: no position
    return algo


@primop("__hashString")
def prim_hash_string(algorithm: Any, s: Any) -> Any:
    """The string's context is dropped: hashing text does not depend on the store paths it names."""
    algo = _algorithm(algorithm)
    return algo(encode(force_string(s))).hexdigest()


def hash_file(algo: Any, path: str) -> str:
    h = algo()
    try:
        with open(path, "rb") as f:
            while True:
                chunk = f.read(1 << 16)
                if not chunk:
                    break
                h.update(chunk)
    except FileNotFoundError:
        raise NixError(f"opening file '{path}': No such file or directory") from None
    except IsADirectoryError:
        raise NixError("reading from file: Is a directory") from None
    except PermissionError:
        raise NixError(f"opening file '{path}': Permission denied") from None
    except OSError as e:
        raise NixError(f"opening file '{path}': {e.strerror}") from None
    return h.hexdigest()


@primop("__hashFile")
def prim_hash_file(algorithm: Any, p: Any) -> Any:
    """The algorithm is checked before the path is looked at, as in Nix."""
    algo = _algorithm(algorithm)
    return hash_file(algo, realise_path(p))
