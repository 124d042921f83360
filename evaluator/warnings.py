"""Warnings the evaluator prints on stderr (``warning: …``, ``evaluation warning: …``).

They share the error layout of ``errors.format_error`` (message, then ``at FILE:LINE:COL:``
and a code frame when there is a position), which is how Nix prints its warnings too.
"""

from __future__ import annotations

from .errors import Pos, format_error, write_stderr


def warn(msg: str, pos: Pos | None = None) -> None:
    """Nix's ``warn(…)``/``logWarning`` at level warning: ``warning: MSG``."""
    write_stderr(format_error(msg, pos, level="warning"))


def evaluation_warning(msg: str) -> None:
    """``builtins.warn``'s output: lines after the first are indented under the prefix,
    unless the message starts with a newline (then nothing is indented), as in Nix."""
    prefix = "evaluation warning:"
    if msg.startswith("\n"):
        write_stderr(prefix + msg)
        return
    indent = "\n" + " " * (len(prefix) + 1)
    write_stderr(f"{prefix} {indent.join(msg.split(chr(10)))}")
