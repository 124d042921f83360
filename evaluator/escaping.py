"""Nix string literals as Nix prints them: the escaping that ``show.py`` and ``printer.py`` share.

Both write ``"…"`` with ``"``, ``\\``, newline, carriage return and tab escaped. They differ
in ``$`` on purpose, as Nix does: the expression printer (``Expr::show``) escapes every
``$``, the value printer only a ``$`` that starts ``${`` (the only one that would be read
back as an interpolation).
"""

from __future__ import annotations

_COMMON = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_TABLE = str.maketrans(_COMMON)
_TABLE_ALL_DOLLARS = str.maketrans({**_COMMON, "$": "\\$"})


def quote_string(s: str, every_dollar: bool) -> str:
    """``s`` as a double-quoted Nix literal; ``every_dollar`` escapes each ``$``, else only ``${``."""
    if every_dollar:
        return '"' + s.translate(_TABLE_ALL_DOLLARS) + '"'
    return '"' + s.translate(_TABLE).replace("${", "\\${") + '"'


__all__ = ["quote_string"]
