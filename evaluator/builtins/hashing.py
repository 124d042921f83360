"""``builtins.hashString``, ``builtins.hashFile`` and ``builtins.convertHash``: Nix's hash algorithms.

Nix 2.8 has md5, sha1, sha256 and sha512; current Nix adds blake3 behind the experimental feature
``blake3-hashes`` (rl-2.27), and so does pydock (``store/blake3.py``, pure Python). With the
feature off, current Nix names the feature rather than calling blake3 unknown, and everything that
parses an algorithm name (``hashString``, ``hashFile``, ``convertHash``'s ``hashAlgo`` and the
prefix of its ``hash``) is gated the same way. An unknown name is a *usage* error (it is
raised by the hash-type parser, not by the evaluator), so it carries no source position and the CLI
adds a "Try '... --help'" hint; ``UnknownHashAlgorithm`` lets the CLI recognise it.
"""

from __future__ import annotations

from typing import Any

from pydock.store.hashes import EXPERIMENTAL_HASH_SIZES, HASH_SIZES, BadHash, Base, Hash, new_hasher

from ..errors import NO_POS, NixError, experimental_feature_disabled
from ..ops import encode
from ..values import force_attrs, force_string, force_string_no_ctx
from ..warnings import warn
from .io import realise_path
from .registry import primop


class UnknownHashAlgorithm(NixError):
    """Nix's ``UsageError("unknown hash algorithm '…'")``."""

    usage_error = True


_FEATURE = "blake3-hashes"


def _experimental_allowed(st: Any) -> tuple[str, ...]:
    """The experimental algorithms the evaluation ``st`` may use."""
    return tuple(EXPERIMENTAL_HASH_SIZES) if st.settings.has_feature(_FEATURE) else ()


def _algorithm_name(st: Any, name: str) -> str:
    if name in HASH_SIZES or name in _experimental_allowed(st):
        return name
    if name in EXPERIMENTAL_HASH_SIZES:
        raise experimental_feature_disabled(_FEATURE, NO_POS)
    raise UnknownHashAlgorithm(f"unknown hash algorithm '{name}'", NO_POS)  # a usage error: no position


def _algorithm(st: Any, name: Any) -> str:
    return _algorithm_name(st, str(force_string_no_ctx(name)))


@primop("__hashString", needs_state=True)
def prim_hash_string(st: Any, algorithm: Any, s: Any) -> Any:
    """The string's context is dropped: hashing text does not depend on the store paths it names."""
    h = new_hasher(_algorithm(st, algorithm), EXPERIMENTAL_HASH_SIZES)
    h.update(encode(force_string(s)))
    return h.hexdigest()


def hash_file(algo: str, path: str) -> str:
    h = new_hasher(algo, EXPERIMENTAL_HASH_SIZES)
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


@primop("__hashFile", needs_state=True)
def prim_hash_file(st: Any, algorithm: Any, p: Any) -> Any:
    """The algorithm is checked before the path is looked at, as in Nix."""
    algo = _algorithm(st, algorithm)
    return hash_file(algo, realise_path(st, p))


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


@primop("__convertHash", needs_state=True)
def prim_convert_hash(st: Any, args: Any) -> Any:
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
        algo = _algorithm_name(st, name)
    if "toHashFormat" not in attrs:
        raise NixError("attribute 'toHashFormat' missing")
    fmt = _hash_format(str(force_string_no_ctx(attrs["toHashFormat"])))
    try:
        h = Hash.parse_any(text, algo, _experimental_allowed(st))
    except BadHash as e:
        if any(str(e) == f"unknown hash algorithm '{n}'" for n in EXPERIMENTAL_HASH_SIZES):  # feature off
            raise experimental_feature_disabled(_FEATURE, NO_POS) from None
        raise NixError(str(e)) from None
    return h.to_string(fmt)
