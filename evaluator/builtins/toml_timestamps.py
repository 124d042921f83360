"""TOML dates and times as Nix values, for ``fromTOML`` under ``parse-toml-timestamps``.

Current Nix (with that experimental feature) turns each TOML date/time into
``{ _type = "timestamp"; value = "…"; }`` where ``value`` is toml11's rendering: ``T`` between
date and time, seconds always present, fractions padded to 3, 6 or 9 digits (at most 9), a
zero offset written ``Z``. Python's ``tomllib`` keeps only microseconds, so before parsing,
every date/time *value* in the document is swapped for a private-use marker string that
remembers its original text; the markers are turned into timestamp sets afterwards.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

_MARK = "\ue000pydock-toml-timestamp:"
_DATETIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})?)?"
    r"|(\d{2}:\d{2}:\d{2})(?:\.(\d+))?"
)
_BARE_END = set(",]}#\n\r \t")


class InvalidTimestamp(ValueError):
    """A date or time whose fields are out of range."""


def _fraction(digits: str | None) -> str:
    if not digits:
        return ""
    digits = digits[:9]
    width = min(9, -(-len(digits) // 3) * 3)
    return "." + digits.ljust(width, "0")


def _render(m: re.Match[str]) -> str:
    date, time, frac, offset, ltime, lfrac = m.groups()
    try:
        if date:
            datetime.date.fromisoformat(date)
        t = time or ltime
        if t:
            datetime.time.fromisoformat(t)
    except ValueError as e:
        raise InvalidTimestamp(f"invalid date or time '{m.group(0)}': {e}") from None
    if date is None:
        return ltime + _fraction(lfrac)
    if time is None:
        return date
    out = f"{date}T{time}{_fraction(frac)}"
    if offset:
        out += "Z" if offset in ("Z", "z", "+00:00", "-00:00") else offset
    return out


def _skip_string(text: str, i: int) -> int:
    """Index just past the string literal starting at ``i``."""
    for quote in ('"""', "'''"):
        if text.startswith(quote, i):
            j = i + 3
            while True:
                k = text.find(quote, j)
                if k < 0:
                    return len(text)
                if quote == '"""' and _escaped(text, k):
                    j = k + 1
                    continue
                k += 3
                while text.startswith(quote[0], k):  # up to two extra quotes belong to the content
                    k += 1
                return k
    q = text[i]
    j = i + 1
    while j < len(text) and text[j] != "\n":
        if text[j] == "\\" and q == '"':
            j += 2
            continue
        if text[j] == q:
            return j + 1
        j += 1
    return j


def _escaped(text: str, k: int) -> bool:
    n = 0
    while k - 1 - n >= 0 and text[k - 1 - n] == "\\":
        n += 1
    return n % 2 == 1


def mark_timestamps(text: str) -> tuple[str, list[str]]:
    """Replace date/time values by marker strings; return the new text and the renderings."""
    out: list[str] = []
    found: list[str] = []
    stack: list[str] = []  # "array" / "inline"
    expect_value = False
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(text[i:j])
            i = j
            continue
        if c in "\"'":
            j = _skip_string(text, i)
            out.append(text[i:j])
            i = j
            expect_value = False
            continue
        if c == "\n":
            if not stack:
                expect_value = False
            out.append(c)
            i += 1
            continue
        if c in " \t\r":
            out.append(c)
            i += 1
            continue
        if expect_value:
            m = _DATETIME.match(text, i)
            if m and (m.end() == n or text[m.end()] in _BARE_END):
                found.append(_render(m))
                out.append(f'"\\ue000pydock-toml-timestamp:{len(found) - 1}"')
                i = m.end()
                expect_value = False
                continue
            if c == "[":
                stack.append("array")
            elif c == "{":
                stack.append("inline")
                expect_value = False
            elif c not in "]}":
                j = i
                while j < n and text[j] not in _BARE_END:
                    j += 1
                out.append(text[i:j])
                i = j
                expect_value = False
                continue
        if c == "=":
            expect_value = True
        elif c == "[" and not stack and not expect_value:
            j = text.find("\n", i)  # a table header: keys only
            j = n if j < 0 else j
            out.append(text[i:j])
            i = j
            continue
        elif c in "]}" and stack:
            stack.pop()
            expect_value = False
        elif c == ",":
            expect_value = bool(stack) and stack[-1] == "array"
        out.append(c)
        i += 1
    return "".join(out), found


def unmark(v: Any, found: list[str]) -> Any:
    """Turn marker strings back into ``{ _type = "timestamp"; value = …; }`` sets."""
    if isinstance(v, str) and v.startswith(_MARK):
        return {"_type": "timestamp", "value": found[int(v[len(_MARK) :])]}
    if isinstance(v, dict):
        return {k: unmark(x, found) for k, x in v.items()}
    if isinstance(v, list):
        return [unmark(x, found) for x in v]
    return v
