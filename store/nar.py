"""The Nix ARchive (NAR) format: writing a file tree as a NAR and reading one back.

A NAR is Nix's canonical serialisation of a file-system object.  Its SHA-256 is
the "NAR hash" that identifies source imports (``builtins.path``, ``"${./dir}"``)
and that binary caches sign, so the byte stream must match Nix exactly: only
the file type, the owner-executable bit, file contents, symlink targets and
entry names are recorded (no times, owners or other permission bits), and
directory entries appear sorted by the raw bytes of their names.

Every token is a little-endian 64-bit length, the bytes, and zero padding to
a multiple of 8.  The writer here walks the tree iteratively and yields the
stream in pieces, so hashing a large tree holds only the open directories'
listings and one 64 KiB read buffer, never whole files; the reader streams
file contents the same way.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
from collections.abc import Callable, Iterator
from typing import BinaryIO

from .errors import StoreError
from .hashes import Hash, parse_hash_type

__all__ = [
    "NAR_MAGIC",
    "NarError",
    "PathFilter",
    "iter_nar",
    "dump_path",
    "dump_string",
    "nar_bytes",
    "hash_path",
    "nar_hash",
    "ParseSink",
    "RestoreSink",
    "parse_nar",
    "restore_path",
]

NAR_MAGIC = b"nix-archive-1"

PathFilter = Callable[[str], bool]
"""Called with the full path of each directory entry; False leaves it out of the NAR."""

_CHUNK = 65536
_MAX_TOKEN = 1 << 20  # names, symlink targets and keywords; file contents are streamed


class NarError(StoreError):
    """A file tree that cannot be archived, or a byte stream that is not a valid NAR."""


def _pad(n: int) -> bytes:
    return b"\0" * (-n % 8)


def _tok(data: bytes) -> bytes:
    """Frame one string as NAR does: u64 length, bytes, zero padding to 8."""
    return len(data).to_bytes(8, "little") + data + _pad(len(data))


_OPEN = _tok(b"(")
_CLOSE = _tok(b")")
_MAGIC_TOK = _tok(NAR_MAGIC)
_REGULAR = _OPEN + _tok(b"type") + _tok(b"regular")
_EXECUTABLE = _tok(b"executable") + _tok(b"")
_CONTENTS = _tok(b"contents")
_SYMLINK = _OPEN + _tok(b"type") + _tok(b"symlink") + _tok(b"target")
_DIRECTORY = _OPEN + _tok(b"type") + _tok(b"directory")
_ENTRY_NAME = _tok(b"entry") + _OPEN + _tok(b"name")
_NODE = _tok(b"node")


def _regular_file(path: bytes, st: os.stat_result) -> Iterator[bytes]:
    """Yield a regular-file node; the size comes from lstat, as in Nix.

    A file that shrinks while it is being read would otherwise produce a NAR that
    lies about its length, so that is reported as an error instead.
    """
    size = st.st_size
    head = _REGULAR + (_EXECUTABLE if st.st_mode & stat.S_IXUSR else b"") + _CONTENTS
    yield head + size.to_bytes(8, "little")
    left = size
    with open(path, "rb") as f:
        while left > 0:
            chunk = f.read(min(left, _CHUNK))
            if not chunk:
                raise NarError(f"file '{os.fsdecode(path)}' changed size while being archived")
            left -= len(chunk)
            yield chunk
    yield _pad(size) + _CLOSE


def iter_nar(path: str | os.PathLike[str], filter: PathFilter | None = None) -> Iterator[bytes]:
    """Yield the NAR serialisation of ``path`` (not following a top-level symlink).

    ``filter`` mirrors Nix's ``PathFilter``: it sees ``<dir>/<name>`` for every
    directory entry (never the root) and excluded entries are not descended into.
    Names are handled as bytes throughout so that non-UTF-8 names survive and
    sort exactly as Nix's ``std::map<std::string>`` does.
    """
    root = os.fsencode(path)
    yield _MAGIC_TOK
    # Each open directory keeps its path, its remaining sorted entries, and the
    # bytes that close it (the directory node, plus the enclosing entry if any).
    stack: list[tuple[bytes, Iterator[bytes], bytes]] = []

    def node(p: bytes, suffix: bytes) -> Iterator[bytes]:
        """Emit one node; ``suffix`` closes the enclosing entry once the node is done."""
        st = os.lstat(p)
        if stat.S_ISREG(st.st_mode):
            yield from _regular_file(p, st)
            if suffix:
                yield suffix
        elif stat.S_ISLNK(st.st_mode):
            yield _SYMLINK + _tok(os.readlink(p)) + _CLOSE + suffix
        elif stat.S_ISDIR(st.st_mode):
            yield _DIRECTORY
            stack.append((p, iter(sorted(os.listdir(p))), _CLOSE + suffix))
        else:
            raise NarError(f"file '{os.fsdecode(p)}' has an unsupported type")

    yield from node(root, b"")
    while stack:
        dir_path, names, closing = stack[-1]
        for name in names:
            child = dir_path + b"/" + name
            if filter is not None and not filter(os.fsdecode(child)):
                continue
            yield _ENTRY_NAME + _tok(name) + _NODE
            yield from node(child, _CLOSE)
            break
        else:
            stack.pop()
            yield closing


def dump_path(path: str | os.PathLike[str], sink: Callable[[bytes], object], filter: PathFilter | None = None) -> int:
    """Feed the NAR of ``path`` to ``sink`` piece by piece; returns the NAR size."""
    size = 0
    for piece in iter_nar(path, filter):
        size += len(piece)
        sink(piece)
    return size


def dump_string(contents: bytes) -> bytes:
    """The NAR of a single non-executable regular file with ``contents``.

    This is what the store records as the NAR of a ``builtins.toFile`` output,
    without having to write the file first.
    """
    return (
        _MAGIC_TOK
        + _REGULAR
        + _CONTENTS
        + len(contents).to_bytes(8, "little")
        + contents
        + _pad(len(contents))
        + _CLOSE
    )


def nar_bytes(path: str | os.PathLike[str], filter: PathFilter | None = None) -> bytes:
    """The whole NAR in memory; convenient for small trees and tests only."""
    return b"".join(iter_nar(path, filter))


def hash_path(path: str | os.PathLike[str], algo: str = "sha256", filter: PathFilter | None = None) -> tuple[Hash, int]:
    """Hash the NAR of ``path`` with ``algo`` (Nix's ``hashPath``): ``(hash, nar size)``.

    Recursive fixed outputs with md5/sha1/sha512 are addressed by this hash; the
    store's own NAR hash is always the sha256 variant, see ``nar_hash``.
    """
    hasher = hashlib.new(parse_hash_type(algo))
    size = dump_path(path, hasher.update, filter)
    return Hash(algo, hasher.digest()), size


def nar_hash(path: str | os.PathLike[str], filter: PathFilter | None = None) -> tuple[Hash, int]:
    """SHA-256 of the NAR of ``path`` and the NAR's size in bytes."""
    return hash_path(path, "sha256", filter)


# ---------------------------------------------------------------------------------------------
# Reading


class ParseSink:
    """Receives the events of a NAR being parsed; the base class ignores them all.

    Paths are relative to the NAR root: ``""`` is the root itself and children
    are ``"/name"``, ``"/name/sub"``, so a sink can simply prefix its destination.
    Using the bare base class validates a NAR without materialising it.
    """

    def create_directory(self, path: str) -> None:
        """A directory node at ``path``."""

    def create_regular_file(self, path: str) -> None:
        """A regular file node at ``path``; contents and executable bit follow."""

    def set_executable(self) -> None:
        """The current regular file is executable."""

    def receive_contents(self, data: bytes) -> None:
        """A piece of the current regular file's contents."""

    def close_regular_file(self) -> None:
        """The current regular file node is complete."""

    def create_symlink(self, path: str, target: str) -> None:
        """A symlink node at ``path`` pointing to ``target``."""


class RestoreSink(ParseSink):
    """Materialises a NAR under ``dest``, which must not exist yet.

    Permissions follow Nix's restore: files 0666 and directories 0777 minus the
    umask, with all three execute bits added for executables.
    """

    def __init__(self, dest: str | os.PathLike[str]) -> None:
        self.dest = os.fspath(dest)
        # A bare descriptor, not a Python file object: substitution restores thousands of
        # small files, and unbuffered writes of the parser's 64 KiB chunks lose nothing.
        self._fd: int | None = None

    def _full(self, path: str) -> str:
        return self.dest + path

    def create_directory(self, path: str) -> None:
        os.mkdir(self._full(path), 0o777)

    def create_regular_file(self, path: str) -> None:
        self.close_regular_file()
        self._fd = os.open(self._full(path), os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, 0o666)

    def set_executable(self) -> None:
        assert self._fd is not None
        os.fchmod(self._fd, os.fstat(self._fd).st_mode | 0o111)

    def receive_contents(self, data: bytes) -> None:
        assert self._fd is not None
        written = os.write(self._fd, data)
        if written != len(data):  # short writes are rare (a signal, a full disk on the next try)
            view = memoryview(data)
            while written < len(data):
                written += os.write(self._fd, view[written:])

    def close_regular_file(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def create_symlink(self, path: str, target: str) -> None:
        os.symlink(target, self._full(path))


class _Reader:
    """Exact-length reads from a binary stream, with NAR framing helpers."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.consumed = 0

    def read_exact(self, n: int) -> bytes:
        chunk = self.stream.read(n)
        if len(chunk) == n:  # the common case, kept cheap: NARs have a hundred thousand tokens
            self.consumed += n
            return chunk
        parts = [chunk]
        left = n - len(chunk)
        if not chunk:
            raise NarError("unexpected end-of-file")
        while left:
            chunk = self.stream.read(left)
            if not chunk:
                raise NarError("unexpected end-of-file")
            parts.append(chunk)
            left -= len(chunk)
        self.consumed += n
        return b"".join(parts)

    def read_u64(self) -> int:
        return int.from_bytes(self.read_exact(8), "little")

    def read_padding(self, n: int) -> None:
        if any(self.read_exact(-n % 8)):
            raise NarError("non-zero padding")

    def read_token(self, limit: int = _MAX_TOKEN) -> bytes:
        n = int.from_bytes(self.read_exact(8), "little")
        if n > limit:
            raise NarError("string is too long")
        padded = n + (-n % 8)
        data = self.read_exact(padded)  # the string and its padding in one read
        if padded != n:
            if any(data[n:]):
                raise NarError("non-zero padding")
            return data[:n]
        return data


def _bad(msg: str) -> NarError:
    return NarError(f"bad archive: {msg}")


def _parse_contents(r: _Reader, sink: ParseSink) -> None:
    size = r.read_u64()
    left = size
    while left:
        chunk = r.read_exact(min(left, _CHUNK))
        left -= len(chunk)
        sink.receive_contents(chunk)
    r.read_padding(size)


def _parse_entry(r: _Reader, sink: ParseSink, path: str) -> None:
    """Parse ``( name N node <node> )`` after ``entry``.

    Nix 2.8 intends to reject entries that are not in increasing order, but its
    check compares against a variable reset for every entry, so in practice any
    order is accepted; the same NARs are accepted here.  (A duplicate name still
    fails when restoring, because files are created exclusively.)
    """
    if r.read_token() != b"(":
        raise _bad("expected open tag")
    name: bytes | None = None
    while True:
        tag = r.read_token()
        if tag == b")":
            break
        if tag == b"name":
            name = r.read_token()
            if name in (b"", b".", b"..") or b"/" in name or b"\0" in name:
                raise NarError(f"NAR contains invalid file name '{os.fsdecode(name)}'")
        elif tag == b"node":
            if not name:
                raise _bad("entry name missing")
            _parse_node(r, sink, path + "/" + os.fsdecode(name))
        else:
            raise _bad(f"unknown field {tag.decode('utf-8', 'replace')}")


def _parse_node(r: _Reader, sink: ParseSink, path: str) -> None:
    """Parse one ``( type ... )`` node, dispatching events to ``sink``."""
    if r.read_token() != b"(":
        raise _bad("expected open tag")
    kind: bytes | None = None
    while True:
        tag = r.read_token()
        if tag == b")":
            break
        if tag == b"type":
            if kind is not None:
                raise _bad("multiple type fields")
            kind = r.read_token()
            if kind == b"regular":
                sink.create_regular_file(path)
            elif kind == b"directory":
                sink.create_directory(path)
            elif kind != b"symlink":
                raise _bad(f"unknown file type {kind.decode('utf-8', 'replace')}")
        elif tag == b"contents" and kind == b"regular":
            _parse_contents(r, sink)
        elif tag == b"executable" and kind == b"regular":
            if r.read_token() != b"":
                raise _bad("executable marker has non-empty value")
            sink.set_executable()
        elif tag == b"entry" and kind == b"directory":
            _parse_entry(r, sink, path)
        elif tag == b"target" and kind == b"symlink":
            sink.create_symlink(path, os.fsdecode(r.read_token()))
        else:
            raise _bad(f"unknown field {tag.decode('utf-8', 'replace')}")
    if kind == b"regular":
        sink.close_regular_file()


def parse_nar(source: BinaryIO | bytes, sink: ParseSink | None = None) -> int:
    """Parse a NAR from a binary stream (or bytes), reporting to ``sink``.

    Validation follows Nix 2.8: the magic, tag structure, zero padding and entry
    names (no ``.``/``..``/slashes/NULs) are checked; entry order is not (see
    ``_parse_entry``).  Returns the number of bytes consumed, i.e. the NAR size; the stream
    is not read past the end of the archive.
    """
    stream: BinaryIO = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    r = _Reader(stream)
    try:
        magic = r.read_token(len(NAR_MAGIC))
    except NarError:
        magic = b""
    if magic != NAR_MAGIC:
        raise _bad("input doesn't look like a Nix archive")
    _parse_node(r, sink if sink is not None else ParseSink(), "")
    return r.consumed


def restore_path(dest: str | os.PathLike[str], source: BinaryIO | bytes) -> int:
    """Unpack a NAR into ``dest`` (which must not exist); returns the NAR size."""
    sink = RestoreSink(dest)
    try:
        return parse_nar(source, sink)
    finally:
        sink.close_regular_file()
