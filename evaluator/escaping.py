"""Nix string literals as Nix prints them: the escaping that ``show.py`` and ``printer.py`` share.

Both write ``"…"`` with ``"``, ``\\``, newline, carriage return and tab escaped. They differ
in ``$`` on purpose, as Nix does: the expression printer (``Expr::show``) escapes every
``$``, the value printer only a ``$`` that starts ``${`` (the only one that would be read
back as an interpolation).
"""

from __future__ import annotations

from ..store.derivation import aterm_escape

#: ``"``, ``\\``, newline, carriage return and tab escaped: the escapes of Nix's string printers,
#: the same as the ``.drv`` ATerm's (one implementation, in the store, which the evaluator uses).
escape_common = aterm_escape


def quote_string(s: str, every_dollar: bool) -> str:
    """``s`` as a double-quoted Nix literal; ``every_dollar`` escapes each ``$``, else only ``${``."""
    s = escape_common(s)
    if "$" in s:
        s = s.replace("$", "\\$") if every_dollar else s.replace("${", "\\${")
    return '"' + s + '"'


__all__ = ["escape_common", "quote_string"]
