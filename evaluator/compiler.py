"""Compiling the AST into Python closures, with scopes resolved up front.

Each expression becomes a function ``code(env) -> value`` returning weak head
normal form. Environments are Python lists ``[parent, slot1, slot2, …]``;
variables bound by ``let``, ``rec``, lambdas and formals are resolved at compile
time to a (depth, slot) pair, so evaluation never looks names up in dictionaries.
Only variables that can come from a ``with`` are looked up dynamically, innermost
``with`` first, after every static binding (Nix's rule: ``let`` beats ``with``).

Lazy positions (list items, attribute values, arguments, bindings) use
``delayed(node)`` which avoids allocating a thunk for constants, variables and
lambdas. Undefined variables are reported at compile time, as Nix does.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from functools import partial
from typing import Any

from . import ast as A
from . import fused
from .errors import NO_POS, AssertionFailed, NixError, Pos, TraceSettings
from .integers import INT_MAX, INT_MIN
from .ops import PathCopier, canon_path, coerce_to_string, less_than, values_equal
from .values import (
    BLACKHOLE,
    CALL_DEPTH,
    STACK_OVERFLOW,
    Attrs,
    CStr,
    Lambda,
    NixPath,
    PrimOp,
    Thunk,
    apply_function,
    mkstr,
    show_type,
    type_error,
)

Code = Callable[[Any], Any]
Maker = Callable[[Any], Any]


class _Ref(Enum):
    """Where a variable comes from, as scope resolution finds it."""

    STATIC = "static"  # a slot of an enclosing let/rec/lambda environment: (STATIC, depth, slot)
    GLOBAL = "global"  # the base environment (builtins): (GLOBAL, value)
    WITH = "with"  # only from enclosing `with`s, innermost first: (WITH, depths)
    UNDEFINED = "undefined"  # nowhere: a compile-time error


class Scope:
    """A compile-time scope: one runtime environment level.

    ``names`` maps variable names to slot indices (1-based: slot 0 is the parent
    link); a ``with`` scope has ``names`` None and one slot holding the set.
    """

    __slots__ = ("names", "parent", "is_with")

    def __init__(self, names: dict[str, int] | None, parent: Scope | None, is_with: bool = False) -> None:
        self.names = names
        self.parent = parent
        self.is_with = is_with


class RootScope(Scope):
    """The outermost scope: Nix's base environment of builtins (constants).

    ``per_run`` names the globals (and ``builtins`` attributes) whose values change from one
    run to the next of code compiled once (``currentTime``, ``nixPath``: see ``EvalState``'s
    warm template): code that captured one of them when compiling is marked by
    ``Compiler.captured_per_run``.
    """

    __slots__ = ("globals", "per_run")

    def __init__(self, globals_: dict[str, Any], per_run: frozenset[str] = frozenset()) -> None:
        super().__init__({}, None)
        self.globals = globals_
        self.per_run = per_run


def _set_pos(e: NixError, pos: Pos | None) -> None:
    if e.pos is None:
        e.pos = pos


class LambdaCode:
    """A compiled lambda: knows how to bind its argument and run its body."""

    __slots__ = ("node", "body", "formal_names", "defaults", "named_arg", "ellipsis", "nformals", "name_set", "inner")

    def __init__(self, node: A.Lambda) -> None:
        self.node = node
        self.body: Code = None  # type: ignore[assignment]
        # for `x: y: …` (a plain argument whose body is a lambda): the inner lambda, so that
        # a curried call `f a b` can bind both arguments without making the function `f a`
        self.inner: LambdaCode | None = None
        self.named_arg = node.arg is not None
        self.ellipsis = node.ellipsis
        self.formal_names: list[str] | None = [f.name for f in node.formals] if node.formals is not None else None
        self.name_set = frozenset(self.formal_names or ())
        self.nformals = len(self.formal_names or ())
        self.defaults: list[Any] = []

    def describe(self) -> str:
        node = self.node
        where = node.pos.lambda_location() if node.pos else "undefined position"
        if node.name:
            return f"'{node.name}' at {where}"
        return f"anonymous function at {where}"

    def apply(self, cenv: Any, arg: Any) -> Any:
        names = self.formal_names
        if names is None:
            return self.body([cenv, arg])
        if type(arg) is Thunk:
            arg = arg.force()
        if not isinstance(arg, dict):
            raise type_error(arg, "a set")
        env = [cenv, arg] if self.named_arg else [cenv]
        used = 0
        defaults = self.defaults
        for i, name in enumerate(names):
            v = arg.get(name, _MISSING)
            if v is _MISSING:
                d = defaults[i]
                if d is None:
                    raise NixError(f"{self.describe()} called without required argument '{name}'")
                # the thunk sees later slots: env is complete before anything forces it
                env.append(Thunk(d, env) if type(d) is not _Const else d.value)
            else:
                used += 1
                env.append(v)
        if not self.ellipsis and used != len(arg):
            for k in sorted(arg):
                if k not in self.name_set:
                    raise NixError(f"{self.describe()} called with unexpected argument '{k}'")
        return self.body(env)


class _Const:
    """A formal's default that is a literal: no thunk needed."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


_MISSING = object()


def lambda_info(f: Lambda) -> tuple[str | None, list[str] | None, bool, Pos | None]:
    """(argument name, formal names, has ellipsis, position) of a user function."""
    node = f.code.node
    return node.arg, (sorted(f.code.formal_names) if node.formals is not None else None), node.ellipsis, node.pos


def function_args(f: Lambda) -> Attrs:
    """``builtins.functionArgs``: formal name -> whether it has a default."""
    node = f.code.node
    if node.formals is None:
        return {}
    r = Attrs((fm.name, fm.default is not None) for fm in node.formals)
    r.pos = {fm.name: fm.pos for fm in node.formals}
    return r


class Compiler:
    """Turns one parsed file into a closure; see the module docstring."""

    def __init__(self, root: Scope, state: PathCopier) -> None:
        self.root = root
        # the evaluation state this code runs in: interpolated paths are copied into its
        # store, and a missing package's hint names its package index (both read at run time)
        self.state = state
        # set when the code compiled since it was last cleared captured a per-run global's value
        self.captured_per_run = False

    # ------------------------------------------------------------------ entry
    def compile(self, node: A.Node, scope: Scope | None = None) -> Code:
        return self.c(node, scope or self.root)

    # ------------------------------------------------------------------ helpers
    def c(self, node: A.Node, scope: Scope) -> Code:
        method = getattr(self, "c_" + type(node).__name__)
        return method(node, scope)

    def delayed(self, node: A.Node, scope: Scope, binding: bool = False) -> Maker:
        """A function ``env -> value or thunk`` for a lazily evaluated position.

        ``binding`` marks a value of ``let``/``rec`` being defined in ``scope``: a
        variable of that same scope may not be filled yet, so it gets a thunk.
        """
        lazy = self.lazy_operand(node, scope, binding)
        kind = lazy[0]
        if kind == "const":
            v = lazy[1]
            return lambda env: v
        if kind == "slot":
            return _slot_reader(lazy[1], lazy[2])
        # a thunk: partial() makes it without a Python frame of its own
        return partial(Thunk, lazy[1])

    def lazy_operand(self, node: A.Node, scope: Scope, binding: bool = False) -> tuple:
        """What a lazy position holds: ("const", v) | ("slot", depth, idx) | ("thunk", code)."""
        t = type(node)
        if t is A.Int or t is A.Float or t is A.Str:
            return ("const", node.value)
        if t is A.Path:
            return ("const", NixPath(node.value))
        if t is A.Var:
            ref = self.resolve(node.name, scope)
            if ref[0] is _Ref.STATIC and not (binding and ref[1] == 0):
                return ("slot", ref[1], ref[2])
            if ref[0] is _Ref.GLOBAL:
                return ("const", ref[1])
        # Everything else (lambdas included, as in Nix) becomes a thunk.
        return ("thunk", self.c(node, scope))

    def operand(self, node: A.Node, scope: Scope) -> tuple:
        """A strictly evaluated operand for ``fused``: ("const", v) | ("var", depth, idx,
        force_at) | ("code", code)."""
        t = type(node)
        if t is A.Int or t is A.Float or t is A.Str:
            return ("const", node.value)
        if t is A.Var:
            ref = self.resolve(node.name, scope)
            if ref[0] is _Ref.STATIC:
                return ("var", ref[1], ref[2], _force_at(node.pos))
            if ref[0] is _Ref.GLOBAL and type(ref[1]) is not Thunk:
                return ("const", ref[1])
        elif t is A.Select:
            known, v = self.builtin_select(node, scope)
            if known:
                return ("const", v)
        return ("code", self.c(node, scope))

    def builtin_select(self, node: A.Node, scope: Scope) -> tuple:
        """``(True, value)`` when ``node`` is ``builtins.NAME`` with the global ``builtins`` having
        an evaluated NAME: the value is known when compiling (the select cannot fail). Only for
        strict positions: in a lazy one Nix makes a thunk, which ``--eval`` prints as ``<CODE>``."""
        if type(node) is not A.Select or node.default is not None or len(node.path) != 1:
            return (False, None)
        name = node.path[0]
        src = node.expr
        if type(name) is not str or type(src) is not A.Var or src.name != "builtins":
            return (False, None)
        ref = self.resolve("builtins", scope)
        if ref[0] is not _Ref.GLOBAL or type(ref[1]) is Thunk or not isinstance(ref[1], dict):
            return (False, None)
        v = ref[1].get(name, _MISSING)
        if v is _MISSING or type(v) is Thunk:
            return (False, None)
        if name in getattr(self.root, "per_run", ()):
            self.captured_per_run = True
        return (True, v)

    def resolve(self, name: str, scope: Scope) -> tuple:
        """Find ``name``: (STATIC, depth, slot) | (GLOBAL, value) | (WITH, depths) | (UNDEFINED,)."""
        depth = 0
        withs: list[int] = []
        s: Scope | None = scope
        while s is not None:
            if isinstance(s, RootScope):
                if name in s.globals:
                    if name in s.per_run:
                        self.captured_per_run = True
                    return (_Ref.GLOBAL, s.globals[name])
                break
            if s.is_with:
                withs.append(depth)
            else:
                idx = s.names.get(name)  # type: ignore[union-attr]
                if idx is not None:
                    return (_Ref.STATIC, depth, idx)
            depth += 1
            s = s.parent
        if withs:
            return (_Ref.WITH, withs)
        return (_Ref.UNDEFINED,)

    # ------------------------------------------------------------------ literals
    def c_Int(self, node: A.Int, scope: Scope) -> Code:
        v = node.value
        return lambda env: v

    c_Float = c_Int
    c_Str = c_Int

    def c_Path(self, node: A.Path, scope: Scope) -> Code:
        pv = NixPath(node.value)
        return lambda env: pv

    def c_CurPos(self, node: A.CurPos, scope: Scope) -> Code:
        pos = node.pos

        def cur_pos(env):
            return {"file": pos.file_value(), "line": pos.line, "column": pos.col}

        return cur_pos

    # ------------------------------------------------------------------ variables
    def c_Var(self, node: A.Var, scope: Scope) -> Code:
        name = node.name
        pos = node.pos
        ref = self.resolve(name, scope)
        kind = ref[0]
        if kind is _Ref.STATIC:
            return _slot_forcer(ref[1], ref[2], pos)
        if kind is _Ref.GLOBAL:
            gv = ref[1]
            if type(gv) is Thunk:
                return lambda env: gv.force()
            return lambda env: gv
        if kind is _Ref.UNDEFINED:
            raise NixError(f"undefined variable '{name}'", pos)
        depths = ref[1]
        state = self.state

        def with_lookup(env):
            for d in depths:
                e = env
                for _ in range(d):
                    e = e[0]
                attrs = e[1]
                if type(attrs) is Thunk:
                    attrs = attrs.force()
                if not isinstance(attrs, dict):  # Nix 2.8 forces a `with` scope without a position
                    raise NixError(f"value is {show_type(attrs)} while a set was expected", NO_POS)
                v = attrs.get(name, _MISSING)
                if v is not _MISSING:
                    return v.force() if type(v) is Thunk else v
            e = NixError(f"undefined variable '{name}'", pos)
            e.hint = _with_package_hint(name, env, depths, _index_of(state))
            raise e

        return with_lookup

    # ------------------------------------------------------------------ sets
    def c_Attrs(self, node: A.Attrs, scope: Scope) -> Code:
        if node.recursive:
            return self._rec_attrs(node, scope)
        sources = self._inherit_sources(node)
        if not sources:
            return self._plain_attrs(node, scope)
        # `{ inherit (e) a b; }`: e is evaluated once per set, in a frame of its own
        inner = Scope({src.key: i + 1 for i, src in enumerate(sources)}, scope)
        source_makers = [self.delayed(src.expr, scope) for src in sources]
        code = self._plain_attrs(node, inner)
        return lambda env: code([env, *[mk(env) for mk in source_makers]])

    def _inherit_sources(self, attrs: A.Attrs) -> list[A.InheritFrom]:
        """The distinct ``inherit (e)`` sources of ``attrs``, each given a hidden slot name."""
        sources: dict[int, A.InheritFrom] = {}
        for d in attrs.attrs.values():
            e = d.expr
            if type(e) is A.Select and type(e.expr) is A.InheritFrom and id(e.expr) not in sources:
                src = e.expr
                src.key = f"\0inherit-from {len(sources)}"
                sources[id(src)] = src
        return list(sources.values())

    def _hidden_sources(self, attrs: A.Attrs, inner: Scope) -> list[A.InheritFrom]:
        """Give ``rec``/``let`` bindings hidden slots, after the named ones, for their
        ``inherit (e)`` sources (e is evaluated in the bindings' own scope, as in Nix)."""
        sources = self._inherit_sources(attrs)
        assert inner.names is not None
        for src in sources:
            inner.names[src.key] = len(inner.names) + 1
        return sources

    def c_InheritFrom(self, node: A.InheritFrom, scope: Scope) -> Code:
        ref = self.resolve(node.key, scope)
        return _slot_forcer(ref[1], ref[2], node.pos)

    def _plain_attrs(self, node: A.Attrs, scope: Scope) -> Code:
        pos = node.pos
        static = [(name, self.delayed(d.expr, scope)) for name, d in node.attrs.items()]
        dynamic = self._dynamic(node, scope)
        positions = {name: d.name_pos for name, d in node.attrs.items()}
        brace = node.brace

        if not dynamic:
            if len(static) == 1:  # the most frequent sizes, without the loop
                ((n0, mk0),) = static

                def attrs1(env):
                    r = Attrs()
                    r[n0] = mk0(env)
                    r.pos = positions
                    r.set_pos = brace
                    return r

                return attrs1
            if len(static) == 2:
                (n0, mk0), (n1, mk1) = static

                def attrs2(env):
                    r = Attrs()
                    r[n0] = mk0(env)
                    r[n1] = mk1(env)
                    r.pos = positions
                    r.set_pos = brace
                    return r

                return attrs2

            def attrs(env):
                r = Attrs()
                for name, mk in static:
                    r[name] = mk(env)
                r.pos = positions
                r.set_pos = brace
                return r

            return attrs

        def attrs_dyn(env):
            r = Attrs()
            for name, mk in static:
                r[name] = mk(env)
            r.pos = dict(positions)
            r.set_pos = brace
            self._add_dynamic(r, dynamic, env, pos)
            return r

        return attrs_dyn

    def _dynamic(self, node: A.Attrs, scope: Scope) -> list:
        return [(self.c(d.name, scope), self.delayed(d.expr, scope), d.pos) for d in node.dynamic]

    @staticmethod
    def _add_dynamic(r: Attrs, dynamic: list, env: Any, pos: Pos | None) -> None:
        for name_code, mk, dpos in dynamic:
            try:
                name = name_code(env)
            except NixError as e:
                _set_pos(e, dpos)
                raise
            if name is None:
                continue
            if type(name) is not str and type(name) is not CStr:  # Nix 2.8 forces the name without a position
                raise NixError(f"value is {show_type(name)} while a string was expected", NO_POS)
            name = str(name)
            if name in r:
                prev = r.pos.get(name) if r.pos else None
                where = prev.lambda_location() if prev else "undefined position"
                raise NixError(f"dynamic attribute '{name}' already defined at {where}", dpos)
            r[name] = mk(env)
            r.pos[name] = dpos

    def _rec_attrs(self, node: A.Attrs, scope: Scope) -> Code:
        names = list(node.attrs)
        inner = Scope({n: i + 1 for i, n in enumerate(names)}, scope)
        hidden = self._hidden_sources(node, inner)
        makers = []
        for n in names:
            d = node.attrs[n]
            if d.inherited:
                makers.append((True, self.delayed(d.expr, scope)))
            else:
                makers.append((False, self.delayed(d.expr, inner, binding=True)))
        makers += [(False, self.delayed(src.expr, inner, binding=True)) for src in hidden]
        dynamic = self._dynamic(node, inner)
        positions = {name: d.name_pos for name, d in node.attrs.items()}
        pos = node.pos
        brace = node.brace
        slot_of = inner.names
        overrides_idx = slot_of.get("__overrides")

        def rec_attrs(env):
            env2 = [env]
            for inherited, mk in makers:
                env2.append(mk(env) if inherited else None)
            for i, (inherited, mk) in enumerate(makers):
                if not inherited:
                    env2[i + 1] = mk(env2)
            r = Attrs(zip(names, env2[1:], strict=False))  # hidden `inherit (e)` slots come last
            r.pos = dict(positions) if (dynamic or overrides_idx) else positions
            r.set_pos = brace
            if overrides_idx:
                _apply_overrides(r, env2, overrides_idx, slot_of, pos)
            if dynamic:
                self._add_dynamic(r, dynamic, env2, pos)
            return r

        return rec_attrs

    def c_Let(self, node: A.Let, scope: Scope) -> Code:
        names = list(node.attrs.attrs)
        inner = Scope({n: i + 1 for i, n in enumerate(names)}, scope)
        hidden = self._hidden_sources(node.attrs, inner)
        makers = []
        for n in names:
            d = node.attrs.attrs[n]
            # `inherit x;` in a let refers to the enclosing scope, not to itself
            if d.inherited:
                makers.append((True, self.delayed(d.expr, scope)))
            else:
                makers.append((False, self.delayed(d.expr, inner, binding=True)))
        makers += [(False, self.delayed(src.expr, inner, binding=True)) for src in hidden]
        body = self.c(node.body, inner)
        if not any(inherited for inherited, _ in makers):
            return _let_own(body, [mk for _, mk in makers])

        def let(env):
            env2 = [env]
            for inherited, mk in makers:
                env2.append(mk(env) if inherited else None)
            for i, (inherited, mk) in enumerate(makers):
                if not inherited:
                    env2[i + 1] = mk(env2)
            return body(env2)

        return let

    def c_With(self, node: A.With, scope: Scope) -> Code:
        attrs_mk = self.delayed(node.env, scope)
        body = self.c(node.body, Scope(None, scope, is_with=True))

        def with_(env):
            return body([env, attrs_mk(env)])

        return with_

    def c_Select(self, node: A.Select, scope: Scope) -> Code:
        pos = node.pos
        known, value = self.builtin_select(node, scope)
        if known:
            return lambda env: value
        if len(node.path) == 1 and isinstance(node.path[0], str) and node.default is None:
            return fused.select1(
                self.operand(node.expr, scope), node.path[0], _select_fail(node.path[0], pos, self.state),
                _select_error_hook(node.path[0], pos),
            )  # fmt: skip
        expr = self.c(node.expr, scope)
        path = [p if isinstance(p, str) else self.c(p, scope) for p in node.path]
        default = self.c(node.default, scope) if node.default is not None else None
        state = self.state

        def select(env):
            v = expr(env)
            for p in path:
                name = p if type(p) is str else _attr_name(p(env), pos)
                if not isinstance(v, dict):
                    if default is not None:
                        return default(env)
                    raise NixError(f"value is {show_type(v)} while a set was expected", pos)
                r = v.get(name, _MISSING)
                if r is _MISSING:
                    if default is not None:
                        return default(env)
                    raise _missing_attr(name, v, pos, _index_of(state))
                if type(r) is Thunk:
                    if r.code is None:  # evaluated: read without a call
                        r = r.val
                    else:
                        try:
                            r = r.force()
                        except NixError as e:
                            _set_pos(e, _attr_def_pos(v, name, pos))
                            raise
                v = r
            return v

        return select

    def c_HasAttr(self, node: A.HasAttr, scope: Scope) -> Code:
        expr = self.c(node.expr, scope)
        path = [p if isinstance(p, str) else self.c(p, scope) for p in node.path]
        pos = node.pos

        last = len(path) - 1

        def has_attr(env):
            v = expr(env)
            for i, p in enumerate(path):
                name = p if type(p) is str else _attr_name(p(env), pos)
                if not isinstance(v, dict):
                    return False
                r = v.get(name, _MISSING)
                if r is _MISSING:
                    return False
                if i == last:  # the attribute itself is not evaluated
                    return True
                v = r.force() if type(r) is Thunk else r
            return True

        return has_attr

    # ------------------------------------------------------------------ lists
    def c_List(self, node: A.List, scope: Scope) -> Code:
        makers = [self.delayed(i, scope) for i in node.items]
        if not makers:
            return lambda env: []
        return lambda env: [mk(env) for mk in makers]

    # ------------------------------------------------------------------ functions
    def c_Lambda(self, node: A.Lambda, scope: Scope) -> Code:
        lc = self._lambda_code(node, scope)
        return lambda env: Lambda(lc, env)

    def _lambda_code(self, node: A.Lambda, scope: Scope) -> LambdaCode:
        lc = LambdaCode(node)
        if node.formals is None:
            inner = Scope({node.arg: 1}, scope)
        else:
            names: dict[str, int] = {}
            i = 1
            if node.arg is not None:
                names[node.arg] = 1
                i = 2
            for f in node.formals:
                names[f.name] = i
                i += 1
            inner = Scope(names, scope)
            lc.defaults = [self._default(f.default, inner) for f in node.formals]
        if node.formals is None and type(node.body) is A.Lambda:
            inner_lc = self._lambda_code(node.body, inner)
            lc.inner = inner_lc
            lc.body = lambda env: Lambda(inner_lc, env)
        else:
            lc.body = self.c(node.body, inner)
        return lc

    def _default(self, node: A.Node | None, scope: Scope) -> Any:
        if node is None:
            return None
        if type(node) in (A.Int, A.Float, A.Str):
            return _Const(node.value)
        return self.c(node, scope)

    def c_Call(self, node: A.Call, scope: Scope) -> Code:
        pos = node.pos
        if len(node.args) == 1:
            return fused.call1(
                self.operand(node.fn, scope), self.lazy_operand(node.args[0], scope), _call_error_hook(pos)
            )
        fn = self.c(node.fn, scope)
        args = [self.delayed(a, scope) for a in node.args]
        if len(args) == 2:
            return _call_two(fn, args[0], args[1], pos)
        nargs = len(args)
        last = nargs - 1
        on_error = _call_error_hook(pos)

        def call(env):
            f = fn(env)
            depth = CALL_DEPTH[0]
            if depth > CALL_DEPTH[1]:
                raise NixError(STACK_OVERFLOW, pos)
            CALL_DEPTH[0] = depth + 1
            try:
                if type(f) is PrimOp and f.arity == nargs:  # a saturated builtin: no partial applications
                    return f.fn(*[mk(env) for mk in args])
                if type(f) is Lambda and f.code.inner is not None and not TraceSettings.enabled:
                    # `x: y: …` chains bind their arguments without making the functions in
                    # between (as in _call_two; with --show-trace they are made, for the trace)
                    lc = f.code
                    cenv = f.env
                    i = 0
                    while i < last and lc.inner is not None:
                        cenv = [cenv, args[i](env)]
                        lc = lc.inner
                        i += 1
                    if i == last:
                        a = args[last](env)
                        return lc.body([cenv, a]) if lc.formal_names is None else lc.apply(cenv, a)
                    f = Lambda(lc, cenv)
                    rest = args[i:]
                else:
                    rest = args
                for mk in rest:
                    if type(f) is Lambda:
                        f = f.code.apply(f.env, mk(env))
                    else:
                        f = apply_function(f, mk(env))
                return f
            except NixError as e:
                on_error(e, f)
                raise
            finally:
                CALL_DEPTH[0] = depth

        return call

    # ------------------------------------------------------------------ control
    def c_If(self, node: A.If, scope: Scope) -> Code:
        c = node.cond
        pos = node.pos
        if type(c) is A.BinOp and (c.op in _FUSED_CMP or c.op == "==" or c.op == "!="):
            # the comparison fused into the if: one Python call less per branch taken
            left_op = self.operand(c.left, scope)
            right_op = self.operand(c.right, scope)
            slow = _cmp_slow(c.op, c.pos) if c.op in _FUSED_CMP else _equal_slow(c.pos)
            then = self.c(node.then, scope)
            else_ = self.c(node.else_, scope)
            return fused.if_binary(c.op, left_op, right_op, slow, then, else_, partial(_bool_of, pos=pos))
        cond = self.c(node.cond, scope)
        then = self.c(node.then, scope)
        else_ = self.c(node.else_, scope)

        def if_(env):
            c = cond(env)
            if c is True:
                return then(env)
            if c is False:
                return else_(env)
            raise NixError(f"value is {show_type(c)} while a Boolean was expected", pos)

        return if_

    def c_Assert(self, node: A.Assert, scope: Scope) -> Code:
        cond = self.c(node.cond, scope)
        body = self.c(node.body, scope)
        pos = node.pos
        text = node.text

        def assert_(env):
            c = cond(env)
            if c is True:
                return body(env)
            if c is False:
                raise AssertionFailed(f"assertion '{text}' failed", pos)
            raise NixError(f"value is {show_type(c)} while a Boolean was expected", pos)

        return assert_

    def c_Not(self, node: A.Not, scope: Scope) -> Code:
        expr = self.c(node.expr, scope)

        def not_(env):
            v = expr(env)
            if v is True:
                return False
            if v is False:
                return True
            # Nix 2.8's `!` forces its operand without a position (evalBool with noPos).
            raise NixError(f"value is {show_type(v)} while a Boolean was expected", NO_POS)

        return not_

    # ------------------------------------------------------------------ operators
    def c_BinOp(self, node: A.BinOp, scope: Scope) -> Code:
        op = node.op
        pos = node.pos
        if op in _FUSED_ARITH or op in _FUSED_CMP or op == "==" or op == "!=":
            left_op = self.operand(node.left, scope)
            right_op = self.operand(node.right, scope)
            if op in _FUSED_ARITH:
                return fused.binary(op, left_op, right_op, _arith_slow(op, pos))
            if op in _FUSED_CMP:
                return fused.binary(op, left_op, right_op, _cmp_slow(op, pos))
            return fused.binary(op, left_op, right_op, _equal_slow(pos))
        left = self.c(node.left, scope)
        right = self.c(node.right, scope)
        factory = _BINOPS[op]
        return factory(left, right, pos)

    def c_ConcatStrings(self, node: A.ConcatStrings, scope: Scope) -> Code:
        if not node.force_string and len(node.parts) == 2:
            (pos_a, left), (pos_b, right) = node.parts
            left_op = self.operand(left, scope)
            right_op = self.operand(right, scope)
            parts2 = [(pos_a, _operand_code(left_op)), (pos_b, _operand_code(right_op))]
            return fused.binary("+", left_op, right_op, _plus_general(parts2, node.pos, self.state))
        parts = [(p, self.c(e, scope)) for p, e in node.parts]
        pos = node.pos
        if node.force_string:
            # literal pieces are kept as strings (``interp`` appends them as they are)
            pieces = [(p, e.value if type(e) is A.Str and type(e.value) is str else code)
                      for (p, code), (_, e) in zip(parts, node.parts, strict=True)]  # fmt: skip
            return _interpolation(pieces, pos, self.state)
        return _plus(parts, pos, self.state)


# ---------------------------------------------------------------------- closures


def _slot_reader(depth: int, idx: int) -> Maker:
    if depth == 0:
        return lambda env: env[idx]
    if depth == 1:
        return lambda env: env[0][idx]
    if depth == 2:
        return lambda env: env[0][0][idx]
    if depth == 3:
        return lambda env: env[0][0][0][idx]

    def read(env):
        for _ in range(depth):
            env = env[0]
        return env[idx]

    return read


def _let_own(body: Code, makers: list[Maker]) -> Code:
    """A ``let`` without ``inherit``s: every binding is made in the new environment (the
    common case, spelled out for one and two bindings)."""
    if len(makers) == 1:
        (mk0,) = makers

        def let1(env):
            env2 = [env, None]
            env2[1] = mk0(env2)
            return body(env2)

        return let1
    if len(makers) == 2:
        mk0, mk1 = makers

        def let2(env):
            env2 = [env, None, None]
            env2[1] = mk0(env2)
            env2[2] = mk1(env2)
            return body(env2)

        return let2
    slots = list(enumerate(makers, 1))
    nones = [None] * len(makers)

    def let(env):
        env2 = [env, *nones]
        for i, mk in slots:
            env2[i] = mk(env2)
        return body(env2)

    return let


def _call_two(fn: Code, mk0: Maker, mk1: Maker, pos: Pos | None) -> Code:
    """``f a b``: the general call spelled out for two arguments (the most frequent
    curried call), with plain lambdas applied directly."""
    on_error = _call_error_hook(pos)

    def call(env):
        f = fn(env)
        depth = CALL_DEPTH[0]
        if depth > CALL_DEPTH[1]:
            raise NixError(STACK_OVERFLOW, pos)
        CALL_DEPTH[0] = depth + 1
        try:
            tf = type(f)
            if tf is PrimOp and f.arity == 2:  # a saturated builtin: no partial application
                return f.fn(mk0(env), mk1(env))
            if tf is Lambda:
                lc = f.code
                inner = lc.inner
                if inner is not None and not TraceSettings.enabled:
                    # `x: y: …` applied to both: bind x and go on with y's lambda (a trace
                    # names the function `f a`, so with --show-trace it is made as usual)
                    env1 = [f.env, mk0(env)]
                    if inner.formal_names is None:
                        return inner.body([env1, mk1(env)])
                    return inner.apply(env1, mk1(env))
                f = lc.body([f.env, mk0(env)]) if lc.formal_names is None else lc.apply(f.env, mk0(env))
            else:
                f = apply_function(f, mk0(env))
            if type(f) is Lambda:
                lc = f.code
                return lc.body([f.env, mk1(env)]) if lc.formal_names is None else lc.apply(f.env, mk1(env))
            return apply_function(f, mk1(env))
        except NixError as e:
            on_error(e, f)
            raise
        finally:
            CALL_DEPTH[0] = depth

    return call


def _slot_forcer(depth: int, idx: int, pos: Pos | None) -> Code:
    """A variable read whose unevaluated thunk is forced with errors placed at ``pos``."""
    return slot_reader(depth, idx, _force_at(pos))


def slot_reader(depth: int, idx: int, force_at: Callable[[Thunk], Any]) -> Code:
    """A variable read forcing through ``force_at``: the hot path of every program, so each depth is spelled out."""
    if depth == 0:

        def var0(env):
            v = env[idx]
            if type(v) is Thunk:
                return v.val if v.code is None else force_at(v)
            return v

        return var0
    if depth == 1:

        def var1(env):
            v = env[0][idx]
            if type(v) is Thunk:
                return v.val if v.code is None else force_at(v)
            return v

        return var1
    if depth == 2:

        def var2(env):
            v = env[0][0][idx]
            if type(v) is Thunk:
                return v.val if v.code is None else force_at(v)
            return v

        return var2

    if depth == 3:

        def var3(env):
            v = env[0][0][0][idx]
            if type(v) is Thunk:
                return v.val if v.code is None else force_at(v)
            return v

        return var3
    if depth == 4:

        def var4(env):
            v = env[0][0][0][0][idx]
            if type(v) is Thunk:
                return v.val if v.code is None else force_at(v)
            return v

        return var4
    deep = fused.deep_var(depth, idx, force_at)
    if deep is not None:
        return deep

    def var_n(env):
        for _ in range(depth):
            env = env[0]
        v = env[idx]
        if type(v) is Thunk:
            return v.val if v.code is None else force_at(v)
        return v

    return var_n


def _force_at(pos: Pos | None) -> Callable[[Thunk], Any]:
    """Force a variable's unevaluated thunk; an error without a position gets the variable's.

    ``Thunk.force`` spelled out here (black-holing included) so that forcing a variable
    costs one Python call, not two: this is the most frequent operation of every program.
    """

    def force_at(v: Thunk) -> Any:
        code = v.code
        if code is None:
            return v.val
        if code is BLACKHOLE:
            raise NixError("infinite recursion encountered", pos)
        v.code = BLACKHOLE
        try:
            r = code(v.env)
        except NixError as e:
            v.code = code
            if e.pos is None:
                e.pos = pos
            raise
        except BaseException:
            v.code = code
            raise
        v.val = r
        v.code = None
        v.env = None
        return r

    force_at.pos = pos  # type: ignore[attr-defined]  # for fused shapes that force in place
    return force_at


def _operand_code(op: tuple) -> Code:
    """A plain closure for a ``fused`` operand (the general paths take closures)."""
    kind = op[0]
    if kind == "const":
        v = op[1]
        return lambda env: v
    if kind == "var":
        _, depth, idx, force_at = op
        return slot_reader(depth, idx, force_at)
    return op[1]


def _index_of(state: Any) -> Any:
    """The package index of the run (read when an error needs it: compiled code outlives a run)."""
    return getattr(state, "package_index", None)


def _select_fail(name: str, pos: Pos | None, state: Any) -> Callable[[Any], None]:
    def fail(v: Any) -> None:
        if not isinstance(v, dict):
            raise NixError(f"value is {show_type(v)} while a set was expected", pos)
        raise _missing_attr(name, v, pos, _index_of(state))

    return fail


def _select_error_hook(name: str, pos: Pos | None) -> Callable[[NixError, Any], None]:
    def on_error(e: NixError, v: Any) -> None:
        _set_pos(e, _attr_def_pos(v, name, pos))
        if TraceSettings.enabled:
            _attr_trace(e, v, name)

    return on_error


def _call_error_hook(pos: Pos | None) -> Callable[[NixError, Any], None]:
    def on_error(e: NixError, f: Any) -> None:
        if e.pos is None:
            e.pos = pos
        if TraceSettings.enabled:
            _call_traces(e, f, pos)

    return on_error


def _call_traces(e: NixError, f: Any, pos: Pos | None) -> None:
    if type(f) is Lambda:
        node = f.code.node
        what = f"'{node.name}'" if node.name else "anonymous lambda"
        e.add_trace(node.pos, f"while evaluating {what}")
        e.add_trace(pos, "from call site")


def _attr_trace(e: NixError, attrs: dict, name: str) -> None:
    positions = getattr(attrs, "pos", None)
    e.add_trace(positions.get(name) if positions else None, f"while evaluating the attribute '{name}'")


def _apply_overrides(r: Attrs, env2: list, idx: int, slot_of: dict, pos: Pos | None) -> None:
    """``rec { __overrides = {…}; }``: the overrides replace attributes, also for
    the set's own recursive references (an old Nix feature still in 2.8)."""
    ov = env2[idx]
    if type(ov) is Thunk:
        ov = ov.force()
    if not isinstance(ov, dict):
        raise NixError(f"value is {show_type(ov)} while a set was expected", pos)
    for k, v in ov.items():
        slot = slot_of.get(k)
        if slot is not None:
            env2[slot] = v
        r[k] = v


def _attr_def_pos(attrs: dict, name: str, pos: Pos | None) -> Pos | None:
    """Where Nix 2.8 forces a selected attribute: at the attribute's definition if known, else the select.

    Only an error raised by the forcing itself (the value is being evaluated already: infinite
    recursion) lacks a position by then; deeper errors were placed by their own expressions.
    """
    positions = getattr(attrs, "pos", None)
    return (positions.get(name) if positions else None) or pos


def _attr_name(v: Any, pos: Pos | None) -> str:
    if type(v) is str:
        return v
    if type(v) is CStr:
        return str(v)
    raise NixError(f"value is {show_type(v)} while a string was expected", NO_POS)  # Nix 2.8's getName: no position


def _missing_attr(name: str, attrs: dict, pos: Pos | None, index: Any) -> NixError:
    from .suggestions import best_matches

    e = NixError(f"attribute '{name}' missing", pos, suggestion=best_matches(attrs.keys(), name))
    e.hint = package_hint(name, attrs, index)
    return e


def _with_package_hint(name: str, env: Any, depths: Any, index: Any) -> str | None:
    """The package hint for an undefined variable when one of the ``with`` sets is a package set."""
    for d in depths:
        e = env
        for _ in range(d):
            e = e[0]
        attrs = e[1]
        if type(attrs) is Thunk:
            attrs = attrs.force()
        hint = package_hint(name, attrs, index)
        if hint:
            return hint
    return None


def package_hint(name: str, attrs: Any, index: Any) -> str | None:
    """Advice when ``name`` is missing from what looks like pydock's ``<nixpkgs>`` package set.

    pydock's prelude has no packages of its own; they come from a package index (``index``,
    the evaluation's, or None), so a missing ``redis`` most often means "no index given" or
    "not in this index".
    """
    if not isinstance(attrs, dict) or "callPackage" not in attrs or "dockerTools" not in attrs:
        return None
    if index is None:
        return f"'{name}' is not in pydock's prelude; give a package index with --packages (README: Packages)"
    return f"'{name}' is neither in pydock's prelude nor in the package index '{index.path}' (README: Packages)"


def _bool_of(v: Any, pos: Pos | None) -> bool:
    if v is True or v is False:
        return v
    raise NixError(f"value is {show_type(v)} while a Boolean was expected", pos)


def _op_and(left: Code, right: Code, pos: Pos | None) -> Code:
    def and_(env):
        a = left(env)
        if a is False:
            return False
        if a is not True:
            _bool_of(a, pos)
        b = right(env)
        return b if b is True or b is False else _bool_of(b, pos)

    return and_


def _op_or(left: Code, right: Code, pos: Pos | None) -> Code:
    def or_(env):
        a = left(env)
        if a is True:
            return True
        if a is not False:
            _bool_of(a, pos)
        b = right(env)
        return b if b is True or b is False else _bool_of(b, pos)

    return or_


def _op_impl(left: Code, right: Code, pos: Pos | None) -> Code:
    return lambda env: (not _bool_of(left(env), pos)) or _bool_of(right(env), pos)


def _equal_slow(pos: Pos | None) -> Callable[[Any, Any], bool]:
    """``==`` beyond same-typed ints and strings (``fused.equal_op`` has those inline)."""

    def equal(a: Any, b: Any) -> bool:
        try:
            return values_equal(a, b)
        except NixError as e:
            _set_pos(e, pos)
            raise

    return equal


def _op_update(left: Code, right: Code, pos: Pos | None) -> Code:
    def update(env):
        a = left(env)  # Nix 2.8's `//` forces both sides without a position (evalAttrs)
        if not isinstance(a, dict):
            raise NixError(f"value is {show_type(a)} while a set was expected", NO_POS)
        b = right(env)
        if not isinstance(b, dict):
            raise NixError(f"value is {show_type(b)} while a set was expected", NO_POS)
        if not a:
            return b
        if not b:
            return a
        r = Attrs(a)
        r.update(b)
        pa = getattr(a, "pos", None)
        pb = getattr(b, "pos", None)
        if pa or pb:
            p = dict(pa or {})
            p.update(pb or {})
            r.pos = p
        else:
            r.pos = None
        return r

    return update


def _op_concat(left: Code, right: Code, pos: Pos | None) -> Code:
    def concat(env):
        a = left(env)
        if type(a) is not list:
            raise NixError(f"value is {show_type(a)} while a list was expected", pos)
        b = right(env)
        if type(b) is not list:
            raise NixError(f"value is {show_type(b)} while a list was expected", pos)
        if not a:
            return b
        if not b:
            return a
        return a + b

    return concat


def arith(op: str, a: Any, b: Any) -> Any:
    """``-``, ``*`` and ``/`` with Nix's typing rules (ints stay ints, C division)."""
    ta = type(a)
    tb = type(b)
    if ta is float or tb is float:
        if ta is not float and ta is not int:
            raise type_error(a, "a float")
        if tb is not float and tb is not int:
            raise type_error(b, "a float")
        if op == "-":
            return float(a) - float(b)
        if op == "*":
            return float(a) * float(b)
        if b == 0:
            raise NixError("division by zero")
        return float(a) / float(b)
    if op == "/":
        if tb is not int:
            raise type_error(b, "an integer")
        if b == 0:
            raise NixError("division by zero")
        if ta is not int:
            raise type_error(a, "an integer")
        if a == INT_MIN and b == -1:
            raise NixError(f"integer overflow in dividing {a} / {b}")
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q
    if ta is not int:
        raise type_error(a, "an integer")
    if tb is not int:
        raise type_error(b, "an integer")
    r = a - b if op == "-" else a * b
    if INT_MIN <= r <= INT_MAX:
        return r
    # current Nix (rl-2.24) refuses to overflow where Nix 2.8 wrapped around
    what = f"subtracting {a} - {b}" if op == "-" else f"multiplying {a} * {b}"
    raise NixError(f"integer overflow in {what}")


def _arith_slow(op: str, pos: Pos | None) -> Callable[[Any, Any], Any]:
    """``-``, ``*``, ``/`` in full (floats, type errors, overflow wrap-around), errors placed at ``pos``."""

    def slow(a: Any, b: Any) -> Any:
        try:
            return arith(op, a, b)
        except NixError as e:
            _set_pos(e, pos)
            raise

    return slow


def _op_div(left: Code, right: Code, pos: Pos | None) -> Code:
    slow = _arith_slow("/", pos)
    return lambda env: slow(left(env), right(env))


def _cmp_slow(op: str, pos: Pos | None) -> Callable[[Any, Any], bool]:
    """``<``, ``>``, ``<=``, ``>=`` beyond ints (``fused.compare_op`` has those inline)."""

    def slow(a: Any, b: Any) -> bool:
        try:
            if op == "<":
                return less_than(a, b)
            if op == ">":
                return less_than(b, a)
            if op == "<=":
                return not less_than(b, a)
            return not less_than(a, b)
        except NixError as e:
            _set_pos(e, pos)
            raise

    return slow


_FUSED_ARITH = frozenset({"-", "*"})
_FUSED_CMP = frozenset({"<", ">", "<=", ">="})
_BINOPS: dict[str, Callable[[Code, Code, Pos | None], Code]] = {
    "&&": _op_and,
    "||": _op_or,
    "->": _op_impl,
    "//": _op_update,
    "++": _op_concat,
    "/": _op_div,
}


def _interpolation(parts: list[tuple[Pos | None, Code]], pos: Pos | None, state: PathCopier) -> Code:
    """``"…${e}…"``: every part coerced to a string, paths copied to ``state``'s store."""

    def interp(env):
        out = []
        ctx: set[str] | None = None  # made for the first part that is not a plain string
        for ppos, code in parts:
            if type(code) is str:  # a literal piece
                out.append(code)
                continue
            v = code(env)
            if type(v) is str:
                out.append(v)
                continue
            if ctx is None:
                ctx = set()
            try:
                out.append(coerce_to_string(v, ctx, False, state))
            except NixError as e:
                _set_pos(e, ppos)
                raise
        s = "".join(out)
        return CStr(s, frozenset(ctx)) if ctx else s

    return interp


def _plus(parts: list[tuple[Pos | None, Code]], pos: Pos | None, state: PathCopier) -> Code:
    """``a + b + …`` of three or more parts (two parts are ``fused.plus_op``)."""
    general_n = _plus_general(parts, pos, state)
    return lambda env: general_n(env)


def _plus_general(parts: list[tuple[Pos | None, Code]], pos: Pos | None, state: PathCopier) -> Callable[..., Any]:
    """``+`` in full generality (a path added to a string is copied to ``state``'s store);
    ``pre`` holds parts the caller already evaluated."""

    def plus(env, *pre):
        values = list(pre)

        def part(i):
            if i < len(values):
                return values[i]
            v = parts[i][1](env)
            values.append(v)
            return v

        first_pos, first_code = parts[0]
        v0 = part(0)
        t0 = type(v0)
        if t0 is int or t0 is float:
            acc = v0
            is_float = t0 is float
            for i in range(1, len(parts)):
                ppos = parts[i][0]
                v = part(i)
                tv = type(v)
                if tv is int:
                    if not is_float and not (INT_MIN <= acc + v <= INT_MAX):
                        raise NixError(f"integer overflow in adding {acc} + {v}", ppos)
                    acc = acc + v
                elif tv is float:
                    acc = float(acc) + v
                    is_float = True
                else:
                    kind = "a float" if is_float else "an integer"
                    raise NixError(f"cannot add {show_type(v)} to {kind}", ppos)
            return acc
        ctx: set[str] = set()
        if t0 is NixPath:
            out = [v0.path]
            for i in range(1, len(parts)):
                ppos = parts[i][0]
                v = part(i)
                try:
                    out.append(coerce_to_string(v, ctx, False, False))
                except NixError as e:
                    _set_pos(e, ppos)
                    raise
            if ctx:
                raise NixError("a string that refers to a store path cannot be appended to a path", pos)
            joined = "".join(out)
            return NixPath(canon_path(joined))
        out = []
        for i, (ppos, _code) in enumerate(parts):
            v = part(i)
            if type(v) is str:
                out.append(v)
                continue
            try:
                out.append(coerce_to_string(v, ctx, False, state))
            except NixError as e:
                _set_pos(e, ppos)
                raise
        return mkstr("".join(out), ctx)

    return plus


__all__ = ["Compiler", "LambdaCode", "RootScope", "Scope", "arith", "function_args", "lambda_info"]
