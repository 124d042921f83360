"""``builtins.match`` and ``builtins.split``: POSIX extended regular expressions as Nix 2.8 runs them.

Nix hands the pattern to libstdc++'s ``std::regex`` in ``extended`` mode, and its behaviour differs from
both textbook POSIX and Python's ``re`` in ways that nixpkgs code can observe:

* the pattern is compiled by a recursive-descent parser with its own rules (``\\d`` or ``\\]`` are errors,
  ``[[.hyphen.]]`` is a collating symbol, ``a**`` is legal, at most 100000 NFA states);
* matching is a backtracking search over bytes (``.`` matches one byte, classes are ASCII-only) that
  tries alternatives left to right, but in ``regex_search`` (used by ``split``) it keeps exploring
  after a solution is found and keeps the *longest* one found, while greedy loops stop early once
  a solution exists;
* a loop whose body can match the empty string may iterate twice at the same position.

So this module parses the pattern the way libstdc++ does, builds the same NFA (which also gives the
same "memory limit exceeded" errors), and can run that NFA with the same depth-first strategy. For
speed, the pattern is also translated to a Python ``re`` pattern over bytes, which is used whenever
it provably finds the same match: always for ``match`` (the first full match in backtracking order is
what both engines report) and for ``split`` when the pattern has no alternation; patterns with a
loop over a possibly-empty body always use the NFA.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import NixError
from ..ops import decode, encode
from ..values import force_string, force_string_no_ctx
from .registry import primop

# --------------------------------------------------------------------------- errors

_STATE_LIMIT = 100000  # libstdc++'s _GLIBCXX_REGEX_STATE_LIMIT


class _BadRegex(Exception):
    """The pattern does not compile (any ``std::regex_error`` except ``error_space``)."""


class _RegexTooBig(Exception):
    """The NFA would exceed libstdc++'s state limit (``error_space``)."""


# --------------------------------------------------------------------------- character classes

_CTYPE: dict[str, frozenset[int]] = {}


def _init_ctype() -> None:
    """Byte sets of the C locale's ctype classes (what std::regex uses: nothing above 0x7f)."""
    ascii_ = range(128)
    digit = {c for c in ascii_ if 0x30 <= c <= 0x39}
    upper = {c for c in ascii_ if 0x41 <= c <= 0x5A}
    lower = {c for c in ascii_ if 0x61 <= c <= 0x7A}
    alpha = upper | lower
    alnum = alpha | digit
    space = {0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D}
    cntrl = set(range(32)) | {127}
    graph = set(range(33, 127))
    _CTYPE.update(
        {
            "d": frozenset(digit),
            "w": frozenset(alnum | {ord("_")}),
            "s": frozenset(space),
            "alnum": frozenset(alnum),
            "alpha": frozenset(alpha),
            "blank": frozenset({0x20, 0x09}),
            "cntrl": frozenset(cntrl),
            "digit": frozenset(digit),
            "graph": frozenset(graph),
            "lower": frozenset(lower),
            "print": frozenset(set(range(32, 127))),
            "punct": frozenset(graph - alnum),
            "space": frozenset(space),
            "upper": frozenset(upper),
            "xdigit": frozenset(digit | set(b"abcdefABCDEF")),
        }
    )


_init_ctype()

# Names accepted in [[.name.]] and [[=name=]]: the POSIX portable character set names, indexed by code.
_COLLATE_NAMES = (
    "NUL SOH STX ETX EOT ENQ ACK alert backspace tab newline vertical-tab form-feed carriage-return "
    "SO SI DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC IS4 IS3 IS2 IS1 space exclamation-mark "
    "quotation-mark number-sign dollar-sign percent-sign ampersand apostrophe left-parenthesis "
    "right-parenthesis asterisk plus-sign comma hyphen period slash zero one two three four five six "
    "seven eight nine colon semicolon less-than-sign equals-sign greater-than-sign question-mark "
    "commercial-at A B C D E F G H I J K L M N O P Q R S T U V W X Y Z left-square-bracket backslash "
    "right-square-bracket circumflex underscore grave-accent a b c d e f g h i j k l m n o p q r s t u "
    "v w x y z left-curly-bracket vertical-line right-curly-bracket tilde DEL"
).split()
_COLLATE: dict[bytes, int] = {name.encode(): code for code, name in enumerate(_COLLATE_NAMES)}


def _signed(b: int) -> int:
    """A byte as x86's signed ``char`` (ranges in brackets compare these)."""
    return b - 256 if b >= 128 else b


def _tolower(b: int) -> int:
    return b + 32 if 0x41 <= b <= 0x5A else b


class _Bracket:
    """A bracket expression being built, reduced to the set of bytes it matches."""

    def __init__(self, negated: bool) -> None:
        self.negated = negated
        self.chars: set[int] = set()
        self.ranges: list[tuple[int, int]] = []
        self.classes: set[int] = set()
        self.equiv: set[int] = set()

    def add_char(self, c: int) -> None:
        self.chars.add(c)

    def add_range(self, lo: int, hi: int) -> None:
        if _signed(lo) > _signed(hi):
            raise _BadRegex("range out of order")
        self.ranges.append((_signed(lo), _signed(hi)))

    def add_class(self, name: bytes) -> None:
        members = _CTYPE.get(name.lower().decode("latin-1"))
        if members is None:
            raise _BadRegex("unknown character class")
        self.classes |= members

    def add_collate(self, name: bytes) -> int:
        code = _COLLATE.get(name)
        if code is None:
            raise _BadRegex("unknown collating element")
        self.chars.add(code)
        return code

    def add_equivalence(self, name: bytes) -> None:
        code = _COLLATE.get(name)
        if code is None:
            raise _BadRegex("unknown collating element")
        self.equiv.add(_tolower(code))

    def members(self) -> frozenset[int]:
        out = set()
        for b in range(256):
            hit = (
                b in self.chars
                or b in self.classes
                or _tolower(b) in self.equiv
                or any(lo <= _signed(b) <= hi for lo, hi in self.ranges)
            )
            if hit != self.negated:
                out.add(b)
        return frozenset(out)


# --------------------------------------------------------------------------- NFA

(
    _OP_MATCH,
    _OP_REPEAT,
    _OP_ALT,
    _OP_SUB_BEGIN,
    _OP_SUB_END,
    _OP_LINE_BEGIN,
    _OP_LINE_END,
    _OP_DUMMY,
    _OP_ACCEPT,
) = range(9)


class _NFA:
    """States in libstdc++'s layout: an opcode, ``next``, ``alt`` and an argument per state."""

    def __init__(self) -> None:
        self.op: list[int] = []
        self.nxt: list[int] = []
        self.alt: list[int] = []
        self.arg: list[Any] = []
        self.nsub = 0
        self.open_subs: list[int] = []

    def insert(self, op: int, nxt: int = -1, alt: int = -1, arg: Any = None) -> int:
        self.op.append(op)
        self.nxt.append(nxt)
        self.alt.append(alt)
        self.arg.append(arg)
        if len(self.op) > _STATE_LIMIT:
            raise _RegexTooBig()
        return len(self.op) - 1

    def sub_begin(self) -> int:
        n = self.nsub
        self.nsub += 1
        self.open_subs.append(n)
        return self.insert(_OP_SUB_BEGIN, arg=n)

    def sub_end(self) -> int:
        return self.insert(_OP_SUB_END, arg=self.open_subs.pop())

    def clone(self, start: int, end: int) -> tuple[int, int]:
        """Copy the states reachable from ``start`` (not following ``next`` past ``end``)."""
        mapping: dict[int, int] = {}
        todo = [start]
        while todo:
            u = todo.pop()
            new = self.insert(self.op[u], self.nxt[u], self.alt[u], self.arg[u])
            mapping[u] = new
            op = self.op[u]
            a = self.alt[u]
            if (op == _OP_REPEAT or op == _OP_ALT) and a != -1 and a not in mapping:
                todo.append(a)
            if u == end:
                continue
            n = self.nxt[u]
            if n != -1 and n not in mapping:
                todo.append(n)
        for new in mapping.values():
            if self.nxt[new] != -1:
                self.nxt[new] = mapping[self.nxt[new]]
            if self.op[new] in (_OP_REPEAT, _OP_ALT) and self.alt[new] != -1:
                self.alt[new] = mapping[self.alt[new]]
        return mapping[start], mapping[end]

    def eliminate_dummies(self) -> None:
        op, nxt, alt = self.op, self.nxt, self.alt
        for i in range(len(op)):
            while nxt[i] >= 0 and op[nxt[i]] == _OP_DUMMY:
                nxt[i] = nxt[nxt[i]]
            if op[i] in (_OP_REPEAT, _OP_ALT):
                while alt[i] >= 0 and op[alt[i]] == _OP_DUMMY:
                    alt[i] = nxt[alt[i]]


class _Frag:
    """A compiled piece: its NFA sequence, the equivalent Python pattern and whether it can be empty."""

    __slots__ = ("start", "end", "py", "nullable")

    def __init__(self, start: int, end: int, py: str, nullable: bool) -> None:
        self.start = start
        self.end = end
        self.py = py
        self.nullable = nullable


def _py_byte(b: int) -> str:
    return f"\\x{b:02x}"


def _py_set(members: frozenset[int]) -> str:
    if not members:
        return "(?!)"
    if len(members) == 1:
        return _py_byte(next(iter(members)))
    parts = []
    run_start = prev = None
    for b in sorted(members):
        if prev is not None and b == prev + 1:
            prev = b
            continue
        if run_start is not None:
            parts.append(_py_byte(run_start) if run_start == prev else f"{_py_byte(run_start)}-{_py_byte(prev)}")
        run_start = prev = b
    parts.append(_py_byte(run_start) if run_start == prev else f"{_py_byte(run_start)}-{_py_byte(prev)}")
    return "[" + "".join(parts) + "]"


# --------------------------------------------------------------------------- scanner

_SPECIAL = b".[\\()*+?{|^$"

(
    _T_EOF,
    _T_ORD,
    _T_ANY,
    _T_LINE_BEGIN,
    _T_LINE_END,
    _T_STAR,
    _T_PLUS,
    _T_OPT,
    _T_OR,
    _T_SUB_BEGIN,
    _T_SUB_END,
    _T_BRACKET_BEGIN,
    _T_BRACKET_NEG_BEGIN,
    _T_BRACKET_END,
    _T_DASH,
    _T_COLLSYM,
    _T_CLASS,
    _T_EQUIV,
    _T_INTERVAL_BEGIN,
    _T_INTERVAL_END,
    _T_COUNT,
    _T_COMMA,
) = range(22)

_SIMPLE_TOKENS = {
    ord("^"): _T_LINE_BEGIN,
    ord("$"): _T_LINE_END,
    ord("."): _T_ANY,
    ord("*"): _T_STAR,
    ord("+"): _T_PLUS,
    ord("?"): _T_OPT,
    ord("|"): _T_OR,
}


class _Scanner:
    """Tokens of an extended regex with one token of look-ahead, as libstdc++ scans them.

    Scanning is stateful (inside ``[...]`` and ``{...}`` other rules apply) and errors in the
    look-ahead token surface when the previous token is consumed, exactly like the original.
    """

    def __init__(self, pat: bytes) -> None:
        self.pat = pat
        self.pos = 0
        self.mode = 0  # 0 normal, 1 bracket, 2 brace
        self.bracket_start = False
        self.token = _T_EOF
        self.value = b""
        self.advance()

    def advance(self) -> None:
        if self.pos == len(self.pat):
            self.token = _T_EOF
            return
        if self.mode == 0:
            self._scan_normal()
        elif self.mode == 1:
            self._scan_bracket()
        else:
            self._scan_brace()

    def _scan_normal(self) -> None:
        pat = self.pat
        c = pat[self.pos]
        self.pos += 1
        if c not in _SPECIAL and c != 0:
            self.token, self.value = _T_ORD, bytes((c,))
            return
        if c == 0x5C:  # backslash: only special characters may be escaped
            if self.pos == len(pat):
                raise _BadRegex("trailing backslash")
            e = pat[self.pos]
            if e == 0 or e not in _SPECIAL:
                raise _BadRegex("invalid escape")
            self.pos += 1
            self.token, self.value = _T_ORD, bytes((e,))
            return
        if c == 0x28:
            self.token = _T_SUB_BEGIN
        elif c == 0x29:
            self.token = _T_SUB_END
        elif c == 0x5B:
            self.mode = 1
            self.bracket_start = True
            if self.pos < len(pat) and pat[self.pos] == 0x5E:
                self.token = _T_BRACKET_NEG_BEGIN
                self.pos += 1
            else:
                self.token = _T_BRACKET_BEGIN
        elif c == 0x7B:
            self.mode = 2
            self.token = _T_INTERVAL_BEGIN
        elif c == 0:
            raise _BadRegex("NUL in pattern")
        else:
            self.token = _SIMPLE_TOKENS[c]

    def _scan_bracket(self) -> None:
        pat = self.pat
        c = pat[self.pos]
        self.pos += 1
        if c == 0x2D:
            self.token = _T_DASH
        elif c == 0x5B:
            if self.pos == len(pat):
                raise _BadRegex("incomplete [[")
            k = pat[self.pos]
            if k in b".:=":
                self.pos += 1
                self.token = {0x2E: _T_COLLSYM, 0x3A: _T_CLASS, 0x3D: _T_EQUIV}[k]
                self._eat_class(k)
            else:
                self.token, self.value = _T_ORD, b"["
        elif c == 0x5D and not self.bracket_start:
            self.token = _T_BRACKET_END
            self.mode = 0
        else:  # a backslash is an ordinary character inside brackets in POSIX
            self.token, self.value = _T_ORD, bytes((c,))
        self.bracket_start = False

    def _eat_class(self, delim: int) -> None:
        pat = self.pat
        start = self.pos
        while self.pos < len(pat) and pat[self.pos] != delim:
            self.pos += 1
        self.value = pat[start : self.pos]
        if self.pos == len(pat):
            raise _BadRegex("unterminated class")
        self.pos += 1
        if self.pos == len(pat) or pat[self.pos] != 0x5D:
            raise _BadRegex("unterminated class")
        self.pos += 1

    def _scan_brace(self) -> None:
        pat = self.pat
        c = pat[self.pos]
        self.pos += 1
        if 0x30 <= c <= 0x39:
            start = self.pos - 1
            while self.pos < len(pat) and 0x30 <= pat[self.pos] <= 0x39:
                self.pos += 1
            self.token, self.value = _T_COUNT, pat[start : self.pos]
        elif c == 0x2C:
            self.token = _T_COMMA
        elif c == 0x7D:
            self.mode = 0
            self.token = _T_INTERVAL_END
        else:
            raise _BadRegex("bad brace")


def _count_value(digits: bytes) -> int:
    """The repeat count as libstdc++ computes it: accumulated in a ``long``, returned as ``int``."""
    v = 0
    for d in digits:
        v = (v * 10 + d - 0x30) & 0xFFFFFFFFFFFFFFFF
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


# --------------------------------------------------------------------------- compiler


class _Program:
    """A compiled pattern: the NFA, the Python equivalent, and which engine each builtin may use."""

    def __init__(self, nfa: _NFA, start: int, py: str, loop_over_empty: bool, has_alt: bool) -> None:
        self.op = nfa.op
        self.nxt = nfa.nxt
        self.alt = nfa.alt
        self.arg = nfa.arg
        self.nsub = nfa.nsub
        self.start = start
        self.py: re.Pattern[bytes] | None
        try:
            self.py = re.compile(py.encode("ascii"), re.DOTALL)
        except (re.error, RecursionError, OverflowError):
            self.py = None
        self.py_for_match = self.py is not None and not loop_over_empty
        self.py_for_split = self.py_for_match and not has_alt


class _Compiler:
    """Recursive descent over the token stream, mirroring libstdc++'s ``_Compiler`` for ``extended``."""

    def __init__(self, pat: bytes) -> None:
        self.scan = _Scanner(pat)
        self.nfa = _NFA()
        self.stack: list[_Frag] = []
        self.value = b""
        self.loop_over_empty = False
        self.has_alt = False

    def compile(self) -> _Program:
        nfa = self.nfa
        start = nfa.sub_begin()
        self._disjunction()
        if not self._accept(_T_EOF):
            raise _BadRegex("unbalanced parenthesis")
        body = self.stack.pop()
        nfa.nxt[start] = body.start
        end = nfa.sub_end()
        nfa.nxt[body.end] = end
        acc = nfa.insert(_OP_ACCEPT)
        nfa.nxt[end] = acc
        nfa.eliminate_dummies()
        return _Program(nfa, start, body.py, self.loop_over_empty, self.has_alt)

    # -- helpers

    def _accept(self, token: int) -> bool:
        if self.scan.token == token:
            self.value = self.scan.value
            self.scan.advance()
            return True
        return False

    def _link(self, a: _Frag, state: int) -> None:
        self.nfa.nxt[a.end] = state

    def _single(self, op: int, py: str, nullable: bool, arg: Any = None) -> _Frag:
        s = self.nfa.insert(op, arg=arg)
        return _Frag(s, s, py, nullable)

    # -- grammar

    def _disjunction(self) -> None:
        self._alternative()
        branches: list[str] = []
        while self._accept(_T_OR):
            self.has_alt = True
            left = self.stack.pop()
            if not branches:
                branches.append(left.py)
            self._alternative()
            right = self.stack.pop()
            branches.append(right.py)
            end = self.nfa.insert(_OP_DUMMY)
            self._link(left, end)
            self._link(right, end)
            node = self.nfa.insert(_OP_ALT, nxt=right.start, alt=left.start)
            # ((a|b)|c) tries a, b, c in this order, so the Python side can stay flat: (?:a|b|c)
            py = "(?:" + "|".join(branches) + ")"
            self.stack.append(_Frag(node, end, py, left.nullable or right.nullable))

    def _alternative(self) -> None:
        terms: list[_Frag] = []
        while self._term():
            terms.append(self.stack.pop())
        dummy = self._single(_OP_DUMMY, "", True)
        if not terms:
            self.stack.append(dummy)
            return
        for a, b in zip(terms, terms[1:], strict=False):
            self._link(a, b.start)
        self._link(terms[-1], dummy.start)
        self.stack.append(
            _Frag(
                terms[0].start,
                dummy.end,
                "".join(t.py for t in terms),
                all(t.nullable for t in terms),
            )
        )

    def _term(self) -> bool:
        if self._accept(_T_LINE_BEGIN):
            self.stack.append(self._single(_OP_LINE_BEGIN, r"\A", True))
            return True
        if self._accept(_T_LINE_END):
            self.stack.append(self._single(_OP_LINE_END, r"\Z", True))
            return True
        if self._atom():
            while self._quantifier():
                pass
            return True
        return False

    def _atom(self) -> bool:
        if self._accept(_T_ANY):
            members = frozenset(range(1, 256))
            self.stack.append(self._single(_OP_MATCH, "[^\\x00]", False, members))
        elif self._accept(_T_ORD):
            c = self.value[0]
            self.stack.append(self._single(_OP_MATCH, _py_byte(c), False, frozenset((c,))))
        elif self._accept(_T_SUB_BEGIN):
            begin = self.nfa.sub_begin()
            self._disjunction()
            if not self._accept(_T_SUB_END):
                raise _BadRegex("unbalanced parenthesis")
            inner = self.stack.pop()
            self.nfa.nxt[begin] = inner.start
            end = self.nfa.sub_end()
            self._link(inner, end)
            self.stack.append(_Frag(begin, end, f"({inner.py})", inner.nullable))
        elif self._accept(_T_BRACKET_NEG_BEGIN):
            self._bracket(True)
        elif self._accept(_T_BRACKET_BEGIN):
            self._bracket(False)
        else:
            return False
        return True

    def _bracket(self, negated: bool) -> None:
        m = _Bracket(negated)
        # last: None (nothing pending), an int (a pending single character), or "class"
        last: int | str | None = None
        if self._accept(_T_ORD):
            last = self.value[0]
        elif self._accept(_T_DASH):
            last = 0x2D
        while True:
            more, last = self._bracket_term(m, last)
            if not more:
                break
        if isinstance(last, int):
            m.add_char(last)
        members = m.members()
        self.stack.append(self._single(_OP_MATCH, _py_set(members), False, members))

    def _bracket_term(self, m: _Bracket, last: int | str | None) -> tuple[bool, int | str | None]:
        if self._accept(_T_BRACKET_END):
            return False, last

        def flush() -> None:
            if isinstance(last, int):
                m.add_char(last)

        if self._accept(_T_COLLSYM):
            code = m.add_collate(self.value)
            flush()
            return True, code
        if self._accept(_T_EQUIV):
            flush()
            m.add_equivalence(self.value)
            return True, "class"
        if self._accept(_T_CLASS):
            flush()
            m.add_class(self.value)
            return True, "class"
        if self._accept(_T_ORD):
            flush()
            return True, self.value[0]
        if self._accept(_T_DASH):
            if self._accept(_T_BRACKET_END):
                flush()
                m.add_char(0x2D)
                return False, None
            if last == "class" or last is None:
                raise _BadRegex("invalid range")
            if self._accept(_T_ORD):
                m.add_range(last, self.value[0])
                return True, None
            if self._accept(_T_DASH):
                m.add_range(last, 0x2D)
                return True, None
            raise _BadRegex("invalid range end")
        raise _BadRegex("unexpected character in bracket")

    def _quantifier(self) -> bool:
        nfa = self.nfa
        if self._accept(_T_STAR):
            e = self.stack.pop()
            self.loop_over_empty |= e.nullable
            rep = nfa.insert(_OP_REPEAT, alt=e.start)
            self._link(e, rep)
            self.stack.append(_Frag(rep, rep, f"(?:{e.py})*", True))
        elif self._accept(_T_PLUS):
            e = self.stack.pop()
            self.loop_over_empty |= e.nullable
            rep = nfa.insert(_OP_REPEAT, alt=e.start)
            self._link(e, rep)
            self.stack.append(_Frag(e.start, rep, f"(?:{e.py})+", e.nullable))
        elif self._accept(_T_OPT):
            e = self.stack.pop()
            self.loop_over_empty |= e.nullable
            end = nfa.insert(_OP_DUMMY)
            rep = nfa.insert(_OP_REPEAT, alt=e.start)
            self._link(e, end)
            nfa.nxt[rep] = end
            self.stack.append(_Frag(rep, end, f"(?:{e.py})?", True))
        elif self._accept(_T_INTERVAL_BEGIN):
            self._interval()
        else:
            return False
        return True

    def _interval(self) -> None:
        nfa = self.nfa
        if not self._accept(_T_COUNT):
            raise _BadRegex("bad brace")
        r = self.stack.pop()
        head = nfa.insert(_OP_DUMMY)
        tail = head
        lo = _count_value(self.value)
        infinite = False
        extra = 0
        if self._accept(_T_COMMA):
            if self._accept(_T_COUNT):
                extra = _count_value(self.value) - lo
            else:
                infinite = True
        if not self._accept(_T_INTERVAL_END):
            raise _BadRegex("bad brace")

        def append(start: int, end: int) -> None:
            nonlocal tail
            nfa.nxt[tail] = start
            tail = end

        for _ in range(lo):
            append(*nfa.clone(r.start, r.end))
        if infinite:
            s, e = nfa.clone(r.start, r.end)
            rep = nfa.insert(_OP_REPEAT, alt=s)
            nfa.nxt[e] = rep
            append(rep, rep)
            self.loop_over_empty |= r.nullable
            py = f"(?:{r.py}){{{max(lo, 0)},}}"
        else:
            if extra < 0:
                raise _BadRegex("bad brace")
            end = nfa.insert(_OP_DUMMY)
            reps = []
            for _ in range(extra):
                s, e = nfa.clone(r.start, r.end)
                rep = nfa.insert(_OP_REPEAT, nxt=s, alt=end)
                reps.append(rep)
                append(rep, e)
            append(end, end)
            for rep in reps:  # "one more" must be the preferred branch
                nfa.nxt[rep], nfa.alt[rep] = nfa.alt[rep], nfa.nxt[rep]
            if extra:
                self.loop_over_empty |= r.nullable
            lo_ = max(lo, 0)
            py = f"(?:{r.py}){{{lo_}}}" if extra == 0 else f"(?:{r.py}){{{lo_},{lo_ + extra}}}"
        self.stack.append(_Frag(head, tail, py, lo <= 0 or r.nullable))


# --------------------------------------------------------------------------- executor

(_K_VISIT, _K_SETPOS, _K_SUB_FIRST, _K_SUB_END, _K_ALT_RHS, _K_ALT_OR, _K_REP_NEXT, _K_REP_RESTORE) = range(8)

_Captures = list[tuple[int, int] | None]


class _Executor:
    """libstdc++'s depth-first executor (POSIX flavour), with an explicit stack instead of recursion."""

    def __init__(self, prog: _Program, data: bytes) -> None:
        self.prog = prog
        self.data = data
        n = len(prog.op)
        self.rep_pos = [-1] * n
        self.rep_cnt = [0] * n

    def run(self, begin: int, exact: bool, not_null: bool, prev_avail: bool) -> _Captures | None:
        """One attempt anchored at ``begin``; the captures of the solution kept, or None."""
        prog = self.prog
        data = self.data
        end = len(data)
        op, nxt, alt, arg = prog.op, prog.nxt, prog.alt, prog.arg
        rep_pos, rep_cnt = self.rep_pos, self.rep_cnt
        nsub = prog.nsub
        first = [-1] * nsub
        second = [-1] * nsub
        matched = [False] * nsub
        has_sol = False
        sol_pos = -1
        result: _Captures | None = None
        cur = begin
        stack: list[tuple] = [(_K_VISIT, prog.start)]
        pop = stack.pop
        push = stack.append
        while stack:
            item = pop()
            kind = item[0]
            if kind == _K_VISIT:
                i = item[1]
                o = op[i]
                if o == _OP_MATCH:
                    if cur < end and data[cur] in arg[i]:
                        push((_K_SETPOS, cur))
                        cur += 1
                        push((_K_VISIT, nxt[i]))
                elif o == _OP_REPEAT:
                    push((_K_REP_NEXT, i))
                    cnt = rep_cnt[i]
                    if cnt == 0 or rep_pos[i] != cur:
                        push((_K_REP_RESTORE, i, rep_pos[i], cnt))
                        rep_pos[i] = cur
                        rep_cnt[i] = 1
                        push((_K_VISIT, alt[i]))
                    elif cnt < 2:
                        push((_K_REP_RESTORE, i, rep_pos[i], cnt))
                        rep_cnt[i] = cnt + 1
                        push((_K_VISIT, alt[i]))
                elif o == _OP_SUB_BEGIN:
                    n = arg[i]
                    push((_K_SUB_FIRST, n, first[n]))
                    first[n] = cur
                    push((_K_VISIT, nxt[i]))
                elif o == _OP_SUB_END:
                    n = arg[i]
                    push((_K_SUB_END, n, second[n], matched[n]))
                    second[n] = cur
                    matched[n] = True
                    push((_K_VISIT, nxt[i]))
                elif o == _OP_ALT:
                    push((_K_ALT_RHS, i))
                    push((_K_VISIT, alt[i]))
                elif o == _OP_LINE_BEGIN:
                    if cur == begin and not prev_avail:
                        push((_K_VISIT, nxt[i]))
                elif o == _OP_LINE_END:
                    if cur == end:
                        push((_K_VISIT, nxt[i]))
                elif o == _OP_ACCEPT:
                    has_sol = cur == end if exact else True
                    if cur == begin and not_null:
                        has_sol = False
                    if has_sol and (sol_pos < 0 or sol_pos < cur):
                        sol_pos = cur
                        result = [(first[k], second[k]) if matched[k] else None for k in range(nsub)]
                else:  # dummy states only survive at the very end of some sequences
                    push((_K_VISIT, nxt[i]))
            elif kind == _K_SETPOS:
                cur = item[1]
            elif kind == _K_SUB_FIRST:
                first[item[1]] = item[2]
            elif kind == _K_SUB_END:
                second[item[1]] = item[2]
                matched[item[1]] = item[3]
            elif kind == _K_ALT_RHS:
                push((_K_ALT_OR, has_sol))
                has_sol = False
                push((_K_VISIT, nxt[item[1]]))
            elif kind == _K_ALT_OR:
                has_sol = has_sol or item[1]
            elif kind == _K_REP_NEXT:
                if not has_sol:
                    push((_K_VISIT, nxt[item[1]]))
            else:  # _K_REP_RESTORE
                rep_pos[item[1]] = item[2]
                rep_cnt[item[1]] = item[3]
        return result if has_sol else None

    def search(self, start: int, not_null: bool, continuous: bool, prev_avail: bool) -> _Captures | None:
        """``regex_search`` from ``start``: the first start position that has a solution."""
        r = self.run(start, False, not_null, prev_avail)
        if r is not None or continuous:
            return r
        end = len(self.data)
        begin = start
        while begin != end:
            begin += 1
            r = self.run(begin, False, not_null, True)
            if r is not None:
                return r
        return None

    def iterate(self) -> list[_Captures]:
        """All matches as ``std::cregex_iterator`` enumerates them (empty matches included)."""
        out: list[_Captures] = []
        prev_avail = False
        m = self.search(0, False, False, False)
        end = len(self.data)
        while m is not None:
            out.append(m)
            s0, e0 = m[0]  # type: ignore[misc]
            start = e0
            if s0 == e0:
                if start == end:
                    break
                again = self.search(start, True, True, prev_avail)
                if again is not None:
                    m = again
                    continue
                start += 1
            prev_avail = True
            m = self.search(start, False, False, True)
        return out


# --------------------------------------------------------------------------- front end

_CACHE: dict[str, _Program] = {}


def compile_regex(pattern: str) -> _Program:
    """The compiled form of a Nix regex, cached (nixpkgs reuses a few patterns many times)."""
    prog = _CACHE.get(pattern)
    if prog is not None:
        return prog
    try:
        prog = _Compiler(encode(pattern)).compile()
    except _RegexTooBig:
        raise NixError(f"memory limit exceeded by regular expression '{pattern}'") from None
    except (_BadRegex, RecursionError):
        raise NixError(f"invalid regular expression '{pattern}'") from None
    _CACHE[pattern] = prog
    return prog


def _groups(data: bytes, caps: _Captures) -> list[Any]:
    return [None if c is None else decode(data[c[0] : c[1]]) for c in caps[1:]]


def regex_match(prog: _Program, s: str) -> list[Any] | None:
    """The capture groups if the regex matches all of ``s`` (unmatched groups are None), else None."""
    data = encode(s)
    if prog.py_for_match:
        m = prog.py.fullmatch(data)  # type: ignore[union-attr]
        if m is None:
            return None
        return [None if g is None else decode(g) for g in m.groups()]
    caps = _Executor(prog, data).run(0, True, False, False)
    if caps is None:
        return None
    return _groups(data, caps)


def regex_split(prog: _Program, s: str) -> list[Any] | None:
    """Non-matching pieces interleaved with lists of captures; None when nothing matches."""
    data = encode(s)
    out: list[Any] = []
    prev_end = 0
    if prog.py_for_split:
        for m in prog.py.finditer(data):  # type: ignore[union-attr]
            out.append(decode(data[prev_end : m.start()]))
            out.append([None if g is None else decode(g) for g in m.groups()])
            prev_end = m.end()
    else:
        for caps in _Executor(prog, data).iterate():
            s0, e0 = caps[0]  # type: ignore[misc]
            out.append(decode(data[prev_end:s0]))
            out.append(_groups(data, caps))
            prev_end = e0
    if not out:
        return None
    out.append(decode(data[prev_end:]))
    return out


@primop("__match")
def prim_match(regex: Any, s: Any) -> Any:
    """``builtins.match regex str``: the regex is checked before the string is forced, like Nix."""
    prog = compile_regex(force_string_no_ctx(regex))
    return regex_match(prog, force_string(s))


@primop("__split")
def prim_split(regex: Any, s: Any) -> Any:
    """``builtins.split regex str``: pieces lose their context, except the unsplit string itself."""
    prog = compile_regex(force_string_no_ctx(regex))
    string = force_string(s)
    parts = regex_split(prog, string)
    if parts is None:
        return [string]
    return parts
