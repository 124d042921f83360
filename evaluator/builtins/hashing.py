"""``builtins.hashString``, ``builtins.hashFile`` and ``builtins.convertHash``: Nix's hash algorithms.

Only md5, sha1, sha256 and sha512 exist in Nix 2.8 (current Nix adds blake3 behind an experimental
feature, which pydock refuses by name since Python has no BLAKE3). An unknown name is a *usage* error there (it is
raised by the hash-type parser, not by the evaluator), so it carries no source position and the CLI
adds a "Try '... --help'" hint; ``UnknownHashAlgorithm`` lets the CLI recognise it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydock.store.hashes import BadHash, Base, Hash

from ..errors import NO_POS, NixError
from ..ops import encode
from ..values import force_attrs, force_string, force_string_no_ctx
from ..warnings import warn
from .io import realise_path
from .registry import primop, state

_ALGORITHMS = {"md5": hashlib.md5, "sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


class UnknownHashAlgorithm(NixError):
    """Nix's ``UsageError("unknown hash algorithm '…'")``."""

    usage_error = True


def _algorithm(name: Any) -> Any:
    t = force_string_no_ctx(name)
    algo = _ALGORITHMS.get(t)
    if algo is None:
        _refuse_blake3(t)
        raise UnknownHashAlgorithm(f"unknown hash algorithm '{t}'", NO_POS)  # a usage error: no position
    return algo


def _refuse_blake3(name: str) -> None:
    """Current Nix has BLAKE3 behind ``blake3-hashes``; Python's hashlib has no BLAKE3, so with
    the feature on pydock says so instead of calling the name unknown."""
    st = state()
    if name == "blake3" and st is not None and st.settings.has_feature("blake3-hashes"):
        raise NixError("hash algorithm 'blake3' is not supported by pydock")


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


# ------------------------------------------------------------------ convertHash (Nix 2.19)

_FORMATS = {"base16": Base.BASE16, "nix32": Base.BASE32, "base32": Base.BASE32, "base64": Base.BASE64, "sri": Base.SRI}


def _hash_format(name: str) -> Base:
    fmt = _FORMATS.get(name)
    if fmt is None:
        raise UnknownHashFormat(f"unknown hash format '{name}', expect 'base16', 'base32', 'base64', or 'sri'")
    if name == "base32":
        warn('"base32" is a deprecated alias for hash format "nix32".')
    return fmt


class UnknownHashFormat(NixError):
    """Nix's ``UsageError`` for a ``toHashFormat`` it does not know."""

    usage_error = True


@primop("__convertHash")
def prim_convert_hash(args: Any) -> Any:
    """Re-encode a hash; its algorithm comes from ``hashAlgo`` or from the hash's own prefix.

    The attributes are read in Nix's order (``hash``, ``hashAlgo``, ``toHashFormat``), so the
    first missing or ill-typed one is the one reported.
    """
    attrs = force_attrs(args)
    if "hash" not in attrs:
        raise NixError("attribute 'hash' missing")
    text = str(force_string_no_ctx(attrs["hash"]))
    algo = None
    if "hashAlgo" in attrs:
        name = str(force_string_no_ctx(attrs["hashAlgo"]))
        algo = _algorithm_name(name)
    if "toHashFormat" not in attrs:
        raise NixError("attribute 'toHashFormat' missing")
    fmt = _hash_format(str(force_string_no_ctx(attrs["toHashFormat"])))
    try:
        h = Hash.parse_any(text, algo)
    except BadHash as e:
        raise NixError(str(e)) from None
    return h.to_string(fmt)


def _algorithm_name(name: str) -> str:
    if name not in _ALGORITHMS:
        _refuse_blake3(name)
        raise UnknownHashAlgorithm(f"unknown hash algorithm '{name}'")
    return name
