"""Parsing Nix source into the AST: Lark's LALR parser fed by pydock's lexer.

The grammar lives in ``grammar/nix.lark``; tokens come from ``lexer.tokenize``.
Lark applies ``_Builder`` while it parses (no intermediate parse tree), which is
where Nix's parser actions live: attribute-path merging and duplicate checks,
indentation stripping of ``'' … ''`` strings, path resolution and formals checks.
The parser tables are cached on disk by Lark, so start-up stays fast.
"""

from __future__ import annotations

import os
import threading
from importlib import resources
from typing import TYPE_CHECKING, Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedInput, UnexpectedToken

from . import ast as A
from .errors import ParseError, Pos, Source, write_stderr
from .lexer import DISPLAY, TokenListLexer, tokenize
from .ops import canon_path
from .purity import home_path_refused
from .show import show_attr_path
from .warnings import warn

if TYPE_CHECKING:
    from .settings import EvalSettings

_parser: Lark | None = None
_parser_lock = threading.RLock()
_pending = threading.local()


class _Feed(TokenListLexer):
    def lex(self, *_ignored):
        for t in _pending.tokens:
            if t.type != "$END":
                yield t


def _get_parser() -> Lark:
    global _parser
    with _parser_lock:
        if _parser is None:
            grammar = resources.files("pydock.grammar").joinpath("nix.lark").read_text()
            cache_dir = os.path.join(
                os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pydock"
            )
            try:
                os.makedirs(cache_dir, exist_ok=True)
                cache: Any = os.path.join(cache_dir, "nix-lark-tables.pickle")
            except OSError:
                cache = False
            _parser = Lark(
                grammar, parser="lalr", lexer=_Feed, start="start", cache=cache, transformer=_BUILDER
            )
        return _parser


def build_parser() -> None:
    """Build the LALR parser now: a warm server builds it once, before it forks its children."""
    _get_parser()


def parse(source: Source, base_dir: str, settings: EvalSettings | None = None) -> A.Node:
    """Parse ``source``; relative paths in it resolve against ``base_dir``.

    ``settings`` carries the literal lints (``lint-url-literals`` …), which current Nix
    checks while parsing; without it every lint is off, as in Nix 2.8.
    """
    tokens = tokenize(source)
    parser = _get_parser()
    with _parser_lock:
        return _run_parser(parser, source, base_dir, tokens, settings)


def _run_parser(
    parser: Lark, source: Source, base_dir: str, tokens: list[Token], settings: EvalSettings | None = None
) -> A.Node:
    _BUILDER.src = source
    _BUILDER.cursed_or = {}
    _BUILDER.base_dir = base_dir
    _BUILDER.settings = settings
    _pending.tokens = tokens
    try:
        return parser.parse("")
    except UnexpectedToken as e:
        raise _syntax_error(source, e, tokens) from None
    except UnexpectedInput as e:  # pragma: no cover - lexer errors are raised earlier
        raise ParseError("syntax error", Pos(source, e.line, e.column)) from None
    finally:
        _pending.tokens = None


# Bison numbers tokens in this order and lists expected tokens in it.
_BISON_ORDER = [
    "$END", "ID", "STR", "IND_STR", "INT", "FLOAT", "PATH", "HPATH", "SPATH", "PATH_END", "URI",
    "IF", "THEN", "ELSE", "ASSERT", "WITH", "LET", "IN", "REC", "INHERIT", "EQ", "NEQ", "AND", "OR",
    "IMPL", "OR_KW", "DOLLAR_CURLY", "IND_STRING_OPEN", "IND_STRING_CLOSE", "ELLIPSIS",
    "LT", "GT", "LEQ", "GEQ", "UPDATE", "PLUS", "MINUS", "STAR", "SLASH", "CONCAT", "QMARK",
    "COLON", "LBRACE", "RBRACE", "AT", "SEMI", "BANG", "DOT", "DQUOTE", "LPAR", "RPAR",
    "LBRACK", "RBRACK", "ASSIGN", "COMMA",
]
_RANK = {name: i for i, name in enumerate(_BISON_ORDER)}
_ALIASES = {"FORMALS_LBRACE": "LBRACE", "IND_STR_LIT": "IND_STR"}
_NONASSOC = {"EQ": "op_eq", "NEQ": "op_eq", "LT": "op_cmp", "GT": "op_cmp", "LEQ": "op_cmp", "GEQ": "op_cmp"}


def _expected_like_bison(e: UnexpectedToken) -> list[str]:
    """The tokens Nix's bison parser would list as expected at this error.

    Bison performs a state's default reduction before noticing an error, so it
    reports the (smaller) set of tokens acceptable after those reductions. We
    replay the same reductions on a copy of Lark's LALR stack.
    """
    try:
        ps = e.interactive_parser.parser_state.copy()
    except Exception:  # noqa: BLE001 - fall back to Lark's own set
        return sorted(e.expected)
    states = ps.parse_conf.states
    stack = list(ps.state_stack)
    level = _NONASSOC.get(e.token.type)
    if level is not None:
        # `a == b == c`: yacc's %nonassoc puts an explicit error action here, which
        # bison reports without an "expecting" list
        for act, arg in states[stack[-1]].values():
            if str(act) == "Reduce" and arg.origin.name == level and len(arg.expansion) == 3:
                return []
    for _ in range(1000):
        actions = states[stack[-1]]
        reductions = [arg for act, arg in actions.values() if str(act) == "Reduce"]
        if not reductions:
            break
        rule = max(set(reductions), key=reductions.count)
        size = len(rule.expansion)
        if size:
            del stack[-size:]
        goto = states[stack[-1]].get(rule.origin.name)
        if goto is None:
            break
        stack.append(goto[1])
    actions = states[stack[-1]]
    expected = {_ALIASES.get(k, k) for k, (act, _arg) in actions.items() if k.isupper() or k == "$END"}
    if stack[-1] == ps.parse_conf.end_state or not expected:
        expected.add("$END")
    return sorted((x for x in expected if x in _RANK), key=_RANK.__getitem__)


def _syntax_error(source: Source, e: UnexpectedToken, tokens: list[Token]) -> ParseError:
    tok = e.token
    if tok.type == "$END":
        end = tokens[-1]
        pos = Pos(source, end.line, end.column)
        what = "end of file"
    else:
        pos = Pos(source, tok.line, tok.column)
        what = "invalid token" if tok.type == "CHAR_OTHER" else DISPLAY.get(tok.type, tok.type)
    msg = f"syntax error, unexpected {what}"
    expected = [DISPLAY.get(x, x) for x in _expected_like_bison(e)]
    if len(expected) <= 4 and expected:
        msg += ", expecting " + " or ".join(expected)
    return ParseError(msg, pos)


class _Builder(Transformer):
    """Parser actions: build AST nodes exactly as Nix's ``parser.y`` does."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.src: Source = Source("", "")
        self.base_dir = "/"
        self.settings: EvalSettings | None = None
        # `f or` calls not yet used (see _warn_if_cursed_or): id -> (call, end line, end column)
        self.cursed_or: dict[int, tuple[A.Call, int, int]] = {}

    # ------------------------------------------------------------ helpers
    def _pos(self, x: Any) -> Pos | None:
        if isinstance(x, Token):
            return Pos(self.src, x.line, x.column)
        if isinstance(x, A.Node):
            return x.start
        if isinstance(x, _Located):
            return x.start
        return None

    def _mk(self, node: A.Node, start: Any) -> A.Node:
        node.start = self._pos(start)
        return node

    def _err(self, msg: str, pos: Pos | None) -> ParseError:
        return ParseError(msg, pos)

    def _lint(self, setting: str, level: str, msg: str, pos: Pos | None) -> None:
        """Current Nix's literal lints: ``warn`` prints, ``fatal`` stops parsing; the
        message names the setting, as Nix's ``diagnose`` appends it."""
        if level == "ignore":
            return
        text = f"{msg} ({setting})"
        if level == "fatal":
            raise ParseError(text, pos)
        warn(text, pos)

    # ------------------------------------------------------------ top level
    def start(self, c):
        return c[0]

    # ------------------------------------------------------------ functions
    def lambda_simple(self, c):
        pos = self._pos(c[0])
        return self._mk(A.Lambda(str(c[0]), None, False, c[2], pos), c[0])

    def _lambda(self, arg: Token | None, formals: _Formals, body: A.Node, start: Any) -> A.Node:
        pos = self._pos(start)
        fs = sorted(formals.items, key=lambda f: (f.name, f.pos.line, f.pos.col))
        dup = None
        for a, b in zip(fs, fs[1:], strict=False):
            if a.name == b.name:
                cand = (b.name, b.pos.line, b.pos.col, b.pos)
                if dup is None or cand[:3] < dup[:3]:
                    dup = cand
        if dup is not None:
            raise self._err(f"duplicate formal function argument '{dup[0]}'", dup[3])
        if arg is not None and any(f.name == str(arg) for f in fs):
            raise self._err(f"duplicate formal function argument '{arg}'", pos)
        return self._mk(A.Lambda(str(arg) if arg is not None else None, fs, formals.ellipsis, body, pos), start)

    def lambda_formals(self, c):
        return self._lambda(None, c[1], c[4], c[0])

    def lambda_formals_at_after(self, c):
        return self._lambda(c[4], c[1], c[6], c[0])

    def lambda_formals_at_before(self, c):
        return self._lambda(c[0], c[3], c[6], c[0])

    def formals_add(self, c):
        f: _Formals = c[2]
        f.items.append(c[0])
        return f

    def formals_one(self, c):
        return _Formals([c[0]], False)

    def formals_empty(self, c):
        return _Formals([], False)

    def formals_ellipsis(self, c):
        return _Formals([], True)

    def formal_plain(self, c):
        return A.Formal(str(c[0]), None, self._pos(c[0]))

    def formal_default(self, c):
        return A.Formal(str(c[0]), c[2], self._pos(c[0]))

    # ------------------------------------------------------------ keywords
    def assert_(self, c):
        from .show import show

        return self._mk(A.Assert(c[1], c[3], self._pos(c[0]), show(c[1])), c[0])

    def with_(self, c):
        return self._mk(A.With(c[1], c[3], self._pos(c[0])), c[0])

    def let(self, c):
        binds: A.Attrs = c[1]
        self._place_inherited(binds, c[0])
        if binds.dynamic:
            raise self._err("dynamic attributes not allowed in let", self._pos(c[0]))
        return self._mk(A.Let(binds, c[3], self._pos(c[0])), c[0])

    def if_(self, c):
        return self._mk(A.If(c[1], c[3], c[5], self._pos(c[0])), c[0])

    # ------------------------------------------------------------ operators
    def _bin(self, op: str, c):
        return self._mk(A.BinOp(op, c[0], c[2], self._pos(c[0])), c[0])

    def impl(self, c):
        return self._bin("->", c)

    def or_(self, c):
        return self._bin("||", c)

    def and_(self, c):
        return self._bin("&&", c)

    def eq(self, c):
        return self._bin("==", c)

    def neq(self, c):
        return self._bin("!=", c)

    def lt(self, c):
        return self._bin("<", c)

    def gt(self, c):
        return self._bin(">", c)

    def leq(self, c):
        return self._bin("<=", c)

    def geq(self, c):
        return self._bin(">=", c)

    def update(self, c):
        return self._bin("//", c)

    def minus(self, c):
        return self._bin("-", c)

    def mul(self, c):
        return self._bin("*", c)

    def div(self, c):
        return self._bin("/", c)

    def concat(self, c):
        return self._bin("++", c)

    def plus(self, c):
        parts = [(self._pos(c[0]), c[0]), (self._pos(c[2]), c[2])]
        return self._mk(A.ConcatStrings(False, parts, self._pos(c[0])), c[0])

    def not_(self, c):
        return self._mk(A.Not(c[1], self._pos(c[0])), c[0])

    def negate(self, c):
        pos = self._pos(c[0])
        return self._mk(A.BinOp("-", A.Int(0), c[1], pos), c[0])

    def hasattr(self, c):
        return self._mk(A.HasAttr(c[0], c[2].items, self._pos(c[0])), c[0])

    # ------------------------------------------------------------ application, selection
    def apply(self, c):
        fn, arg = c
        self._warn_if_cursed_or(arg)
        self.cursed_or.pop(id(fn), None)
        if type(fn) is A.Call:  # Nix extends an existing call, even a parenthesised one
            fn.args.append(arg)
            return fn
        return self._mk(A.Call(fn, [arg], self._pos(fn)), fn)

    def select(self, c):
        return self._mk(A.Select(c[0], c[2].items, None, self._pos(c[0])), c[0])

    def select_or(self, c):
        self._warn_if_cursed_or(c[4])
        return self._mk(A.Select(c[0], c[2].items, c[4], self._pos(c[0])), c[0])

    def apply_or(self, c):
        pos = self._pos(c[0])
        call = self._mk(A.Call(c[0], [A.Var("or", self._pos(c[1]))], pos), c[0])
        or_kw: Token = c[1]
        self.cursed_or[id(call)] = (call, or_kw.line, or_kw.column + len(or_kw))
        return call

    def _warn_if_cursed_or(self, node: A.Node) -> None:
        """Current Nix warns where ``f or`` (a call of ``f`` on the variable ``or``) stands as
        an argument, a list element or an ``or`` default: there the planned reading of ``or``
        as a plain identifier would change its meaning (NixOS/nix#11118). Anywhere else the
        mark is dropped (``paren``, ``apply``), as Nix's ``resetCursedOr`` does."""
        mark = self.cursed_or.pop(id(node), None)
        if mark is None:
            return
        call, end_line, end_col = mark
        start = call.start
        if start is None:
            return
        lines = self.src.text.split("\n")[start.line - 1 : end_line]
        if len(lines) == 1:
            snippet = lines[0][start.col - 1 : end_col - 1]
        else:
            snippet = "\n".join([lines[0][start.col - 1 :], *lines[1:-1], lines[-1][: end_col - 1]])
        write_stderr(  # Nix's plain logger warning: no indentation, no code frame
            f"warning: at {start.location()}: This expression uses `or` as an identifier in a way that will change in a"
            " future Nix release.\nWrap this entire expression in parentheses to preserve its current meaning:\n"
            f"    ({snippet})\nGive feedback at https://github.com/NixOS/nix/pull/11121"
        )

    # ------------------------------------------------------------ simple expressions
    def var(self, c):
        name = str(c[0])
        pos = self._pos(c[0])
        if name == "__curPos":
            return self._mk(A.CurPos(pos), c[0])
        return self._mk(A.Var(name, pos), c[0])

    def int_(self, c):
        return self._mk(A.Int(int(c[0]), self._pos(c[0])), c[0])

    def float_(self, c):
        return self._mk(A.Float(float(c[0]), self._pos(c[0])), c[0])

    def string(self, c):
        node = c[1]
        node.start = self._pos(c[0])
        if type(node) is A.ConcatStrings:
            node.pos = node.start
        return node

    def parts_str(self, c):
        return A.Str(str(c[0]), self._pos(c[0]))

    def parts_interp(self, c):
        parts = c[0].items
        return A.ConcatStrings(True, parts, parts[0][0])

    def parts_empty(self, c):
        return A.Str("")

    def interp_first_expr(self, c):
        return _Parts([(self._pos(c[0]), c[1])], self._pos(c[0]))

    def interp_first_str(self, c):
        p0 = self._pos(c[0])
        return _Parts([(p0, A.Str(str(c[0]), p0)), (self._pos(c[1]), c[2])], p0)

    def interp_add_str(self, c):
        p = self._pos(c[1])
        c[0].items.append((p, A.Str(str(c[1]), p)))
        return c[0]

    def interp_add_expr(self, c):
        c[0].items.append((self._pos(c[1]), c[2]))
        return c[0]

    def path_start(self, c):
        t: Token = c[0]
        text = str(t)
        pos = self._pos(t)
        self._lint_path(t.type, text, pos)
        if t.type == "HPATH":
            if self.settings is not None and self.settings.pure_eval:
                raise home_path_refused(text)
            home = os.environ.get("HOME", "")
            path = home + text[1:]
        else:
            path = canon_path(text if text.startswith("/") else os.path.join(self.base_dir, text))
            if text.endswith("/") and len(text) > 1:
                path += "/"
        return self._mk(A.Path(path, pos), t)

    def _lint_path(self, kind: str, text: str, pos: Pos | None) -> None:
        st = self.settings
        if st is None:
            return
        if kind == "HPATH":
            what = "home"
        elif text.startswith("/"):
            what = "absolute"
        else:
            what = ""
        if what:
            self._lint(
                "lint-absolute-path-literals",
                st.lint_absolute_path_literals,
                f"{what} path literals are not portable. Consider replacing path literal '{text}'"
                " by a string, relative path, or parameter",
                pos,
            )
        elif not text.startswith("."):
            self._lint(
                "lint-short-path-literals",
                st.lint_short_path_literals,
                f"relative path literal '{text}' should be prefixed with '.' for clarity: './{text}'",
                pos,
            )

    def path(self, c):
        return c[0]

    def path_interp(self, c):
        first: A.Path = c[0]
        parts = [(first.start, first), *c[1].items]
        return self._mk(A.ConcatStrings(False, parts, first.start), first)

    def spath(self, c):
        pos = self._pos(c[0])
        name = str(c[0])[1:-1]
        node = A.Call(A.Var("__findFile", pos), [A.Var("__nixPath", pos), A.Str(name, pos)], pos)
        return self._mk(node, c[0])

    def uri(self, c):
        pos = self._pos(c[0])
        st = self.settings
        if st is not None:
            level = st.url_literal_level()
            if level == "fatal" and st.lint_url_literals == "ignore":  # Nix 2.8's no-url-literals
                raise ParseError("URL literals are disabled", pos)
            how = "disallowed" if level == "fatal" else "discouraged"
            self._lint(
                "lint-url-literals",
                level,
                f'URL literals are {how}. Consider using a string literal "{c[0]}" instead',
                pos,
            )
        return self._mk(A.Str(str(c[0]), pos), c[0])

    def paren(self, c):
        node = c[1]
        self.cursed_or.pop(id(node), None)
        node.start = self._pos(c[0])
        return node

    def legacy_let(self, c):
        attrs: A.Attrs = c[2]
        self._place_inherited(attrs, c[1])
        attrs.recursive = True
        return self._mk(A.Select(attrs, ["body"], None, None), c[0])

    def rec_attrs(self, c):
        attrs: A.Attrs = c[2]
        attrs.recursive = True
        attrs.start = self._pos(c[0])
        attrs.brace = self._pos(c[1])
        self._place_inherited(attrs, c[1])
        return attrs

    def attrs(self, c):
        attrs: A.Attrs = c[1]
        attrs.start = self._pos(c[0])
        attrs.brace = attrs.start
        self._place_inherited(attrs, c[0])
        return attrs

    def list_(self, c):
        return self._mk(A.List(c[1], self._pos(c[0])), c[0])

    def list_add(self, c):
        self._warn_if_cursed_or(c[1])
        c[0].append(c[1])
        return c[0]

    def list_empty(self, c):
        return []

    # ------------------------------------------------------------ indented strings
    def ind_string(self, c):
        node = _strip_indentation(c[1], self._pos(c[0]))
        node.start = self._pos(c[0])
        return node

    def ind_add_str(self, c):
        c[0].append((self._pos(c[1]), str(c[1]), True))
        return c[0]

    def ind_add_lit(self, c):
        c[0].append((self._pos(c[1]), str(c[1]), False))
        return c[0]

    def ind_add_expr(self, c):
        c[0].append((self._pos(c[1]), c[2], None))
        return c[0]

    def ind_empty(self, c):
        return []

    # ------------------------------------------------------------ bindings
    def binds_empty(self, c):
        return A.Attrs(None)

    def binds_attr(self, c):
        attrs: A.Attrs = c[0]
        path = c[1]
        self._add_attr(attrs, path.items, c[3], path.start)
        if attrs.pos is None:
            attrs.pos = path.start
        return attrs

    def binds_inherit(self, c):
        attrs: A.Attrs = c[0]
        names: _Names = c[2]
        # Nix records the position where the (empty) name list began: just after `inherit`
        kw: Token = c[1]
        pos = Pos(self.src, kw.line, kw.column + len("inherit"))
        for name, npos in names.items:
            if name in attrs.attrs:
                raise self._err(f"attribute '{name}' already defined at {_fmt_pos(attrs.attrs[name].pos)}", pos)
            attrs.attrs[name] = A.AttrDef(self._inherited(attrs, A.Var(name, npos)), pos, inherited=True, name_pos=npos)
        if attrs.pos is None:
            attrs.pos = self._pos(c[1])
        return attrs

    def binds_inherit_from(self, c):
        attrs: A.Attrs = c[0]
        src = c[3]
        names: _Names = c[5]
        rpar: Token = c[4]
        pos = Pos(self.src, rpar.line, rpar.column + 1)
        source = A.InheritFrom(src, getattr(src, "pos", None))  # evaluated once for all names
        for name, npos in names.items:
            if name in attrs.attrs:
                raise self._err(f"attribute '{name}' already defined at {_fmt_pos(attrs.attrs[name].pos)}", pos)
            select = A.Select(source, [name], None, npos)
            attrs.attrs[name] = A.AttrDef(self._inherited(attrs, select), pos, name_pos=npos)
        if attrs.pos is None:
            attrs.pos = self._pos(c[1])
        return attrs

    def _inherited(self, attrs: A.Attrs, node: A.Node) -> A.Node:
        """Nix 2.8 places an inherited variable or select where the bindings began (bison's
        location of the left-recursive `binds` rule, which starts with an empty rule): just after
        the opening `{`/`let` token, which the enclosing rule fills in."""
        attrs.unplaced.append(node)
        return node

    def _place_inherited(self, attrs: A.Attrs, opening: Token) -> None:
        after = Pos(self.src, opening.line, opening.column + len(opening))
        for node in attrs.unplaced:
            node.pos = after
        attrs.unplaced = []

    def inherit_names_empty(self, c):
        return _Names([], None)

    def inherit_names_attr(self, c):
        names: _Names = c[0]
        p = self._pos(c[1])
        if names.start is None:
            names.start = p
        names.items.append((str(c[1]), p))
        return names

    def inherit_names_string(self, c):
        names: _Names = c[0]
        node, start = c[1]
        if type(node) is not A.Str:
            raise self._err("dynamic attributes not allowed in inherit", start)
        if names.start is None:
            names.start = start
        names.items.append((node.value, start))
        return names

    def attr(self, c):
        return c[0]

    def string_attr_quoted(self, c):
        return (c[1], self._pos(c[0]))

    def string_attr_interp(self, c):
        return (c[1], self._pos(c[0]))

    def attrpath_first(self, c):
        return _AttrPath([str(c[0])], self._pos(c[0]))

    def attrpath_first_string(self, c):
        node, start = c[0]
        return _AttrPath([node.value if type(node) is A.Str else node], start)

    def attrpath_add(self, c):
        c[0].items.append(str(c[2]))
        return c[0]

    def attrpath_add_string(self, c):
        node, _ = c[2]
        c[0].items.append(node.value if type(node) is A.Str else node)
        return c[0]

    def _add_attr(self, attrs: A.Attrs, path: list, e: A.Node, pos: Pos | None) -> None:
        """Nix's ``addAttr``: insert ``a.b.c = e`` creating or merging nested sets."""
        for name in path[:-1]:
            if isinstance(name, str):
                d = attrs.attrs.get(name)
                if d is not None:
                    if not d.inherited and type(d.expr) is A.Attrs:
                        attrs = d.expr
                    else:
                        raise self._dup(path, pos, d.pos)
                else:
                    nested = A.Attrs(pos)
                    attrs.attrs[name] = A.AttrDef(nested, pos)
                    attrs = nested
            else:
                nested = A.Attrs(pos)
                attrs.dynamic.append(A.DynamicAttrDef(name, nested, pos))
                attrs = nested
        last = path[-1]
        if isinstance(last, str):
            d = attrs.attrs.get(last)
            if d is not None:
                if type(e) is A.Attrs and type(d.expr) is A.Attrs and not d.inherited:
                    target: A.Attrs = d.expr
                    for k, ad in e.attrs.items():
                        if k in target.attrs:
                            raise self._err(
                                f"attribute '{k}' already defined at {_fmt_pos(ad.pos)}",
                                target.attrs[k].pos,
                            )
                        target.attrs[k] = ad
                    # Nix 2.8 drops the merged set's dynamic attributes; keep them.
                    target.dynamic.extend(e.dynamic)
                else:
                    raise self._dup(path, pos, d.pos)
            else:
                attrs.attrs[last] = A.AttrDef(e, pos)
                if type(e) is A.Lambda and e.name is None:
                    e.name = last
        else:
            attrs.dynamic.append(A.DynamicAttrDef(last, e, pos))

    def _dup(self, path: list, pos: Pos | None, prev: Pos | None) -> ParseError:
        return self._err(f"attribute '{show_attr_path(path)}' already defined at {_fmt_pos(prev)}", pos)


_BUILDER = _Builder()


def _fmt_pos(pos: Pos | None) -> str:
    if pos is None:
        return "undefined position"
    return pos.lambda_location()


class _Located:
    __slots__ = ("start",)


class _Formals(_Located):
    __slots__ = ("items", "ellipsis")

    def __init__(self, items: list[A.Formal], ellipsis: bool) -> None:
        self.items = items
        self.ellipsis = ellipsis
        self.start = None


class _Parts(_Located):
    __slots__ = ("items",)

    def __init__(self, items: list, start: Pos | None) -> None:
        self.items = items
        self.start = start


class _Names(_Located):
    __slots__ = ("items",)

    def __init__(self, items: list, start: Pos | None) -> None:
        self.items = items
        self.start = start


class _AttrPath(_Located):
    __slots__ = ("items",)

    def __init__(self, items: list, start: Pos | None) -> None:
        self.items = items
        self.start = start


def _strip_indentation(parts: list[tuple[Pos | None, Any, bool | None]], pos: Pos | None) -> A.Node:
    """Nix's ``stripIndentation`` for ``'' … ''`` strings.

    ``parts`` holds ``(pos, text, True)`` for raw text, ``(pos, text, False)`` for
    escapes and ``(pos, expr, None)`` for interpolations.
    """
    if not parts:
        return A.Str("", pos)
    at_start = True
    min_indent = 1000000
    cur = 0
    for _, item, raw in parts:
        if raw is not True:
            if at_start:
                at_start = False
                min_indent = min(min_indent, cur)
            continue
        for ch in item:
            if at_start:
                if ch == " ":
                    cur += 1
                elif ch == "\n":
                    cur = 0
                else:
                    at_start = False
                    min_indent = min(min_indent, cur)
            elif ch == "\n":
                at_start = True
                cur = 0
    out: list[tuple[Pos | None, A.Node]] = []
    at_start = True
    dropped = 0
    n = len(parts)
    for ppos, item, raw in parts:
        if raw is None:
            at_start = False
            dropped = 0
            out.append((ppos, item))
        else:
            buf = []
            for ch in item:
                if at_start:
                    if ch == " ":
                        if dropped >= min_indent:
                            buf.append(ch)
                        dropped += 1
                    elif ch == "\n":
                        dropped = 0
                        buf.append(ch)
                    else:
                        at_start = False
                        dropped = 0
                        buf.append(ch)
                else:
                    buf.append(ch)
                    if ch == "\n":
                        at_start = True
            s2 = "".join(buf)
            if n == 1:
                p = s2.rfind("\n")
                if p != -1 and s2[p + 1 :].strip(" ") == "":
                    s2 = s2[: p + 1]
            out.append((ppos, A.Str(s2, ppos)))
        n -= 1
    if len(out) == 1 and type(out[0][1]) is A.Str:
        return out[0][1]
    return A.ConcatStrings(True, out, pos)
