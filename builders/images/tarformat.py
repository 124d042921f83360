"""Tar headers and archive framing exactly as CPython's ``tarfile`` writes them in PAX mode.

nixpkgs' ``stream_layered_image.py`` builds both the outer image archive and every
store-path layer with ``tarfile`` (``DEFAULT_FORMAT = PAX_FORMAT``), so the bytes of a
header — field widths, octal encodings, the ``././@PaxHeader`` extension and its record
order, NUL device fields, the 10240-byte record padding — decide every layer digest.
This module encodes those headers from plain values so that pydock's output does not
depend on the host Python's ``tarfile`` version (nixpkgs pins CPython 3.12/3.13, whose
PAX writer behaves as encoded here).
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

__all__ = [
    "BLOCK",
    "RECORD",
    "DIRTYPE",
    "REGTYPE",
    "SYMTYPE",
    "ByteSink",
    "Member",
    "TarWriter",
    "archive_end",
    "encode_member",
    "file_chunks",
    "padding",
]

BLOCK = 512
RECORD = 20 * BLOCK  # tarfile's RECORDSIZE: archives are padded to a multiple of it

REGTYPE = b"0"
SYMTYPE = b"2"
CHRTYPE = b"3"
BLKTYPE = b"4"
DIRTYPE = b"5"
FIFOTYPE = b"6"
_PAXTYPE = b"x"
_PAX_MAGIC = b"ustar\x0000"
_PAX_NAME = "././@PaxHeader"


@dataclass(slots=True)
class Member:
    """The header fields of one archive member (``tarfile.TarInfo`` without the behaviour).

    ``name`` and ``linkname`` are ``str`` decoded with ``surrogateescape`` (as
    ``os.fsdecode`` gives them); ``mtime`` may be a float only for members copied from a
    base image.  ``pax`` holds extended-header records that must be kept as they are
    (those read from a base image), in their original order.
    """

    name: str
    type: bytes = REGTYPE
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    size: int = 0
    mtime: int | float = 0
    linkname: str = ""
    uname: str = ""
    gname: str = ""
    devmajor: int = 0
    devminor: int = 0
    pax: dict[str, str] = field(default_factory=dict)


def _octal(value: int, width: int) -> bytes:
    """``width-1`` zero-padded octal digits and a NUL (tarfile's ``itn`` for ustar values)."""
    return b"%0*o\0" % (width - 1, value)


def _text(value: str, width: int) -> bytes:
    """ASCII with ``?`` for anything else, cut or NUL-padded to ``width`` (tarfile's ``stn``)."""
    raw = value.encode("ascii", "replace")[:width]
    return raw + b"\0" * (width - len(raw))


def _ustar_block(
    name: str,
    mode: int,
    uid: int,
    gid: int,
    size: int,
    mtime: int,
    typeflag: bytes,
    linkname: str,
    uname: str,
    gname: str,
    devmajor: int,
    devminor: int,
) -> bytes:
    if typeflag in (CHRTYPE, BLKTYPE):
        dev = _octal(devmajor, 8) + _octal(devminor, 8)
    else:
        dev = b"\0" * 16
    head = b"".join(
        (
            _text(name, 100),
            _octal(mode & 0o7777, 8),
            _octal(uid, 8),
            _octal(gid, 8),
            _octal(size, 12),
            _octal(mtime, 12),
        )
    )
    tail = b"".join((typeflag, _text(linkname, 100), _PAX_MAGIC, _text(uname, 32), _text(gname, 32), dev, b"\0" * 155))
    block = head + b"        " + tail
    block += b"\0" * (BLOCK - len(block))
    checksum = sum(block)
    return block[:148] + b"%06o\0" % checksum + block[155:]


def _pax_records(records: dict[str, str]) -> bytes:
    """``"<len> key=value\\n"`` records, ``hdrcharset=BINARY`` first when a value is not valid UTF-8."""
    binary = False
    for value in records.values():
        try:
            value.encode("utf-8", "strict")
        except UnicodeEncodeError:
            binary = True
            break
    out = [b"21 hdrcharset=BINARY\n"] if binary else []
    for key, value in records.items():
        kb = key.encode("utf-8")
        vb = value.encode("utf-8", "surrogateescape") if binary else value.encode("utf-8")
        body = len(kb) + len(vb) + 3
        n = p = 0
        while True:  # the length prefix counts its own digits
            n = body + len(str(p))
            if n == p:
                break
            p = n
        out.append(b"%d %s=%s\n" % (p, kb, vb))
    return b"".join(out)


def encode_member(m: Member) -> bytes:
    """The header block(s) ``tarfile`` writes for ``m`` in PAX mode: optional ``x`` header, then ustar.

    Directory names get their trailing ``/`` here, as ``TarInfo.get_info`` does.
    """
    name = m.name + "/" if m.type == DIRTYPE and not m.name.endswith("/") else m.name
    strings = {"name": name, "linkname": m.linkname, "uname": m.uname, "gname": m.gname}
    records = dict(m.pax)
    for attr, key, limit in (
        ("name", "path", 100),
        ("linkname", "linkpath", 100),
        ("uname", "uname", 32),
        ("gname", "gname", 32),
    ):
        if key in records:
            continue
        value = strings[attr]
        if not value.isascii() or len(value) > limit:
            records[key] = value
    numbers: dict[str, int] = {}
    for key, digits, value in (("uid", 8, m.uid), ("gid", 8, m.gid), ("size", 12, m.size), ("mtime", 12, m.mtime)):
        as_int = round(value) if isinstance(value, float) else value
        needs_record = isinstance(value, float)
        if not 0 <= as_int < 8 ** (digits - 1):
            as_int, needs_record = 0, True
        numbers[key] = as_int
        if needs_record and key not in records:
            records[key] = str(value)
    header = _ustar_block(
        name,
        m.mode,
        numbers["uid"],
        numbers["gid"],
        numbers["size"],
        numbers["mtime"],
        m.type,
        m.linkname,
        m.uname,
        m.gname,
        m.devmajor,
        m.devminor,
    )
    if not records:
        return header
    payload = _pax_records(records)
    pax_header = _ustar_block(_PAX_NAME, 0, 0, 0, len(payload), 0, _PAXTYPE, "", "", "", 0, 0)
    return pax_header + payload + padding(len(payload)) + header


def padding(size: int) -> bytes:
    """Zeros that round ``size`` up to a whole block."""
    return b"\0" * (-size % BLOCK)


def archive_end(offset: int) -> bytes:
    """Two zero blocks, then zeros up to the next multiple of :data:`RECORD` (``TarFile.close``)."""
    offset += 2 * BLOCK
    return b"\0" * (2 * BLOCK + (-offset % RECORD))


# F_SETPIPE_SZ (Linux): a 1 MiB pipe lets a reader such as ``docker load`` take whole
# megabytes per wake-up instead of the default 64 KiB.
_F_SETPIPE_SZ = 1031
_PIPE_SIZE = 1 << 20
_COPY_STEP = 1 << 30  # one sendfile/copy_file_range call moves at most this much
# what copy_file_range/sendfile answer when this pair of descriptors cannot use them
_CANNOT_COPY = (errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EBADF)


def _plain_fd(out: object) -> int | None:
    """The descriptor behind ``out`` when writing to it directly is the same as ``out.write``.

    Only plain files, pipes and sockets opened as ``FileIO`` (or a ``BufferedWriter`` over
    one) qualify: a compressing or hashing wrapper may well have a ``fileno()`` too (gzip's
    is the compressed file's), and going around it would write the wrong bytes.
    """
    raw = out.raw if type(out) is io.BufferedWriter else out  # type: ignore[attr-defined]
    if type(raw) is not io.FileIO or raw.closed:
        return None
    try:
        return raw.fileno()
    except (OSError, ValueError):
        return None


class ByteSink:
    """Where archive bytes go: ``out.write``, or ``out``'s descriptor when it is a plain file or pipe.

    With a descriptor, file data moves from file to output inside the kernel
    (``copy_file_range`` into a regular file, ``sendfile`` into a pipe or socket), so
    a large layer costs a few system calls rather than a read and a write per MiB.
    Anything ``out`` had buffered is flushed first; nothing is buffered here.
    """

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._fd = _plain_fd(out)
        self._kernel_copy = "none"
        if self._fd is not None:
            out.flush()
            mode = os.fstat(self._fd).st_mode
            if stat.S_ISFIFO(mode):
                try:
                    import fcntl

                    fcntl.fcntl(self._fd, _F_SETPIPE_SZ, _PIPE_SIZE)
                except OSError:
                    pass  # a smaller pipe only costs more wake-ups
            if stat.S_ISREG(mode) and hasattr(os, "copy_file_range"):
                self._kernel_copy = "copy_file_range"
            elif hasattr(os, "sendfile"):
                self._kernel_copy = "sendfile"

    @property
    def direct(self) -> bool:
        """Whether :meth:`copy_from` can move file data without it passing through Python."""
        return self._kernel_copy != "none"

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._fd is None:
            self._out.write(data)
            return
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    def copy_from(self, fd: int, size: int, where: str) -> None:
        """Exactly ``size`` bytes of the regular file open as ``fd`` (from its start), by the kernel if possible."""
        done = 0
        while done < size and self._kernel_copy != "none":
            step = min(size - done, _COPY_STEP)
            try:
                if self._kernel_copy == "copy_file_range":
                    n = os.copy_file_range(fd, self._fd, step, done)  # type: ignore[arg-type]
                else:
                    n = os.sendfile(self._fd, fd, done, step)  # type: ignore[arg-type]
            except OSError as e:
                if e.errno in _CANNOT_COPY and not done:
                    # this pair of files cannot do it: fall back to sendfile, then to plain copies
                    self._kernel_copy = "sendfile" if self._kernel_copy == "copy_file_range" else "none"
                    continue
                raise
            if n == 0:
                raise OSError(f"{where}: unexpected end of data ({size - done} of {size} bytes missing)")
            done += n
        if done < size:
            buf = bytearray(min(size - done, _READ_STEP))
            view = memoryview(buf)
            while done < size:
                n = os.preadv(fd, [view[: min(size - done, len(buf))]], done)
                if n == 0:
                    raise OSError(f"{where}: unexpected end of data ({size - done} of {size} bytes missing)")
                self.write(view[:n])
                done += n


_READ_STEP = 1 << 20


class TarWriter:
    """Appends members to a binary stream, tracking the offset the end padding depends on.

    Writes go straight to ``out`` (through a :class:`ByteSink`); nothing but the current
    chunk is held in memory.
    """

    def __init__(self, out: BinaryIO) -> None:
        self.sink = ByteSink(out)
        self.offset = 0

    def _write(self, data: bytes) -> None:
        self.sink.write(data)
        self.offset += len(data)

    def add(self, member: Member, chunks: Iterable[bytes] = ()) -> None:
        """Write ``member``'s header and exactly ``member.size`` payload bytes taken from ``chunks``.

        Raises ``OSError`` when the payload is shorter or longer than announced: the
        archive would otherwise be silently corrupt.
        """
        self._write(encode_member(member))
        written = 0
        for chunk in chunks:
            written += len(chunk)
            if written > member.size:
                raise OSError(f"{member.name}: more data than the {member.size} bytes announced")
            self._write(chunk)
        if written != member.size:
            raise OSError(f"{member.name}: {written} bytes of data, {member.size} announced")
        self._write(padding(member.size))

    def add_header(self, member: Member) -> None:
        """Only ``member``'s header: its ``member.size`` payload bytes and padding must follow
        through :attr:`sink`, then :meth:`advance` (for layers whose pieces are written directly)."""
        self._write(encode_member(member))

    def advance(self, payload: int) -> None:
        """Account for ``payload`` bytes written through :attr:`sink`, and pad them to a block."""
        self.offset += payload
        self._write(padding(payload))

    def close(self) -> None:
        """End the archive (the stream itself stays open; the caller owns it)."""
        self._write(archive_end(self.offset))


def file_chunks(path: str, size: int, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """The first ``size`` bytes of ``path`` in chunks; a shorter file is an error, as in ``tarfile``."""
    left = size
    with open(path, "rb") as f:
        while left > 0:
            data = f.read(min(chunk_size, left))
            if not data:
                raise OSError(f"{path}: unexpected end of data ({left} of {size} bytes missing)")
            left -= len(data)
            yield data
