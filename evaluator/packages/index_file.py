"""Reading a package index: the JSON ``nix-env -qaP --json --out-path [--meta]`` prints.

The file maps attribute paths (``"python3Packages.requests"``) to entries
``{"name", "pname", "version", "system", "outputName", "outputs": {output: store
path}, "meta"}``; it may be compressed with xz (``.xz``) or zstd (``.zst``).
Anything else is a clear error naming the file and, for broken JSON, the line
and column where the parser stopped, so a truncated download is easy to spot.
"""

from __future__ import annotations

import json
import lzma
import os
from typing import Any

from ..errors import NO_POS, NixError

__all__ = ["PackageIndexError", "index_identity", "read_index", "validate_entry"]


class PackageIndexError(NixError):
    """A package index that cannot be read or does not have nix-env's shape.

    It is about a file, not about the Nix expression that first touched the index,
    so it carries no source position (no code frame into the prelude).
    """

    def __init__(self, msg: str) -> None:
        super().__init__(msg, NO_POS)


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise PackageIndexError(f"package index '{path}' does not exist") from None
    except IsADirectoryError:
        raise PackageIndexError(f"package index '{path}' is a directory, not a file") from None
    except OSError as e:
        raise PackageIndexError(f"cannot read package index '{path}': {e.strerror}") from None
    try:
        if path.endswith(".xz") or raw.startswith(b"\xfd7zXZ\x00"):
            return lzma.decompress(raw)
        if path.endswith(".zst") or raw.startswith(b"\x28\xb5\x2f\xfd"):
            import zstandard

            with zstandard.ZstdDecompressor().stream_reader(raw) as reader:
                return reader.read()
    except (lzma.LZMAError, EOFError) as e:
        raise PackageIndexError(f"package index '{path}' is not valid xz data: {e}") from None
    except Exception as e:  # noqa: BLE001 - zstandard.ZstdError and friends
        raise PackageIndexError(f"package index '{path}' is not valid zstd data: {e}") from None
    return raw


def read_index(path: str, store_dir: str = "/nix/store") -> dict[str, dict[str, Any]]:
    """Parse and check the index at ``path``; returns attribute path -> entry."""
    raw = _read_bytes(path)
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as e:
        raise PackageIndexError(f"package index '{path}' is not UTF-8 text (byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise PackageIndexError(
            f"package index '{path}' is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"
        ) from None
    if not isinstance(data, dict):
        raise PackageIndexError(
            f"package index '{path}' must be a JSON object of attribute paths "
            "(as 'pydock index' writes it: nix-env -qaP --json --out-path's output)"
        )
    for attr_path, entry in data.items():
        validate_entry(path, attr_path, entry, store_dir)
    return data


def validate_entry(index: str, attr_path: str, entry: Any, store_dir: str) -> None:
    """Check one entry's shape; the error names the index, the attribute and the field."""

    def bad(what: str) -> PackageIndexError:
        return PackageIndexError(f"package index '{index}': entry '{attr_path}': {what}")

    if not attr_path or any(not part for part in attr_path.split(".")):
        raise bad("the attribute path is empty or has an empty component")
    if "\n" in attr_path:
        raise bad("the attribute path contains a newline")
    if not isinstance(entry, dict):
        raise bad("must be a JSON object")
    if not isinstance(entry.get("name"), str):
        raise bad("'name' must be a string")
    for key in ("pname", "version", "system", "outputName"):
        if key in entry and not isinstance(entry[key], str):
            raise bad(f"'{key}' must be a string")
    outputs = entry.get("outputs")
    if not isinstance(outputs, dict) or not outputs:
        raise bad(
            "'outputs' must be an object of output names and store paths "
            "(write the index with 'pydock index', which asks nix-env for out paths)"
        )
    prefix = store_dir.rstrip("/") + "/"
    for output, out_path in outputs.items():
        if not isinstance(out_path, str) or not out_path.startswith(prefix) or "/" in out_path[len(prefix) :]:
            raise bad(f"output '{output}' is not a store path under {store_dir}: {json.dumps(out_path)}")
    if "meta" in entry and not isinstance(entry["meta"], dict):
        raise bad("'meta' must be a JSON object")


def index_identity(path: str) -> tuple[str, int, int, int]:
    """What identifies one version of an index file: real path, size, mtime (ns), inode."""
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        raise PackageIndexError(f"package index '{path}' does not exist") from None
    except OSError as e:
        raise PackageIndexError(f"cannot read package index '{path}': {e.strerror}") from None
    return real, st.st_size, st.st_mtime_ns, st.st_ino
