"""Parsed files cached on disk, keyed by what determines the parse (as Python caches bytecode).

Parsing is the largest cost of evaluating a typical file: the prelude alone is ~30 files
that every ``import <nixpkgs>`` reads. A file's AST depends only on its text, its name
(positions), its directory (relative path literals), ``$HOME`` (``~/`` paths) and the
parser's code, so those make the key; the AST is pickled with its ``Source`` left out
(re-attached on load). Loading is several times faster than parsing and does not import
Lark at all.

Only files are cached (``-E`` texts are one-offs), and only when the literal lints are off:
a lint prints warnings while parsing, which a cache hit would swallow. A cache that cannot
be read or written is ignored: the cache is an accelerator, never a source of errors.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
from typing import TYPE_CHECKING, Any

from .errors import Source

if TYPE_CHECKING:
    from . import ast as A
    from .settings import EvalSettings

# Bump when the AST classes or the parser's actions change what a parse produces.
FORMAT = b"pydock-ast-1"
_PARSER_STAMP: bytes | None = None


def _parser_stamp() -> bytes:
    """Sizes and mtimes of the modules that shape the AST: edited code invalidates the cache."""
    global _PARSER_STAMP
    if _PARSER_STAMP is None:
        here = os.path.dirname(os.path.abspath(__file__))
        parts = [FORMAT]
        for name in ("parser.py", "lexer.py", "ast.py", "errors.py", os.path.join("..", "grammar", "nix.lark")):
            try:
                st = os.stat(os.path.join(here, name))
            except OSError:
                continue
            parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode())
        _PARSER_STAMP = b"\0".join(parts)
    return _PARSER_STAMP


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "pydock", "ast")


def _lints_off(settings: EvalSettings | None) -> bool:
    if settings is None:
        return True
    return (
        settings.lint_short_path_literals == "ignore"
        and settings.lint_absolute_path_literals == "ignore"
        and settings.url_literal_level() == "ignore"
    )


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        return "source" if type(obj) is Source else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, source: Source) -> None:
        super().__init__(io.BytesIO(data))
        self.source = source

    def persistent_load(self, pid: Any) -> Any:
        if pid != "source":
            raise pickle.UnpicklingError("unknown persistent id")
        return self.source

    def find_class(self, module: str, name: str) -> Any:
        # an AST holds only pydock's node classes and builtins; refuse anything else
        if module.startswith("pydock.evaluator.") or module in ("builtins", "copyreg"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected class {module}.{name}")


def _key(source: Source, base_dir: str) -> str:
    """What determines a parse (see the module docstring), hashed."""
    h = hashlib.sha256()
    for part in (_parser_stamp(), source.name.encode("utf-8", "surrogateescape"),
                 base_dir.encode("utf-8", "surrogateescape"),
                 os.environ.get("HOME", "").encode("utf-8", "surrogateescape"),
                 source.text.encode("utf-8", "surrogateescape")):  # fmt: skip
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()[:40]


# Parses kept in memory by a long-lived process (the warm server, ``pydock/server.py``), keyed
# like the files on disk.  Filled only by ``preload``: a process that forks one child per
# command parses the prelude once, and each child starts with it (nothing here mutates an AST).
_MEMORY: dict[str, A.Node] = {}
_LEARNED: dict[str, None] = {}  # keys preloaded with ``keep=False``, oldest first
LEARNED_LIMIT = 256

#: (file name, base directory) of each file this process parsed or read from the disk cache
#: (not from memory): what a warm server may ``preload`` for the next commands.
parsed_files: list[tuple[str, str]] = []


def preload(source: Source, base_dir: str, keep: bool = True) -> A.Node:
    """Parse ``source`` (a file) now and answer later ``parse_cached`` calls for it from memory.

    ``keep=False``: one of the ``LEARNED_LIMIT`` most recent such files, the oldest forgotten.
    Returns the parse, the very object later calls get.
    """
    key = _key(source, base_dir)
    node = _MEMORY[key] = parse_cached(source, base_dir)
    if not keep:
        _LEARNED.pop(key, None)
        _LEARNED[key] = None
        while len(_LEARNED) > LEARNED_LIMIT:
            oldest = next(iter(_LEARNED))
            del _LEARNED[oldest]
            _MEMORY.pop(oldest, None)
    return node


def kept_node_ids() -> set[int]:
    """The ``id`` of each parse held in memory (what a warm server's compiled code may be keyed by)."""
    return {id(node) for node in _MEMORY.values()}


def kept_parses() -> int:
    """How many parses ``preload`` holds in memory (``pydock server status`` shows it)."""
    return len(_MEMORY)


def parse_cached(source: Source, base_dir: str, settings: EvalSettings | None = None) -> A.Node:
    """``parser.parse``, answered from the on-disk cache when the same parse was done before."""
    if source.origin != "file" or not _lints_off(settings):
        from .parser import parse

        return parse(source, base_dir, settings)
    digest = _key(source, base_dir)
    if _MEMORY:
        node = _MEMORY.get(digest)
        if node is not None:
            return node
    parsed_files.append((source.name, base_dir))
    path = os.path.join(_cache_dir(), digest + ".pickle")
    try:
        with open(path, "rb") as f:
            return _Unpickler(f.read(), source).load()
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - a damaged entry is re-parsed and rewritten
        pass
    from .parser import parse

    node = parse(source, base_dir, settings)
    _store(path, node)
    return node


def _store(path: str, node: A.Node) -> None:
    buf = io.BytesIO()
    try:
        _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(node)
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(buf.getvalue())
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except Exception:  # noqa: BLE001 - no cache (read-only home, full disk): just parse next time
        return
