"""Nix string literals as Nix prints them: the escaping that ``show.py`` and ``printer.py`` share.

Both write ``"…"`` with ``"``, ``\\``, newline, carriage return and tab escaped. They differ
in ``$`` on purpose, as Nix does: the expression printer (``Expr::show``) escapes every
``$``, the value printer only a ``$`` that starts ``${`` (the only one that would be read
back as an interpolation).
"""

from __future__ import annotations


def escape_common(s: str) -> str:
    """``"``, ``\\``, newline, carriage return and tab escaped (the escapes of Nix's string
    printers and of the ``.drv`` ATerm).

    A chain of ``replace`` (the backslash first, so no escape is escaped again) is the same as
    one ``str.translate`` pass and several times faster: ``translate`` with a mapping costs
    about a microsecond even for a short string, and ~80 ns per character on a long one.
    """
    if "\\" in s:
        s = s.replace("\\", "\\\\")
    if '"' in s:
        s = s.replace('"', '\\"')
    if "\n" in s:
        s = s.replace("\n", "\\n")
    if "\r" in s:
        s = s.replace("\r", "\\r")
    if "\t" in s:
        s = s.replace("\t", "\\t")
    return s


def quote_string(s: str, every_dollar: bool) -> str:
    """``s`` as a double-quoted Nix literal; ``every_dollar`` escapes each ``$``, else only ``${``."""
    s = escape_common(s)
    if "$" in s:
        s = s.replace("$", "\\$") if every_dollar else s.replace("${", "\\${")
    return '"' + s + '"'


__all__ = ["escape_common", "quote_string"]
