"""Runtime values of the Nix language and the few operations every module needs.

The representation is chosen for speed in CPython, so most Nix values are plain
Python objects:

=============  ==========================================================
Nix type       Python representation
=============  ==========================================================
int            ``int`` (never ``bool``; check ``bool`` first, it subclasses int)
float          ``float``
bool           ``True`` / ``False``
null           ``None``
string         ``str`` when it has no context, ``CStr`` (a ``str`` subclass
               carrying a frozenset ``ctx``) when it has one
path           ``NixPath``
list           ``list`` whose items are values or ``Thunk`` objects; never mutated
               after construction
set            ``dict`` name -> value or ``Thunk``; never mutated after
               construction (``Attrs`` when it carries source positions)
function       ``Lambda`` (user function), ``PrimOp`` and ``PrimOpApp`` (builtins)
=============  ==========================================================

Values stored inside lists, sets and environments may be unevaluated ``Thunk``
objects; ``force`` turns any of them into a value in weak head normal form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import NixError, ThrownError

# --------------------------------------------------------------------------- thunks


class _Blackhole:
    """Marker stored in a thunk while it is being evaluated (detects ``let x = x``)."""

    __slots__ = ()


BLACKHOLE = _Blackhole()


class Thunk:
    """A suspended computation: ``code(env)`` returns a value in WHNF.

    After evaluation ``code`` is None and ``val`` holds the result; while evaluating
    ``code`` is ``BLACKHOLE`` so re-entry reports infinite recursion like Nix.
    """

    __slots__ = ("code", "env", "val")

    def __init__(self, code: Callable[[Any], Any], env: Any) -> None:
        self.code = code
        self.env = env
        self.val = None

    def force(self) -> Any:
        code = self.code
        if code is None:
            return self.val
        if code is BLACKHOLE:
            raise NixError("infinite recursion encountered")
        self.code = BLACKHOLE
        try:
            v = code(self.env)
        except BaseException:
            self.code = code
            raise
        self.val = v
        self.code = None
        self.env = None
        return v


_new_object = object.__new__


def lazy_apply(code: Callable[[Any], Any], envs: Any) -> list[Thunk]:
    """One unevaluated ``Thunk(code, env)`` per item of ``envs``: the thunks builtins such as
    ``map`` and ``genList`` make by the thousand, without a Python frame for each."""
    out = []
    append = out.append
    for env in envs:
        t = _new_object(Thunk)
        t.code = code
        t.env = env
        t.val = None
        append(t)
    return out


def force(v: Any) -> Any:
    """Return ``v`` in weak head normal form (an evaluated thunk is read without a call)."""
    if type(v) is Thunk:
        return v.val if v.code is None else v.force()
    return v


# --------------------------------------------------------------------------- strings


class CStr(str):
    """A string with a non-empty context (store paths it refers to).

    Context elements follow Nix's encoding: ``/nix/store/…`` (plain path),
    ``=/nix/store/….drv`` (whole derivation closure) and ``!out!/nix/store/….drv``
    (one output of a derivation).
    """

    __slots__ = ("ctx",)

    ctx: frozenset[str]

    def __new__(cls, s: str, ctx: frozenset[str]) -> CStr:
        o = super().__new__(cls, s)
        o.ctx = ctx
        return o

    def __reduce__(self):  # keep context through pickling / copying
        return (CStr, (str(self), self.ctx))


EMPTY_CTX: frozenset[str] = frozenset()


def ctx_of(s: str) -> frozenset[str]:
    """The context of a Nix string (empty for plain ``str``)."""
    return s.ctx if type(s) is CStr else EMPTY_CTX


def mkstr(s: str, ctx: frozenset[str] | set[str] | None) -> str:
    """Make a Nix string with the given context, plain ``str`` when it is empty."""
    if ctx:
        return CStr(s, frozenset(ctx))
    return str(s) if type(s) is not str else s


# --------------------------------------------------------------------------- paths


class NixPath:
    """A path value: an absolute, canonical file-system path (no context)."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NixPath) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"NixPath({self.path!r})"


# --------------------------------------------------------------------------- sets


class Attrs(dict):
    """A set that remembers where its attributes were defined (``unsafeGetAttrPos``) and, for a
    set literal, where the set itself is (``set_pos``: Nix names it for "missing for call to")."""

    __slots__ = ("pos", "set_pos")


def set_position(attrs: Any) -> Any:
    """Where a set literal was written (``None`` for computed sets: the call site is named then)."""
    return getattr(attrs, "set_pos", None)


# --------------------------------------------------------------------------- functions


class Lambda:
    """A user-defined function closed over its environment.

    ``code`` is the compiled lambda (see compiler.py); ``env`` the defining
    environment. ``call(arg)`` applies it.
    """

    __slots__ = ("code", "env")

    def __init__(self, code: Any, env: Any) -> None:
        self.code = code
        self.env = env

    def call(self, arg: Any) -> Any:
        return self.code.apply(self.env, arg)


class PrimOp:
    """A builtin function of ``arity`` arguments.

    ``fn(*args)`` receives the arguments unforced (values or thunks) and returns a
    value in WHNF; builtins force what they need, which keeps them as lazy as Nix's.
    """

    __slots__ = ("name", "arity", "fn", "forces_arg")

    def __init__(self, name: str, arity: int, fn: Callable[..., Any]) -> None:
        self.name = name
        self.arity = arity
        self.fn = fn
        # registered with ``@primop(forces_arg=True)``: a call may pass the argument evaluated
        self.forces_arg = getattr(fn, "forces_arg", False)

    def call(self, arg: Any) -> Any:
        if self.arity == 1:
            return self.fn(arg)
        return PrimOpApp(self, (arg,))


class PrimOpApp:
    """A builtin applied to fewer arguments than its arity."""

    __slots__ = ("op", "args")

    def __init__(self, op: PrimOp, args: tuple) -> None:
        self.op = op
        self.args = args

    def call(self, arg: Any) -> Any:
        args = self.args + (arg,)
        if len(args) == self.op.arity:
            return self.op.fn(*args)
        return PrimOpApp(self.op, args)


FUNCTION_TYPES = (Lambda, PrimOp, PrimOpApp)


# Current Nix's ``max-call-depth``: [calls in progress, limit]. Every function application
# (a call in the program, or a builtin calling a function) and every level of a deep walk
# (``deepSeq``, ``--strict``, ``toJSON``) counts one while it runs; past the limit evaluation
# stops with Nix's "stack overflow" error instead of exhausting the real stack. One evaluation
# runs at a time in a process; ``EvalState`` sets the limit from its settings.
CALL_DEPTH = [0, 10000]
STACK_OVERFLOW = "stack overflow; max-call-depth exceeded"


def call_function(f: Any, arg: Any) -> Any:
    """Apply a forced value ``f`` to ``arg`` (a value or thunk); returns WHNF. One level of
    ``max-call-depth``, as Nix's ``callFunction``."""
    depth = CALL_DEPTH[0]
    if depth > CALL_DEPTH[1]:
        raise NixError(STACK_OVERFLOW)
    CALL_DEPTH[0] = depth + 1
    try:
        return apply_function(f, arg)
    finally:
        CALL_DEPTH[0] = depth


def apply_function(f: Any, arg: Any) -> Any:
    """``call_function`` for a caller that has counted the call depth itself.

    Sets are callable when they have ``__functor`` (as in Nix).
    """
    t = type(f)
    if t is Lambda:
        lc = f.code
        if lc.formal_names is None:
            return lc.body([f.env, arg])
        return lc.apply(f.env, arg)
    if t is PrimOp or t is PrimOpApp:
        return f.call(arg)
    if isinstance(f, dict) and "__functor" in f:
        functor = force(f["__functor"])
        return call_function(call_function(functor, f), arg)
    raise NixError(f"attempt to call something which is not a function but {show_type(f)}")


def call2(f: Any, a: Any, b: Any) -> Any:
    """``f a b`` for a forced ``f``: the curried call of folds, sorts and attribute maps,
    with plain lambdas applied directly instead of through ``call_function`` twice."""
    if type(f) is Lambda:
        lc = f.code
        if lc.formal_names is None:
            inner = lc.inner
            if inner is not None:  # `x: y: …`: both arguments bound without making `f a`
                if inner.formal_names is None:
                    return inner.body([[f.env, a], b])
                return inner.apply([f.env, a], b)
            g = lc.body([f.env, a])
        else:
            g = lc.apply(f.env, a)
    else:
        g = call_function(f, a)
    if type(g) is Lambda:
        lc = g.code
        if lc.formal_names is None:
            return lc.body([g.env, b])
        return lc.apply(g.env, b)
    return call_function(g, b)


def call2_packed(args: tuple) -> Any:
    """``call2(*args)`` as a thunk's code (its "environment" is the tuple): ``call2``'s body
    again, because this is how every value of ``mapAttrs``/``zipAttrsWith`` is computed."""
    f, a, b = args
    if type(f) is Lambda:
        lc = f.code
        if lc.formal_names is None:
            inner = lc.inner
            if inner is not None:
                if inner.formal_names is None:
                    return inner.body([[f.env, a], b])
                return inner.apply([f.env, a], b)
            g = lc.body([f.env, a])
        else:
            g = lc.apply(f.env, a)
    else:
        g = call_function(f, a)
    if type(g) is Lambda:
        lc = g.code
        if lc.formal_names is None:
            return lc.body([g.env, b])
        return lc.apply(g.env, b)
    return call_function(g, b)


# --------------------------------------------------------------------------- types


def _kind(v: Any) -> str:
    """The one dispatch on a value's Python type: a key of ``_TYPE_NAMES``."""
    t = type(v)
    if t is bool:
        return "bool"
    if t is int:
        return "int"
    if t is str:
        return "string"
    if t is CStr:
        return "string-ctx"
    if t is float:
        return "float"
    if v is None:
        return "null"
    if isinstance(v, dict):
        return "set"
    if t is list:
        return "list"
    if t is NixPath:
        return "path"
    if t is PrimOp:
        return "primop"
    if t is PrimOpApp:
        return "primop-app"
    if t is Lambda:
        return "lambda"
    if t is Thunk:
        return "thunk"
    return "external"


# kind -> (builtins.typeOf, Nix's description in error messages)
_TYPE_NAMES: dict[str, tuple[str | None, str]] = {
    "bool": ("bool", "a Boolean"),
    "int": ("int", "an integer"),
    "string": ("string", "a string"),
    "string-ctx": ("string", "a string with context"),
    "float": ("float", "a float"),
    "null": ("null", "null"),
    "set": ("set", "a set"),
    "list": ("list", "a list"),
    "path": ("path", "a path"),
    "primop": ("lambda", "the built-in function '{}'"),
    "primop-app": ("lambda", "the partially applied built-in function '{}'"),
    "lambda": ("lambda", "a function"),
    "thunk": (None, "a thunk"),
    "external": (None, "an external value"),
}


def type_name(v: Any) -> str:
    """``builtins.typeOf`` of a forced value."""
    name = _TYPE_NAMES[_kind(v)][0]
    if name is None:
        raise TypeError(f"not a Nix value: {v!r}")
    return name


def show_type(v: Any) -> str:
    """Nix's description of a value's type in error messages ("an integer", …)."""
    kind = _kind(v)
    text = _TYPE_NAMES[kind][1]
    if kind == "primop":
        return text.format(v.name)
    if kind == "primop-app":
        return text.format(v.op.name)
    return text


# --------------------------------------------------------------------------- typed forcing


def type_error(v: Any, expected: str) -> NixError:
    return NixError(f"value is {show_type(v)} while {expected} was expected")


def force_int(v: Any) -> int:
    if type(v) is Thunk:
        v = v.val if v.code is None else v.force()
    if type(v) is not int:
        raise type_error(v, "an integer")
    return v


def force_bool(v: Any) -> bool:
    if type(v) is Thunk:
        v = v.val if v.code is None else v.force()
    if type(v) is not bool:
        raise type_error(v, "a Boolean")
    return v


def force_float(v: Any) -> float:
    """Force a number and return it as float (ints are promoted, like Nix)."""
    if type(v) is Thunk:
        v = v.val if v.code is None else v.force()
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    raise type_error(v, "a float")


def force_list(v: Any) -> list:
    if type(v) is Thunk:
        v = v.val if v.code is None else v.force()
    if type(v) is not list:
        raise type_error(v, "a list")
    return v


def force_attrs(v: Any) -> dict:
    if type(v) is Thunk:
        v = v.val if v.code is None else v.force()
    if not isinstance(v, dict):
        raise type_error(v, "a set")
    return v


def force_function(v: Any) -> Any:
    if type(v) is Thunk:
        v = v.val if v.code is None else v.force()
    if type(v) not in FUNCTION_TYPES and not (isinstance(v, dict) and "__functor" in v):
        raise type_error(v, "a function")
    return v


def force_string(v: Any) -> str:
    """Force a value that must be a string (not a path); keeps its context."""
    if type(v) is Thunk:
        v = v.val if v.code is None else v.force()
    if type(v) is not str and type(v) is not CStr:
        raise type_error(v, "a string")
    return v


def force_string_no_ctx(v: Any) -> str:
    """Force a string and insist it has no context (Nix's forceStringNoCtx)."""
    s = force_string(v)
    if type(s) is CStr:
        raise NixError(
            f"the string '{s}' is not allowed to refer to a store path (such as '{sorted(s.ctx)[0]}')"
        )
    return s


def is_derivation(v: Any) -> bool:
    """True for a set whose ``type`` is ``"derivation"``."""
    if not isinstance(v, dict):
        return False
    t = v.get("type")
    if t is None:
        return False
    t = force(t)
    return (type(t) is str or type(t) is CStr) and t == "derivation"


__all__ = [
    "CALL_DEPTH",
    "STACK_OVERFLOW",
    "apply_function",
    "BLACKHOLE",
    "Attrs",
    "CStr",
    "EMPTY_CTX",
    "FUNCTION_TYPES",
    "Lambda",
    "NixError",
    "NixPath",
    "PrimOp",
    "PrimOpApp",
    "ThrownError",
    "Thunk",
    "call2",
    "call_function",
    "ctx_of",
    "force",
    "force_attrs",
    "force_bool",
    "force_float",
    "force_function",
    "force_int",
    "force_list",
    "force_string",
    "force_string_no_ctx",
    "is_derivation",
    "mkstr",
    "show_type",
    "type_error",
    "type_name",
]
