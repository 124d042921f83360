"""The Nix lexer: a mode stack over DEFAULT, STRING, IND_STRING and path states.

Nix's tokenisation is context-sensitive only through a stack of lexer modes
(``"…${ "…" }…"`` nests arbitrarily deep), so it cannot be a single regular
lexer. This module reproduces Nix 2.8's flex rules — longest match, keywords
before identifiers, ``a/b`` is a path, ``x:y`` is a URI — and returns a list of
Lark tokens that the LALR parser consumes through ``TokenListLexer``.

One token is invented here: ``FORMALS_LBRACE``. Nix's grammar needs a GLR
parser to tell ``{ a, b }: …`` from ``{ a = 1; }``; looking a few tokens ahead
after ``{`` decides it, which keeps the grammar LALR.
"""

from __future__ import annotations

import bisect
import re

from lark import Token
from lark.lexer import Lexer

from .errors import ParseError, Pos, Source
from .integers import INT_MAX

_PC = r"[a-zA-Z0-9._\-+]"
_DEFAULT_RE = re.compile(
    rf"""
    (?P<WS>[ \t\r\n]+)
  | (?P<LCOMMENT>\#[^\r\n]*)
  | (?P<BCOMMENT>/\*(?:[^*]|\*+[^*/])*\*+/)
  | (?P<PATHSEG_INTERP>{_PC}*/(?=\$\{{))
  | (?P<HPATH_INTERP>~/(?=\$\{{))
  | (?P<PATH>{_PC}*(?:/{_PC}+)+/?)
  | (?P<HPATH>~(?:/{_PC}+)+/?)
  | (?P<SPATH><{_PC}+(?:/{_PC}+)*>)
  | (?P<URI>[a-zA-Z][a-zA-Z0-9+\-.]*:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']+)
  | (?P<FLOAT>(?:[1-9][0-9]*\.[0-9]*|0?\.[0-9]+)(?:[Ee][+-]?[0-9]+)?)
  | (?P<INT>[0-9]+)
  | (?P<ID>[a-zA-Z_][a-zA-Z0-9_'\-]*)
  | (?P<IND_OPEN>''(?:\ *\n)?)
  | (?P<OP>\.\.\.|==|!=|<=|>=|&&|\|\||->|//|\+\+|\$\{{)
  | (?P<CHAR>[\s\S])
    """,
    re.VERBOSE,
)

_KEYWORDS = {
    "if": "IF",
    "then": "THEN",
    "else": "ELSE",
    "assert": "ASSERT",
    "with": "WITH",
    "let": "LET",
    "in": "IN",
    "rec": "REC",
    "inherit": "INHERIT",
    "or": "OR_KW",
}

_OPS = {
    "...": "ELLIPSIS",
    "==": "EQ",
    "!=": "NEQ",
    "<=": "LEQ",
    ">=": "GEQ",
    "&&": "AND",
    "||": "OR",
    "->": "IMPL",
    "//": "UPDATE",
    "++": "CONCAT",
    "${": "DOLLAR_CURLY",
}

# Single characters the grammar knows; anything else reaches the parser as
# CHAR_OTHER and is reported as an unexpected token (as Nix does).
CHARS = {
    "{": "LBRACE",
    "}": "RBRACE",
    "[": "LBRACK",
    "]": "RBRACK",
    "(": "LPAR",
    ")": "RPAR",
    ";": "SEMI",
    ":": "COLON",
    "@": "AT",
    ",": "COMMA",
    ".": "DOT",
    "?": "QMARK",
    "=": "ASSIGN",
    "+": "PLUS",
    "-": "MINUS",
    "*": "STAR",
    "/": "SLASH",
    "<": "LT",
    ">": "GT",
    "!": "BANG",
    '"': "DQUOTE",
}

# Bison's names for tokens, used in syntax error messages.
DISPLAY = {v: f"'{k}'" for k, v in CHARS.items()}
DISPLAY.update(
    {
        "FORMALS_LBRACE": "'{'",
        "$END": "end of file",
        "CHAR_OTHER": "CHAR",
        "IND_STR_LIT": "IND_STR",
    }
)

_STRING_BODY = re.compile(r"""(?:[^$"\\]|\$[^{"\\]|\\[\s\S]|\$\\[\s\S])+""")
_IND_BODY = re.compile(r"""(?:[^$']|\$[^{']|'[^'$])+""")
_INPATH_PART = re.compile(rf"{_PC}*(?:/{_PC}+)+/?|{_PC}*/|{_PC}+")

_DEFAULT, _STRING, _IND, _INPATH, _INPATH_SLASH = range(5)


def nul_refused(s: str) -> str:
    """Current Nix's message for a string with a NUL byte (Nix strings are C strings); the NUL
    is shown as U+2400. Nix 2.8 silently cut such strings short."""
    shown = s.replace(chr(0), chr(0x2400))
    return f"input string '{shown}' cannot be represented as Nix string because it contains null bytes"


def unescape_string(s: str) -> str:
    """Nix's ``unescapeStr``: backslash escapes and CR/CRLF normalised to LF."""
    if "\\" not in s and "\r" not in s:
        return s
    out = []
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        i += 1
        if c == "\\" and i < n:
            c = s[i]
            i += 1
            out.append({"n": "\n", "r": "\r", "t": "\t"}.get(c, c))
        elif c == "\r":
            out.append("\n")
            if i < n and s[i] == "\n":
                i += 1
        else:
            out.append(c)
    return "".join(out)


class _Positions:
    """Turns character offsets into 1-based (line, column) pairs."""

    def __init__(self, text: str) -> None:
        starts = [0]
        for m in re.finditer(r"\r\n|\r|\n", text):
            starts.append(m.end())
        self.starts = starts

    def linecol(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1


def tokenize(source: Source) -> list[Token]:
    """Lex ``source`` into Lark tokens, raising ``ParseError`` like Nix's lexer."""
    return _Lexer(source).run()


class _Lexer:
    """One run of the lexer: the text, the mode stack and the tokens so far.

    Each mode has a method that lexes while its mode is on top of the stack and returns
    False once the input is used up; ``run`` hands over to whichever mode is on top.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.text = source.text
        self.n = len(self.text)
        self.positions = _Positions(self.text)
        self.tokens: list[Token] = []
        self.stack = [_DEFAULT]
        self.pos = 0
        self.last_start = 0  # start of the last lexeme (Nix reports EOF errors there)

    def run(self) -> list[Token]:
        modes = {
            _DEFAULT: self._default,
            _STRING: self._string,
            _IND: self._ind_string,
            _INPATH: self._path,
            _INPATH_SLASH: self._path,
        }
        while modes[self.stack[-1]]():
            pass
        _mark_formals(self.tokens)
        eof_line, eof_col = self.positions.linecol(self.last_start)
        self.tokens.append(Token("$END", "", self.n, eof_line, eof_col, None, None, self.n))
        return self.tokens

    def tok(self, kind: str, value: str, start: int, end: int) -> None:
        line, col = self.positions.linecol(start)
        self.tokens.append(Token(kind, value, start, line, col, None, None, end))

    def error(self, msg: str, at: int) -> ParseError:
        line, col = self.positions.linecol(at)
        return ParseError(msg, Pos(self.source, line, col))

    def _default(self) -> bool:
        """Nix code: keywords, identifiers, numbers, paths, URIs, operators; ``{``/``${``
        push another DEFAULT, ``}`` pops, ``"`` and ``''`` enter the string modes."""
        text, n, stack, tok = self.text, self.n, self.stack, self.tok
        default_match = _DEFAULT_RE.match
        pos = self.pos
        while stack[-1] == _DEFAULT:
            if pos >= n:
                self.pos = pos
                return False
            m = default_match(text, pos)
            kind = m.lastgroup
            end = m.end()
            value = m.group()
            self.last_start = pos
            if kind == "WS" or kind == "LCOMMENT" or kind == "BCOMMENT":
                pass
            elif kind == "ID":
                tok(_KEYWORDS.get(value, "ID"), value, pos, end)
            elif kind == "INT":
                if int(value) > INT_MAX:
                    raise self.error(f"invalid integer '{value}'", pos)
                tok("INT", value, pos, end)
            elif kind == "FLOAT":
                tok("FLOAT", value, pos, end)
            elif kind == "PATH" or kind == "HPATH":
                tok(kind, value, pos, end)
                stack.append(_INPATH_SLASH if value.endswith("/") else _INPATH)
            elif kind == "PATHSEG_INTERP":
                tok("PATH", value, pos, end)
                stack.append(_INPATH_SLASH)
            elif kind == "HPATH_INTERP":
                tok("HPATH", value, pos, end)
                stack.append(_INPATH_SLASH)
            elif kind == "SPATH":
                tok("SPATH", value, pos, end)
            elif kind == "URI":
                tok("URI", value, pos, end)
            elif kind == "IND_OPEN":
                tok("IND_STRING_OPEN", value, pos, end)
                stack.append(_IND)
            elif kind == "OP":
                t = _OPS[value]
                tok(t, value, pos, end)
                if t == "DOLLAR_CURLY":
                    stack.append(_DEFAULT)
            else:  # single character
                if value == "{":
                    stack.append(_DEFAULT)
                elif value == "}":
                    if len(stack) > 1:
                        stack.pop()
                elif value == '"':
                    stack.append(_STRING)
                tok(CHARS.get(value, "CHAR_OTHER"), value, pos, end)
            pos = end
        self.pos = pos
        return True

    def _string(self) -> bool:
        """Inside ``"…"``: text (escapes resolved), ``${`` or the closing quote."""
        text, n, pos = self.text, self.n, self.pos
        if pos >= n:
            return False
        self.last_start = pos
        m = _STRING_BODY.match(text, pos)
        end = m.end() if m else pos
        if text.startswith('$"', end):
            end += 1
        if end > pos:
            value = unescape_string(text[pos:end])
            if "\0" in value:
                raise self.error(nul_refused(value), pos)
            self.tok("STR", value, pos, end)
            self.pos = end
        elif text.startswith("${", pos):
            self.tok("DOLLAR_CURLY", "${", pos, pos + 2)
            self.stack.append(_DEFAULT)
            self.pos = pos + 2
        elif text[pos] == '"':
            self.tok("DQUOTE", '"', pos, pos + 1)
            self.stack.pop()
            self.pos = pos + 1
        else:  # a lone '$', '\' or '$\' at the end of input
            self.tok("STR", text[pos:], pos, n)
            self.pos = n
        return True

    def _ind_string(self) -> bool:
        """Inside ``''…''``: text, the ``''`` escapes, ``${`` or the closing ``''``."""
        text, n, pos, tok = self.text, self.n, self.pos, self.tok
        if pos >= n:
            return False
        self.last_start = pos
        m = _IND_BODY.match(text, pos)
        if m:
            end = m.end()
            if "\0" in m.group():
                raise self.error(nul_refused(m.group()), pos)
            tok("IND_STR", text[pos:end], pos, end)
        elif text.startswith("'''", pos):
            end = pos + 3
            tok("IND_STR_LIT", "''", pos, end)
        elif text.startswith("''$", pos):
            end = pos + 3
            tok("IND_STR_LIT", "$", pos, end)
        elif text.startswith("''\\", pos) and pos + 3 <= n:
            end = min(pos + 4, n)
            if text.startswith("\r\n", pos + 3):
                end = pos + 5
            tok("IND_STR_LIT", unescape_string(text[pos + 2 : end]), pos, end)
        elif text.startswith("${", pos):
            end = pos + 2
            tok("DOLLAR_CURLY", "${", pos, end)
            self.stack.append(_DEFAULT)
        elif text.startswith("''", pos):
            end = pos + 2
            tok("IND_STRING_CLOSE", "''", pos, end)
            self.stack.pop()
        elif text[pos] == "$":
            end = pos + 1
            tok("IND_STR_LIT", "$", pos, end)
        else:
            end = pos + 1
            tok("IND_STR_LIT", "'", pos, end)
        self.pos = end
        return True

    def _path(self) -> bool:
        """Inside a path: more path text, an interpolation, or its end (``PATH_END``)."""
        text, n, pos, stack = self.text, self.n, self.pos, self.stack
        if text.startswith("${", pos):
            stack[-1] = _INPATH
            stack.append(_DEFAULT)
            self.last_start = pos
            self.tok("DOLLAR_CURLY", "${", pos, pos + 2)
            self.pos = pos + 2
            return True
        m = _INPATH_PART.match(text, pos) if pos < n else None
        if m and m.end() > pos:
            value = m.group()
            stack[-1] = _INPATH_SLASH if value.endswith("/") else _INPATH
            self.last_start = pos
            self.tok("STR", value, pos, m.end())
            self.pos = m.end()
            return True
        if stack[-1] == _INPATH_SLASH:  # Nix 2.8 names the character after the path, or at EOF the lexeme
            raise self.error("path has a trailing slash", pos if pos < n else self.last_start)
        stack.pop()
        self.tok("PATH_END", "", pos, pos)
        return True


def _mark_formals(tokens: list[Token]) -> None:
    """Retype each ``{`` that opens a lambda's formals as ``FORMALS_LBRACE``."""
    n = len(tokens)

    def kind(i: int) -> str:
        return tokens[i].type if i < n else "$END"

    for i, t in enumerate(tokens):
        if t.type != "LBRACE":
            continue
        k1 = kind(i + 1)
        is_formals = False
        if k1 == "RBRACE":
            is_formals = kind(i + 2) in ("COLON", "AT")
        elif k1 == "ELLIPSIS":
            is_formals = True
        elif k1 == "ID":
            k2 = kind(i + 2)
            if k2 in ("COMMA", "QMARK"):
                is_formals = True
            elif k2 == "RBRACE":
                is_formals = kind(i + 3) in ("COLON", "AT")
        if is_formals:
            tokens[i] = Token.new_borrow_pos("FORMALS_LBRACE", "{", t)


class TokenListLexer(Lexer):
    """Base for feeding Lark tokens that ``tokenize`` already produced."""

    def __init__(self, lexer_conf) -> None:  # noqa: D107 - signature fixed by Lark
        pass

    def lex(self, *_ignored):  # pragma: no cover - overridden
        return iter(())
