"""A build's log: saved where ``nix-store -l`` finds it, with the tail kept for error messages.

The raw output is compressed with bzip2 into ``<log dir>/drvs/<2 chars>/<rest>.bz2``
as Nix does.  Lines are assembled the way Nix's ``handleChildOutput`` does, with
a carriage return moving back to the start of the current line (progress bars
overwrite themselves instead of filling the tail), and the last ``log-lines``
(10) complete lines are kept for the "last N log lines" part of a failure.
"""

from __future__ import annotations

import bz2
import codecs
import collections
import os
from collections.abc import Callable

__all__ = ["BuildLog", "LOG_LINES"]

LOG_LINES = 10


class BuildLog:
    """Collects one build's output."""

    def __init__(self, path: str | None, on_line: Callable[[str], None] | None = None) -> None:
        self.tail: collections.deque[str] = collections.deque(maxlen=LOG_LINES)
        self._line = ""
        self._pos = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._on_line = on_line
        self._file = None
        self._path = path
        if path is not None:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            self._file = bz2.open(path + ".tmp", "wb")

    def write(self, data: bytes) -> None:
        if self._file is not None:
            self._file.write(data)
        text = self._decoder.decode(data)
        lines = text.split("\n")
        for i, piece in enumerate(lines):
            if i:
                self._flush_line()
            for j, segment in enumerate(piece.split("\r")):
                if j:
                    self._pos = 0
                self._put(segment)

    def _put(self, segment: str) -> None:
        """Write ``segment`` at the cursor, overwriting what a carriage return left behind."""
        if not segment:
            return
        line = self._line
        self._line = line[: self._pos] + segment + line[self._pos + len(segment) :]
        self._pos += len(segment)

    def write_file_only(self, data: bytes) -> None:
        """Record diagnostics (a Python traceback) in the saved log without showing them in the tail."""
        if self._file is not None:
            self._file.write(data)

    def line(self, text: str) -> None:
        """Log a message of pydock's own (a builtin builder's progress or error) as one line."""
        self.write(text.encode("utf-8", "replace") + b"\n")

    def _flush_line(self) -> None:
        text = self._line
        self._line = ""
        self._pos = 0
        self.tail.append(text)
        if self._on_line is not None:
            self._on_line(text)

    def close(self) -> None:
        if self._line:
            self._flush_line()
        if self._file is not None:
            self._file.close()
            self._file = None
            assert self._path is not None
            os.replace(self._path + ".tmp", self._path)
