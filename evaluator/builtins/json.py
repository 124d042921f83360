"""``builtins.toJSON`` / ``builtins.fromJSON`` and the ``--json`` printer, byte-for-byte as Nix 2.8.

Writing follows Nix's ``printValueAsJSON`` and its small JSON writer (compact output, keys in byte
order, only control characters escaped, floats printed like C++ streams). Reading follows the
nlohmann::json 3.11 parser that Nix 2.8 is built with, including its quirks (integers above
``INT64_MAX`` wrap, huge numbers become floats, a ``\\u0000`` cuts the string short) and its exact
error messages, which users see verbatim.
"""

from __future__ import annotations

import re
from typing import Any

from ..compiler import lambda_info
from ..errors import NO_POS, NixError
from ..escaping import escape_common
from ..integers import INT_MAX, INT_MIN
from ..lexer import nul_refused
from ..ops import PathCopier, coerce_to_string, decode, encode, format_float
from ..values import (
    CALL_DEPTH,
    STACK_OVERFLOW,
    CStr,
    Lambda,
    NixPath,
    PrimOp,
    PrimOpApp,
    Thunk,
    force_string_no_ctx,
    mkstr,
    show_type,
)
from .registry import primop

# --------------------------------------------------------------------------- writing

_ESCAPES = {i: f"\\u{i:04x}" for i in range(32)}
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


_SPECIAL = re.compile(r'[\x00-\x1f"\\]')
_RARE = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f]")  # the control characters written as \u00XX


def json_string(s: str) -> str:
    """A string as Nix quotes it: control characters escaped, everything else (even DEL) kept.

    Most strings need no escape, and most others only those of ``escape_common`` (a few
    ``replace`` calls, several times faster than ``str.translate`` with a mapping).
    """
    if _SPECIAL.search(s) is None:
        return '"' + s + '"'
    if _RARE.search(s) is None:
        return '"' + escape_common(s) + '"'
    return '"' + s.translate(_ESCAPES) + '"'


def _sort_key(name: str) -> bytes:
    return encode(name)


def _lambda_pos(f: Any) -> Any:
    """Where a user function was defined: Nix reports conversion errors there."""
    try:
        return lambda_info(f)[3]
    except Exception:  # the position only improves the message; never fail because of it
        return None


def _unconvertible(v: Any) -> NixError:
    err = NixError(f"cannot convert {show_type(v)} to JSON")
    if isinstance(v, Lambda):
        err.pos = _lambda_pos(v)
    return err


# UTF-8 lead bytes: (continuation bytes needed, allowed range of the first continuation byte)
_UTF8_LEADS = {
    **{c: (1, 0x80, 0xBF) for c in range(0xC2, 0xE0)},
    0xE0: (2, 0xA0, 0xBF),
    **{c: (2, 0x80, 0xBF) for c in (*range(0xE1, 0xED), 0xEE, 0xEF)},
    0xED: (2, 0x80, 0x9F),
    0xF0: (3, 0x90, 0xBF),
    **{c: (3, 0x80, 0xBF) for c in range(0xF1, 0xF4)},
    0xF4: (3, 0x80, 0x8F),
}


def _check_utf8(s: str) -> None:
    """Current Nix's JSON writer (nlohmann's ``dump``) refuses bytes that are not UTF-8, naming
    the byte where decoding failed; Nix 2.8 wrote them raw. pydock keeps such bytes as
    surrogate escapes, so the check runs on the string's bytes."""
    b = s.encode("utf-8", "surrogateescape")
    i, n = 0, len(b)
    prefix = "JSON serialization error: [json.exception.type_error.316] "
    while i < n:
        c = b[i]
        if c < 0x80:
            i += 1
            continue
        lead = _UTF8_LEADS.get(c)
        if lead is None:
            raise NixError(f"{prefix}invalid UTF-8 byte at index {i}: 0x{c:02X}")
        need, lo, hi = lead
        for j in range(i + 1, i + 1 + need):
            if j >= n:
                raise NixError(f"{prefix}incomplete UTF-8 string; last byte: 0x{b[n - 1]:02X}")
            if not lo <= b[j] <= hi:
                raise NixError(f"{prefix}invalid UTF-8 byte at index {j}: 0x{b[j]:02X}")
            lo, hi = 0x80, 0xBF
        i += 1 + need


def _write(v: Any, ctx: set[str], strict: bool, out: list[str], depth: int, utf8: bool, copy: Any) -> None:
    # each level of nesting is one level of current Nix's max-call-depth (printValueAsJSON)
    if depth + CALL_DEPTH[0] > CALL_DEPTH[1]:
        raise NixError(STACK_OVERFLOW)
    if isinstance(v, Thunk):
        if strict or v.code is None:
            v = v.force()
        else:
            raise NixError("cannot convert a thunk to JSON")
    t = type(v)
    if t is str:
        if utf8 and not v.isascii():
            _check_utf8(v)
        out.append(json_string(v))
    elif t is CStr:
        ctx.update(v.ctx)
        if utf8 and not v.isascii():
            _check_utf8(v)
        out.append(json_string(v))
    elif t is bool:
        out.append("true" if v else "false")
    elif t is int:
        out.append(str(v))
    elif t is float:
        out.append(format_float(v))
    elif v is None:
        out.append("null")
    elif t is list:
        out.append("[")
        for i, item in enumerate(v):
            if i:
                out.append(",")
            _write(item, ctx, strict, out, depth + 1, utf8, copy)
        out.append("]")
    elif isinstance(v, dict):
        if "__toString" in v:
            out.append(json_string(coerce_to_string(v, ctx, coerce_more=False, copy_to_store=False)))
            return
        if "outPath" in v:
            _write(v["outPath"], ctx, strict, out, depth + 1, utf8, copy)
            return
        out.append("{")
        for i, name in enumerate(sorted(v, key=_sort_key)):
            if i:
                out.append(",")
            out.append(json_string(name))
            out.append(":")
            _write(v[name], ctx, strict, out, depth + 1, utf8, copy)
        out.append("}")
    elif t is NixPath:
        out.append(json_string(coerce_to_string(v, ctx, copy_to_store=copy)))
    elif isinstance(v, (Lambda, PrimOp, PrimOpApp)):
        raise _unconvertible(v)
    else:
        raise NixError(f"cannot convert {show_type(v)} to JSON")


def value_to_json(
    v: Any, ctx: set[str], strict: bool = True, utf8: bool = False, copy_to_store: PathCopier | None = None
) -> str:
    """Serialise ``v`` as Nix does; string contexts met on the way are added to ``ctx``.

    Paths become store paths copied by ``copy_to_store`` (the evaluation state), as Nix's
    ``toJSON`` copies them; without one they are written as they are.

    With ``strict=False`` (``nix-instantiate --eval --json`` without ``--strict``) unevaluated
    thunks are an error, as in Nix. Nix streams its output, so on error the text written so far
    is attached to the exception as ``partial_output`` for the CLI to print. ``utf8``: refuse
    bytes that are not UTF-8, as current Nix's ``toJSON`` does (the CLI's ``--json`` and the
    differential tests keep Nix 2.8's raw bytes).
    """
    out: list[str] = []
    try:
        _write(v, ctx, strict, out, 0, utf8, copy_to_store)
    except NixError as e:
        e.partial_output = "".join(out)  # type: ignore[attr-defined]
        raise
    return "".join(out)


@primop("__toJSON", needs_state=True)
def prim_to_json(st: Any, v: Any) -> Any:
    """``builtins.toJSON``: the result carries the context of every string and path inside."""
    ctx: set[str] = set()
    s = value_to_json(v, ctx, strict=True, utf8=True, copy_to_store=st)
    return mkstr(s, ctx)


# --------------------------------------------------------------------------- reading: lexer

_EOF = -1

(
    _TK_BEGIN_ARRAY,
    _TK_END_ARRAY,
    _TK_BEGIN_OBJECT,
    _TK_END_OBJECT,
    _TK_NAME_SEP,
    _TK_VALUE_SEP,
    _TK_TRUE,
    _TK_FALSE,
    _TK_NULL,
    _TK_STRING,
    _TK_UNSIGNED,
    _TK_INTEGER,
    _TK_FLOAT,
    _TK_END,
    _TK_ERROR,
    _TK_LITERAL_OR_VALUE,
) = range(16)

_TOKEN_NAMES = {
    _TK_TRUE: "true literal",
    _TK_FALSE: "false literal",
    _TK_NULL: "null literal",
    _TK_STRING: "string literal",
    _TK_UNSIGNED: "number literal",
    _TK_INTEGER: "number literal",
    _TK_FLOAT: "number literal",
    _TK_BEGIN_ARRAY: "'['",
    _TK_BEGIN_OBJECT: "'{'",
    _TK_END_ARRAY: "']'",
    _TK_END_OBJECT: "'}'",
    _TK_NAME_SEP: "':'",
    _TK_VALUE_SEP: "','",
    _TK_ERROR: "<parse error>",
    _TK_END: "end of input",
    _TK_LITERAL_OR_VALUE: "'[', '{', or a literal",
}

_STRUCTURAL = {
    ord("["): _TK_BEGIN_ARRAY,
    ord("]"): _TK_END_ARRAY,
    ord("{"): _TK_BEGIN_OBJECT,
    ord("}"): _TK_END_OBJECT,
    ord(":"): _TK_NAME_SEP,
    ord(","): _TK_VALUE_SEP,
}

_SIMPLE_ESCAPES = {
    ord('"'): 0x22,
    ord("\\"): 0x5C,
    ord("/"): 0x2F,
    ord("b"): 0x08,
    ord("f"): 0x0C,
    ord("n"): 0x0A,
    ord("r"): 0x0D,
    ord("t"): 0x09,
}

_CONTROL_NAMES = (
    "NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC FS GS RS US"
).split()

# For a UTF-8 lead byte: the allowed ranges of the continuation bytes that must follow it.
_UTF8_FOLLOW: dict[int, tuple[tuple[int, int], ...]] = {}
for _b in range(0xC2, 0xE0):
    _UTF8_FOLLOW[_b] = ((0x80, 0xBF),)
_UTF8_FOLLOW[0xE0] = ((0xA0, 0xBF), (0x80, 0xBF))
for _b in (*range(0xE1, 0xED), 0xEE, 0xEF):
    _UTF8_FOLLOW[_b] = ((0x80, 0xBF), (0x80, 0xBF))
_UTF8_FOLLOW[0xED] = ((0x80, 0x9F), (0x80, 0xBF))
_UTF8_FOLLOW[0xF0] = ((0x90, 0xBF), (0x80, 0xBF), (0x80, 0xBF))
for _b in (0xF1, 0xF2, 0xF3):
    _UTF8_FOLLOW[_b] = ((0x80, 0xBF), (0x80, 0xBF), (0x80, 0xBF))
_UTF8_FOLLOW[0xF4] = ((0x80, 0x8F), (0x80, 0xBF), (0x80, 0xBF))


class _Lexer:
    """nlohmann's lexer: tracks line/column and the raw text read since the last token reset.

    The "last read" text in error messages is not simply the current token (structural
    characters and whitespace are never cleared), so the bookkeeping is reproduced as is.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.idx = 0
        self.current = _EOF
        self.unget_pending = False
        self.total = 0
        self.column = 0
        self.lines = 0
        self.token_string = bytearray()
        self.buffer = bytearray()
        self.error = ""
        self.number: int | float = 0

    # -- input

    def get(self) -> int:
        self.total += 1
        self.column += 1
        if self.unget_pending:
            self.unget_pending = False
        elif self.idx < len(self.data):
            self.current = self.data[self.idx]
            self.idx += 1
        else:
            self.current = _EOF
        if self.current != _EOF:
            self.token_string.append(self.current)
        if self.current == 0x0A:
            self.lines += 1
            self.column = 0
        return self.current

    def unget(self) -> None:
        self.unget_pending = True
        self.total -= 1
        if self.column == 0:
            if self.lines > 0:
                self.lines -= 1
        else:
            self.column -= 1
        if self.current != _EOF:
            self.token_string.pop()

    def reset(self) -> None:
        self.buffer.clear()
        self.token_string.clear()
        if self.current != _EOF:
            self.token_string.append(self.current)

    def position(self) -> str:
        return f"line {self.lines + 1}, column {self.column}"

    def last_read(self) -> str:
        out = bytearray()
        for b in self.token_string:
            if b <= 0x1F:
                out += f"<U+{b:04X}>".encode("ascii")
            else:
                out.append(b)
        return decode(bytes(out))

    # -- tokens

    def scan(self) -> int:
        if self.total == 0 and not self._skip_bom():
            self.error = "invalid BOM; must be 0xEF 0xBB 0xBF if given"
            return _TK_ERROR
        self.get()
        while self.current in (0x20, 0x09, 0x0A, 0x0D):
            self.get()
        c = self.current
        tok = _STRUCTURAL.get(c)
        if tok is not None:
            return tok
        if c == ord("t"):
            return self._literal(b"true", _TK_TRUE)
        if c == ord("f"):
            return self._literal(b"false", _TK_FALSE)
        if c == ord("n"):
            return self._literal(b"null", _TK_NULL)
        if c == 0x22:
            return self._string()
        if c == ord("-") or 0x30 <= c <= 0x39:
            return self._number()
        if c == 0 or c == _EOF:
            return _TK_END
        self.error = "invalid literal"
        return _TK_ERROR

    def _skip_bom(self) -> bool:
        if self.get() == 0xEF:
            return self.get() == 0xBB and self.get() == 0xBF
        self.unget()
        return True

    def _literal(self, text: bytes, tok: int) -> int:
        for expected in text[1:]:
            if self.get() != expected:
                self.error = "invalid literal"
                return _TK_ERROR
        return tok

    def _hex4(self) -> int:
        v = 0
        for shift in (12, 8, 4, 0):
            c = self.get()
            if 0x30 <= c <= 0x39:
                v += (c - 0x30) << shift
            elif 0x41 <= c <= 0x46:
                v += (c - 0x37) << shift
            elif 0x61 <= c <= 0x66:
                v += (c - 0x57) << shift
            else:
                return -1
        return v

    def _string(self) -> int:
        self.reset()
        buf = self.buffer
        while True:
            c = self.get()
            if c == _EOF:
                self.error = "invalid string: missing closing quote"
                return _TK_ERROR
            if c == 0x22:
                return _TK_STRING
            if c == 0x5C:
                e = self.get()
                simple = _SIMPLE_ESCAPES.get(e)
                if simple is not None:
                    buf.append(simple)
                    continue
                if e != ord("u"):
                    self.error = "invalid string: forbidden character after backslash"
                    return _TK_ERROR
                cp = self._hex4()
                if cp == -1:
                    self.error = "invalid string: '\\u' must be followed by 4 hex digits"
                    return _TK_ERROR
                if 0xD800 <= cp <= 0xDBFF:
                    if not (self.get() == 0x5C and self.get() == ord("u")):
                        self.error = "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF"
                        return _TK_ERROR
                    lo = self._hex4()
                    if lo == -1:
                        self.error = "invalid string: '\\u' must be followed by 4 hex digits"
                        return _TK_ERROR
                    if not 0xDC00 <= lo <= 0xDFFF:
                        self.error = "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF"
                        return _TK_ERROR
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                elif 0xDC00 <= cp <= 0xDFFF:
                    self.error = "invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF"
                    return _TK_ERROR
                buf += chr(cp).encode("utf-8")
                continue
            if c < 0x20:
                self.error = (
                    f"invalid string: control character U+{c:04X} ({_CONTROL_NAMES[c]}) must be escaped to "
                    + _control_escape_hint(c)
                )
                return _TK_ERROR
            if c < 0x80:
                buf.append(c)
                continue
            follow = _UTF8_FOLLOW.get(c)
            if follow is None:
                self.error = "invalid string: ill-formed UTF-8 byte"
                return _TK_ERROR
            buf.append(c)
            for lo, hi in follow:
                n = self.get()
                if not lo <= n <= hi:
                    self.error = "invalid string: ill-formed UTF-8 byte"
                    return _TK_ERROR
                buf.append(n)

    def _number(self) -> int:
        self.reset()
        buf = self.buffer
        c = self.current
        kind = _TK_UNSIGNED
        buf.append(c)
        state = "zero" if c == 0x30 else "any1"
        if c == ord("-"):
            kind = _TK_INTEGER
            c = self.get()
            if c == 0x30:
                state = "zero"
            elif 0x31 <= c <= 0x39:
                state = "any1"
            else:
                self.error = "invalid number; expected digit after '-'"
                return _TK_ERROR
            buf.append(c)
        while True:
            c = self.get()
            is_digit = 0x30 <= c <= 0x39
            if state == "any1" and is_digit or state in ("decimal2", "any2") and is_digit:
                buf.append(c)
                continue
            if state in ("zero", "any1") and c == ord("."):
                buf.append(c)
                kind = _TK_FLOAT
                if not 0x30 <= self.get() <= 0x39:
                    self.error = "invalid number; expected digit after '.'"
                    return _TK_ERROR
                buf.append(self.current)
                state = "decimal2"
                continue
            if state in ("zero", "any1", "decimal2") and c in (ord("e"), ord("E")):
                buf.append(c)
                kind = _TK_FLOAT
                c = self.get()
                if c in (ord("+"), ord("-")):
                    buf.append(c)
                    if not 0x30 <= self.get() <= 0x39:
                        self.error = "invalid number; expected digit after exponent sign"
                        return _TK_ERROR
                elif not 0x30 <= c <= 0x39:
                    self.error = "invalid number; expected '+', '-', or digit after exponent"
                    return _TK_ERROR
                buf.append(self.current)
                state = "any2"
                continue
            break
        self.unget()
        text = buf.decode("ascii")
        if kind == _TK_UNSIGNED:
            n = int(text)
            if n <= 0xFFFFFFFFFFFFFFFF:
                self.number = n
                return _TK_UNSIGNED
        elif kind == _TK_INTEGER:
            n = int(text)
            if INT_MIN <= n <= INT_MAX:
                self.number = n
                return _TK_INTEGER
        self.number = float(text)
        return _TK_FLOAT


def _control_escape_hint(c: int) -> str:
    short = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}.get(c)
    if short is not None:
        return f"\\u{c:04X} or {short}"
    return f"\\u{c:04X}"


# --------------------------------------------------------------------------- reading: parser


class _Parser:
    """nlohmann's SAX-driving parser loop, building Nix values directly."""

    def __init__(self, data: bytes) -> None:
        self.lexer = _Lexer(data)
        self.last = self.lexer.scan()

    def next_token(self) -> int:
        self.last = self.lexer.scan()
        return self.last

    def fail(self, expected: int | None, context: str) -> NixError:
        lx = self.lexer
        msg = f"syntax error while parsing {context} - "
        if self.last == _TK_ERROR:
            msg += f"{lx.error}; last read: '{lx.last_read()}'"
        else:
            msg += f"unexpected {_TOKEN_NAMES[self.last]}"
        if expected is not None:
            msg += f"; expected {_TOKEN_NAMES[expected]}"
        return NixError(f"[json.exception.parse_error.101] parse error at {lx.position()}: {msg}", NO_POS)

    def parse(self) -> Any:
        result = self._value_loop()
        if self.next_token() != _TK_END:
            raise self.fail(_TK_END, "value")
        return result

    def _value_loop(self) -> Any:
        # Each open container: [is_array, container, pending key]
        stack: list[list[Any]] = []
        skip = False
        value: Any = None
        while True:
            if not skip:
                tok = self.last
                if tok == _TK_BEGIN_OBJECT:
                    if self.next_token() == _TK_END_OBJECT:
                        value = {}
                    else:
                        if self.last != _TK_STRING:
                            raise self.fail(_TK_STRING, "object key")
                        key = _nix_string(self.lexer.buffer)
                        if self.next_token() != _TK_NAME_SEP:
                            raise self.fail(_TK_NAME_SEP, "object separator")
                        stack.append([False, {}, key])
                        self.next_token()
                        continue
                elif tok == _TK_BEGIN_ARRAY:
                    if self.next_token() == _TK_END_ARRAY:
                        value = []
                    else:
                        stack.append([True, [], None])
                        continue
                elif tok == _TK_FLOAT:
                    f = self.lexer.number
                    if f != f or f in (float("inf"), float("-inf")):
                        raise NixError(
                            f"[json.exception.out_of_range.406] number overflow parsing '{self.lexer.last_read()}'",
                            NO_POS,
                        )
                    value = f
                elif tok == _TK_FALSE:
                    value = False
                elif tok == _TK_TRUE:
                    value = True
                elif tok == _TK_NULL:
                    value = None
                elif tok == _TK_INTEGER:
                    value = self.lexer.number
                elif tok == _TK_UNSIGNED:
                    n = self.lexer.number
                    if n > INT_MAX:  # current Nix refuses it (Nix 2.8 wrapped it into a signed int64)
                        raise NixError(f"unsigned json number {n} outside of Nix integer range", NO_POS)
                    value = n
                elif tok == _TK_STRING:
                    value = _nix_string(self.lexer.buffer)
                elif tok == _TK_ERROR:
                    raise self.fail(None, "value")
                else:
                    raise self.fail(_TK_LITERAL_OR_VALUE, "value")
                if not stack:
                    return value
                top = stack[-1]
                if top[0]:
                    top[1].append(value)
                else:
                    top[1][top[2]] = value
            else:
                skip = False
            if not stack:
                return value
            top = stack[-1]
            if top[0]:
                if self.next_token() == _TK_VALUE_SEP:
                    self.next_token()
                    continue
                if self.last == _TK_END_ARRAY:
                    value = stack.pop()[1]
                    if not stack:
                        return value
                    self._add(stack[-1], value)
                    skip = True
                    continue
                raise self.fail(_TK_END_ARRAY, "array")
            if self.next_token() == _TK_VALUE_SEP:
                if self.next_token() != _TK_STRING:
                    raise self.fail(_TK_STRING, "object key")
                top[2] = decode(bytes(self.lexer.buffer))
                if self.next_token() != _TK_NAME_SEP:
                    raise self.fail(_TK_NAME_SEP, "object separator")
                self.next_token()
                continue
            if self.last == _TK_END_OBJECT:
                value = stack.pop()[1]
                if not stack:
                    return value
                self._add(stack[-1], value)
                skip = True
                continue
            raise self.fail(_TK_END_OBJECT, "object")

    @staticmethod
    def _add(frame: list[Any], value: Any) -> None:
        if frame[0]:
            frame[1].append(value)
        else:
            frame[1][frame[2]] = value


def _nix_string(buf: bytearray) -> str:
    """Nix strings cannot hold NUL: current Nix refuses one (Nix 2.8 cut the string there)."""
    s = decode(bytes(buf))
    if "\0" in s:
        raise NixError(nul_refused(s), NO_POS)
    return s


def parse_json(s: str) -> Any:
    """Parse JSON text into a Nix value, raising Nix's (nlohmann's) error messages."""
    return _Parser(encode(s)).parse()


@primop("__fromJSON")
def prim_from_json(s: Any) -> Any:
    """``builtins.fromJSON``: the argument may not carry a string context."""
    return parse_json(force_string_no_ctx(s))
