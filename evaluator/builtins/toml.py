"""``builtins.fromTOML``: TOML documents as Nix values, with Nix 2.8's (toml11's) numeric quirks.

Parsing is delegated to Python's ``tomllib`` (TOML 1.0, like the toml11 copy inside Nix 2.8). What
the Nix side adds: dates and times are rejected ("Dates and times are not supported"), integers
outside 64 bits saturate instead of failing, and finite floats that overflow saturate to the
largest double, because toml11 reads numbers with C++ streams. Syntax errors carry tomllib's
description rather than toml11's multi-line report; the "while parsing a TOML string:" prefix is
Nix's. For the errors people actually make (a missing ``=`` or value, a key or table defined
twice) the first line of toml11's report is reconstructed, since that is what tools compare.
toml11 is also more lenient than the TOML 1.0 spec in one respect that tomllib is not: it lets
``[a]`` reopen a table already created by a dotted key (``a.b = 1``); such documents fail here.
"""

from __future__ import annotations

import datetime
import math
import re
import sys
import tomllib
from typing import Any

from ..errors import NixError
from ..integers import INT_MAX, INT_MIN
from ..lexer import nul_refused
from ..values import force_string_no_ctx
from .registry import primop
from .toml_timestamps import InvalidTimestamp, mark_timestamps, unmark

_SPECIAL_FLOATS = {"inf", "+inf", "-inf", "nan", "+nan", "-nan"}


def _parse_float(text: str) -> float:
    f = float(text)
    if math.isinf(f) and text not in _SPECIAL_FLOATS:
        return math.copysign(sys.float_info.max, f)
    return f


class _DatesUnsupported(Exception):
    pass


def _to_nix(v: Any) -> Any:
    """tomllib's document as Nix values, with current Nix's refusals (toml11 v4): integers
    beyond 64 bits (Nix 2.8 clamped them) and strings or keys holding NUL."""
    if isinstance(v, dict):
        for k in v:
            if "\0" in k:
                raise NixError(f"while parsing TOML: error: {nul_refused(k)}")
        return {k: _to_nix(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_to_nix(x) for x in v]
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        if not INT_MIN <= v <= INT_MAX:
            raise NixError(
                "while parsing TOML: [error] toml::parse_dec_integer: too large integer: current max digits = 2^63"
            )
        return v
    if isinstance(v, str) and "\0" in v:
        raise NixError(f"while parsing TOML: error: {nul_refused(v)}")
    if isinstance(v, (datetime.date, datetime.time)):  # datetime is a date too
        raise _DatesUnsupported()
    return v


# --------------------------------------------------------------------------- toml11's error wording

_POSITION = re.compile(r"\(at (?:line (\d+), column (\d+)|end of document)\)$")
_KEY_PART = re.compile(r"""\s*(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|'([^']*)')\s*""")


def _line_rest(text: str, msg: str) -> str | None:
    """The text of the line where tomllib stopped, from the column it reports."""
    m = _POSITION.search(msg)
    if m is None:
        return None
    if m.group(1) is None:
        return ""
    lines = text.split("\n")
    line = int(m.group(1))
    return lines[line - 1][int(m.group(2)) - 1 :] if line <= len(lines) else ""


def _dotted_key(text: str) -> tuple[list[str], str] | None:
    """Parse ``a."b c".d`` at the start of ``text``: (parts, rest), or None if it is not a key."""
    parts = []
    pos = 0
    while True:
        m = _KEY_PART.match(text, pos)
        if m is None:
            return None
        parts.append(next(g for g in m.groups() if g is not None))
        pos = m.end()
        if not text.startswith(".", pos):
            return parts, text[pos:]
        pos += 1


def _inline_prefix(kinds: dict[tuple[str, ...], str], path: tuple[str, ...]) -> str | None:
    """The first proper prefix of ``path`` that is an inline table (which may not be extended)."""
    for i in range(1, len(path)):
        if kinds.get(path[:i]) == "inline":
            return ".".join(path[:i])
    return None


def _duplicate_message(text: str) -> str | None:
    """Replay the document's keys and headers to name the first redefinition the way toml11 does.

    Only simple one-statement-per-line documents are understood; anything else gives None.
    """
    kinds: dict[tuple[str, ...], str] = {}  # path -> value | inline | table | implicit | aot
    header: tuple[str, ...] = ()
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        aot = line.startswith("[[")
        if line.startswith("["):
            parsed = _dotted_key(line[2 if aot else 1 :])
            if parsed is None:
                return None
            path = tuple(parsed[0])
            name = ".".join(path)
            frozen = _inline_prefix(kinds, path)
            if frozen is not None:
                return f"inserting to an inline table ({frozen}) but inline tables are immutable"
            old = kinds.get(path)
            if aot:
                if old in ("value", "inline"):
                    return f'array of table ("{name}") collides with existing value'
                if old in ("table", "implicit"):
                    return f'array of table ("{name}") cannot be defined'
                kinds[path] = "aot"
            else:
                if old == "value":
                    return f'value ("{name}") already exists.'
                if old in ("table", "inline"):
                    return f'table ("{name}") already exists.'
                if old == "aot":
                    return f'array of tables ("{name}") already exists.'
                kinds[path] = "table"
            header = path
            continue
        parsed = _dotted_key(line)
        if parsed is None or not parsed[1].startswith("="):
            return None
        value = parsed[1][1:].strip()
        if '"""' in value or "'''" in value or value.count("[") != value.count("]"):
            return None
        full = header + tuple(parsed[0])
        frozen = _inline_prefix(kinds, full)
        if frozen is not None:
            return f"inserting to an inline table ({frozen}) but inline tables are immutable"
        if full in kinds:
            return f'value ("{".".join(parsed[0])}") already exists.'
        for i in range(len(header) + 1, len(full)):
            kinds.setdefault(full[:i], "implicit")
        kinds[full] = "inline" if value.startswith("{") else "value"
    return None


def _toml11_message(text: str, msg: str) -> str | None:
    """The first line of toml11's report for the common mistakes, or None to keep tomllib's."""
    if msg.startswith("Duplicate inline table key "):
        return f'[error] toml::insert_value: value ("{msg.split(chr(39))[1]}") already exists.'
    if msg.startswith(("Cannot overwrite a value", "Cannot declare", "Cannot mutate immutable namespace")):
        found = _duplicate_message(text)
        return None if found is None else f"[error] toml::insert_value: {found}"
    rest = _line_rest(text, msg)
    if rest is None:
        return None
    if msg.startswith("Expected '=' after a key"):
        if "=" in rest:
            return "[error] toml::parse_key_value_pair: invalid format for key"
        return "[error] toml::parse_key_value_pair: missing key-value separator `=`"
    if msg.startswith("Invalid value") and (not rest.strip() or rest.strip().startswith("#")):
        return "[error] toml::parse_key_value_pair: missing value after key-value separator '='"
    return None


def parse_toml(text: str, timestamps: bool = False) -> Any:
    """Parse a TOML document, raising Nix's error wording.

    ``timestamps`` is current Nix's ``parse-toml-timestamps``: dates and times become
    ``{ _type = "timestamp"; value = …; }`` instead of an error.
    """
    if text.startswith("\ufeff"):  # toml11 skips a byte order mark
        text = text[1:]
    found: list[str] = []
    if timestamps:
        try:
            text, found = mark_timestamps(text)
        except InvalidTimestamp as e:
            raise NixError(f"while parsing a TOML string: {e}") from None
    try:
        doc = tomllib.loads(text, parse_float=_parse_float)
    except tomllib.TOMLDecodeError as e:
        first_line = _toml11_message(text, str(e))
        raise NixError(f"while parsing a TOML string: {first_line or e}") from None
    if found:
        doc = unmark(doc, found)
    try:
        return _to_nix(doc)
    except _DatesUnsupported:
        raise NixError("while parsing a TOML string: Dates and times are not supported") from None


@primop("fromTOML", needs_state=True)
def prim_from_toml(st: Any, s: Any) -> Any:
    """``builtins.fromTOML``: the document may not carry a string context."""
    timestamps = st.settings.has_feature("parse-toml-timestamps")
    return parse_toml(force_string_no_ctx(s), timestamps)
