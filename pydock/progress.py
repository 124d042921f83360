"""Progress on a terminal for long work, one shared switch for all of pydock.

Any module (hashing layers, downloading, pushing, verifying a store) opens a
``task("hashing layers", total_bytes)`` and feeds it ``advance(n)``; the bar is
drawn on stderr, rewritten in place at most five times a second, as
``hashing layers  12.0/40.1 MiB  5.6 MB/s``.  It is drawn only when stderr is a
terminal and the user did not ask for ``--quiet``: in a pipe or a CI log a task
costs an integer addition per call and prints nothing.

The switch is process-wide (``configure``), set by the CLI from ``--quiet`` and
``-v``; a library user who never calls ``configure`` gets no output at all
unless stderr is a terminal, which is what a Python program embedding pydock
on a terminal would expect from a long build.

``verbosity()`` is the other half: ``-v`` makes builders' own log lines and
"what each builder does" messages reach stderr even off a terminal, ``--quiet``
(verbosity -1) silences everything but errors.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

__all__ = ["Task", "configure", "enabled", "human_bytes", "show_messages", "task", "verbosity"]

_quiet = False
_verbosity = 0


def configure(quiet: bool | None = None, verbose: int | None = None) -> None:
    """Set the process-wide switches (``--quiet``, ``-v`` counted)."""
    global _quiet, _verbosity
    if quiet is not None:
        _quiet = quiet
        if quiet:
            _verbosity = -1
    if verbose is not None and not _quiet:
        _verbosity = max(_verbosity, verbose)


def verbosity() -> int:
    """-1 with ``--quiet``, 0 by default, the number of ``-v`` flags otherwise."""
    return _verbosity


def enabled(stream: TextIO | None = None) -> bool:
    """True when progress should be drawn: a terminal, and not ``--quiet``."""
    stream = stream if stream is not None else sys.stderr
    if _quiet:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def show_messages(stream: TextIO | None = None) -> bool:
    """True when human-oriented messages (builders' output, "building …") should reach stderr.

    On a terminal unless ``--quiet``; anywhere with ``-v``.
    """
    return _verbosity > 0 or enabled(stream)


def human_bytes(n: float) -> str:
    """``512 B``, ``1.5 KiB``, ``12.0 MiB``, ``3.2 GiB``: the units Nix prints."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover - loop always returns


class Task:
    """One progress line: a label, bytes done (of an optional total), items done, and MB/s."""

    _INTERVAL = 0.2

    def __init__(self, label: str, total_bytes: int | None = None, total_items: int | None = None,
                 stream: TextIO | None = None) -> None:  # fmt: skip
        self.label = label
        self.total_bytes = total_bytes
        self.total_items = total_items
        self.bytes = 0
        self.items = 0
        self._stream = stream if stream is not None else sys.stderr
        self._draw = enabled(self._stream)
        self._start = time.monotonic()
        self._last = 0.0
        self._lock = threading.Lock()

    def advance(self, n_bytes: int = 0, n_items: int = 0) -> None:
        """Count work done; redraws (on a terminal) when enough time has passed."""
        self.bytes += n_bytes
        self.items += n_items
        if self._draw and time.monotonic() - self._last >= self._INTERVAL:
            self.render()

    def line(self) -> str:
        """The text drawn (without control characters), e.g. for tests and logs."""
        parts = [self.label]
        if self.total_items is not None:
            parts.append(f"[{self.items}/{self.total_items}]")
        elif self.items:
            parts.append(f"[{self.items}]")
        done = human_bytes(self.bytes)
        parts.append(f"{done}/{human_bytes(self.total_bytes)}" if self.total_bytes is not None else done)
        elapsed = max(time.monotonic() - self._start, 1e-6)
        parts.append(f"{self.bytes / elapsed / 1e6:.1f} MB/s")
        return "  ".join(parts)

    def render(self) -> None:
        if not self._draw:
            return
        with self._lock:
            self._last = time.monotonic()
            self._stream.write("\r\033[K" + self.line())
            self._stream.flush()

    def close(self) -> None:
        """Erase the line, leaving the terminal as it was."""
        if self._draw:
            with self._lock:
                self._stream.write("\r\033[K")
                self._stream.flush()
            self._draw = False

    def __enter__(self) -> Task:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def task(label: str, total_bytes: int | None = None, total_items: int | None = None) -> Task:
    """A progress line on stderr (drawn only on a terminal, without ``--quiet``)."""
    return Task(label, total_bytes, total_items)
