"""Evaluation and parse errors, printed the way Nix 2.8 prints them.

Nix prints ``error: MESSAGE``, a blank line, ``at FILE:LINE:COL:``, the offending
line with its neighbours and a caret, then (with ``--show-trace``) the trace of
``… while evaluating`` frames. Every error of the evaluator is a ``NixError`` (a
``pydock.errors.PydockError``) so the CLI can print it without a Python traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydock.errors import PydockError


@dataclass(eq=False)
class Source:
    """A piece of Nix source: a file (``origin='file'``), ``-E`` text or stdin."""

    name: str
    text: str
    origin: str = "file"  # "file" | "string" | "stdin"

    def line(self, n: int) -> str | None:
        lines = self._lines()
        if 1 <= n <= len(lines):
            return lines[n - 1]
        return None

    def _lines(self) -> list[str]:
        cached = self.__dict__.get("_cached_lines")
        if cached is None:
            cached = self.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            self.__dict__["_cached_lines"] = cached
        return cached


class Pos:
    """A source position (1-based line and column)."""

    __slots__ = ("source", "line", "col")

    def __init__(self, source: Source, line: int, col: int) -> None:
        self.source = source
        self.line = line
        self.col = col

    def location(self) -> str:
        """``FILE:LINE:COL`` as Nix writes it (``«string»`` for ``-E``)."""
        src = self.source
        if src.origin == "string":
            return f"«string»:{self.line}:{self.col}"
        if src.origin == "stdin":
            return f"«stdin»:{self.line}:{self.col}"
        return f"{src.name}:{self.line}:{self.col}"

    def file_value(self) -> str:
        """What ``__curPos``/``unsafeGetAttrPos`` report as ``file``: Nix 2.8 gives the
        source text itself for ``-E`` expressions."""
        return self.source.text if self.source.origin != "file" else self.source.name

    def lambda_location(self) -> str:
        """The form Nix uses inside messages such as ``anonymous function at …``."""
        src = self.source
        if src.origin == "string":
            return f"(string):{self.line}:{self.col}"
        if src.origin == "stdin":
            return f"(stdin):{self.line}:{self.col}"
        return f"{src.name}:{self.line}:{self.col}"

    def __repr__(self) -> str:
        return f"Pos({self.location()})"


class TraceSettings:
    """Whether ``--show-trace`` is on: frames are only collected when it is."""

    enabled = False


NO_POS = Pos(Source("", ""), 0, 0)
"""For errors that Nix reports without a location (call sites must not fill one in)."""


class NixError(PydockError):
    """An error of the Nix language (evaluation, type, assertion, …).

    ``pos`` is filled by the innermost compiled expression that knows where it is,
    so builtins can raise without knowing their call site. ``traces`` collects
    ``(pos, message)`` frames for ``--show-trace``.
    """

    kind = "error"

    def __init__(self, msg: str, pos: Pos | None = None, suggestion: str | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.pos = pos
        self.suggestion = suggestion
        # pydock's own advice, printed after Nix's message and frame ("hint: …")
        self.hint: str | None = None
        self.traces: list[tuple[Pos | None, str]] = []
        self.trace_hint = False  # Nix's "(use '--show-trace' …)" line after a location-less error

    def add_trace(self, pos: Pos | None, msg: str) -> None:
        self.traces.append((pos, msg))

    def format(self, show_trace: bool = False) -> str:
        text = format_error(self.msg, self.pos, self.suggestion, self.traces if show_trace else [])
        if self.pos is NO_POS and self.trace_hint and not show_trace:
            text += "\n(use '--show-trace' to show detailed location information)"
        if self.hint:
            text += "\nhint: " + self.hint
        return text


class ThrownError(NixError):
    """``throw`` (catchable by ``tryEval``)."""


class AssertionFailed(NixError):
    """A failed ``assert`` (catchable by ``tryEval``)."""


class Abort(NixError):
    """``abort``: not catchable by ``tryEval``."""


class ParseError(NixError):
    """A syntax error (the file never evaluates)."""


def experimental_feature_disabled(feature: str, pos: Pos | None = None) -> NixError:
    """What Nix raises when code needs an experimental feature that is off (Nix 2.8's wording;
    current Nix says "add '--extra-experimental-features X' to enable it"). Outside the
    evaluator proper (e.g. a hash-algorithm parser) Nix gives it no position: pass ``NO_POS``."""
    return NixError(
        f"experimental Nix feature '{feature}' is disabled; use '--extra-experimental-features {feature}' to override",
        pos,
    )


def _code_frame(pos: Pos) -> list[str]:
    out: list[str] = []
    src = pos.source
    prev = src.line(pos.line - 1)
    cur = src.line(pos.line)
    nxt = src.line(pos.line + 1)
    if prev is not None:
        out.append(f" {pos.line - 1:5d}| {prev}")
    if cur is not None:
        out.append(f" {pos.line:5d}| {cur}")
        if pos.col > 0:
            out.append("      |" + " " * pos.col + "^")
    if nxt is not None:
        out.append(f" {pos.line + 1:5d}| {nxt}")
    return out


def _frame(pos: Pos | None) -> list[str]:
    if pos is None or pos is NO_POS:
        return []
    lines = ["", f"at {pos.location()}:"]
    frame = _code_frame(pos)
    if frame:
        lines.append("")
        lines.extend(frame)
    return lines


def format_error(
    msg: str,
    pos: Pos | None,
    suggestion: str | None = None,
    traces: list[tuple[Pos | None, str]] | None = None,
    level: str = "error",
) -> str:
    """Render an error exactly as Nix's ``showErrorInfo`` does (without colours)."""
    body: list[str] = [*msg.split("\n")]
    body.extend(_frame(pos))
    if suggestion:
        while body and body[-1] == "":
            body.pop()
        body.append(f"Did you mean {suggestion}?")
    for tpos, tmsg in traces or []:
        body.append("")
        body.append(f"… {tmsg}")
        body.extend(_frame(tpos))
    while body and body[-1] == "":
        body.pop()
    prefix = f"{level}: "
    indent = " " * len(prefix)
    out = []
    for i, line in enumerate(body):
        out.append(((prefix if i == 0 else indent) + line).rstrip())
    return "\n".join(out)


def filter_ansi_escapes(text: str, keep_colours: bool) -> str:
    """What Nix's logger makes of a message (``filterANSIEscapes``), so stderr matches Nix's.

    Escape sequences are dropped (colour sequences, ending in ``m``, are kept on a terminal),
    ``\\r`` is dropped and a tab becomes spaces up to the next multiple of 8 columns, counted
    from the start of the message across its lines, one column per character (a stray byte kept
    as a surrogate escape counts unless it is a UTF-8 continuation byte, as Nix counts bytes).
    """
    if "\x1b" not in text and "\t" not in text and "\r" not in text:
        return text
    out: list[str] = []
    width = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\x1b":
            start = i
            i += 1
            final = ""
            if i < n and text[i] == "[":
                i += 1
                while i < n and "\x30" <= text[i] <= "\x3f":
                    i += 1
                while i < n and "\x20" <= text[i] <= "\x2f":
                    i += 1
                if i < n and "\x40" <= text[i] <= "\x7e":
                    final = text[i]
                    i += 1
            elif i < n and "\x40" <= text[i] <= "\x5f":
                i += 1
            if keep_colours and final == "m":
                out.append(text[start:i])
        elif c == "\t":
            i += 1
            out.append(" ")
            width += 1
            while width % 8:
                out.append(" ")
                width += 1
        elif c == "\r":
            i += 1
        else:
            out.append(c)
            if not ("\udc80" <= c <= "\udcbf"):  # a lone UTF-8 continuation byte adds no column
                width += 1
            i += 1
    return "".join(out)


def write_stderr(text: str) -> None:
    """Write a log line (error, warning, trace) to stderr as Nix's logger would.

    Escapes and tabs go through :func:`filter_ansi_escapes`; the text is written as raw bytes,
    so bytes of Nix strings that are not UTF-8 (kept as surrogate escapes) come out unchanged.
    """
    import sys

    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):
        tty = False
    text = filter_ansi_escapes(text, keep_colours=tty)
    data = (text + "\n").encode("utf-8", "surrogateescape")
    try:
        sys.stderr.flush()
        sys.stderr.buffer.write(data)
        sys.stderr.buffer.flush()
    except (AttributeError, ValueError):  # a stderr without a byte buffer (tests)
        sys.stderr.write(text + "\n")
