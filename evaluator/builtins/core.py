"""Core builtins: types, control (seq, tryEval, throw), arithmetic, constants."""

from __future__ import annotations

import math
import os
from typing import Any

from ..compiler import arith, function_args
from ..errors import NO_POS, Abort, AssertionFailed, NixError, ThrownError
from ..integers import INT_MAX, INT_MIN
from ..ops import coerce_to_string, format_float, less_than
from ..values import (
    CALL_DEPTH,
    FUNCTION_TYPES,
    STACK_OVERFLOW,
    CStr,
    Lambda,
    NixPath,
    PrimOp,
    PrimOpApp,
    Thunk,
    call_function,
    force,
    force_attrs,
    force_float,
    force_int,
    force_list,
    force_string_no_ctx,
    mkstr,
    set_position,
    type_name,
)
from .registry import constant, primop

# ------------------------------------------------------------------ types


@primop("__typeOf", forces_arg=True)
def typeOf(v):
    return type_name(force(v))


@primop("isNull", forces_arg=True)
def isNull(v):
    return force(v) is None


@primop("__isFunction", forces_arg=True)
def isFunction(v):
    return type(force(v)) in FUNCTION_TYPES


@primop("__isInt", forces_arg=True)
def isInt(v):
    return type(force(v)) is int


@primop("__isFloat", forces_arg=True)
def isFloat(v):
    return type(force(v)) is float


@primop("__isString", forces_arg=True)
def isString(v):
    t = type(force(v))
    return t is str or t is CStr


@primop("__isBool", forces_arg=True)
def isBool(v):
    return type(force(v)) is bool


@primop("__isPath", forces_arg=True)
def isPath(v):
    return type(force(v)) is NixPath


@primop("__isAttrs", forces_arg=True)
def isAttrs(v):
    if type(v) is Thunk:  # force() inline: the type tests are among the most called builtins
        v = v.val if v.code is None else v.force()
    return isinstance(v, dict)


@primop("__isList", forces_arg=True)
def isList(v):
    if type(v) is Thunk:
        v = v.val if v.code is None else v.force()
    return type(v) is list


# ------------------------------------------------------------------ control


@primop("throw", needs_state=True)
def throw(st, msg):
    s = coerce_to_string(msg, set(), False, st)
    raise ThrownError(s, NO_POS)  # Nix 2.8 reports throw without a location


@primop("abort", needs_state=True)
def abort(st, msg):
    s = coerce_to_string(msg, set(), False, st)
    raise Abort(f"evaluation aborted with the following error message: '{s}'", NO_POS)


@primop("__addErrorContext", needs_state=True)
def addErrorContext(st, ctx, v):
    try:
        return force(v)
    except NixError as e:
        try:
            e.add_trace(None, coerce_to_string(ctx, set(), False, st))
        except NixError:
            pass
        raise


@primop("__tryEval")
def tryEval(v):
    try:
        r = force(v)
    except (ThrownError, AssertionFailed):
        return {"value": False, "success": False}
    return {"value": r, "success": True}


@primop("__seq")
def seq(a, b):
    force(a)
    return force(b)


def force_deep(v: Any) -> None:
    """Force a value and everything inside it, iteratively (no Python recursion).

    Each level of nesting is one level of ``max-call-depth`` (current Nix's
    ``forceValueDeep``), and a thunk is forced at its own level's depth.
    """
    seen: set[int] = set()
    base = CALL_DEPTH[0]
    limit = CALL_DEPTH[1]
    stack = [(v, base)]
    try:
        while stack:
            x, depth = stack.pop()
            if depth > limit:
                raise NixError(STACK_OVERFLOW)
            if type(x) is Thunk:
                CALL_DEPTH[0] = depth + 1
                x = x.force()
            t = type(x)
            if t is list:
                if id(x) in seen:
                    continue
                seen.add(id(x))
                stack.extend((item, depth + 1) for item in reversed(x))
            elif isinstance(x, dict):
                if id(x) in seen:
                    continue
                seen.add(id(x))
                stack.extend((item, depth + 1) for item in reversed(list(x.values())))
    finally:
        CALL_DEPTH[0] = base


@primop("__deepSeq")
def deepSeq(a, b):
    force_deep(a)
    return force(b)


@primop("__trace")
def trace(msg, v):
    from ..errors import write_stderr
    from ..printer import print_value

    m = force(msg)
    if type(m) is str or type(m) is CStr:
        text = str(m)
    else:
        text = print_value(m)
    write_stderr(f"trace: {text}")
    return force(v)


@primop("__genericClosure")
def genericClosure(args):
    args = force_attrs(args)
    if "startSet" not in args:
        raise NixError("attribute 'startSet' missing for call to 'genericClosure'", set_position(args))
    if "operator" not in args:
        raise NixError("attribute 'operator' missing for call to 'genericClosure'", set_position(args))
    work = list(force_list(args["startSet"]))
    op = force(args["operator"])
    res = []
    done: list[Any] = []
    done_fast: set[Any] = set()
    key_kind: Any = None
    first_key: Any = None
    i = 0
    while i < len(work):
        e = force_attrs(work[i])
        i += 1
        if "key" not in e:
            raise NixError("attribute 'key' required")
        key = force(e["key"])
        hk = _hashable_key(key)
        kind = hk[0] if hk is not None else type(key)
        if key_kind is None:
            key_kind, first_key = kind, key
        elif kind != key_kind:
            less_than(first_key, key)  # raises Nix's "cannot compare … with …"
        if hk is not None:
            if hk in done_fast:
                continue
            done_fast.add(hk)
        else:
            if any(not less_than(key, d) and not less_than(d, key) for d in done):
                continue
            done.append(key)
        res.append(e)
        for item in force_list(call_function(op, e)):
            work.append(force(item))
    return res


def _hashable_key(k: Any) -> Any:
    t = type(k)
    if t is int or t is float:
        return ("n", k)
    if t is str or t is CStr:
        return ("s", str(k))
    if t is NixPath:
        return ("p", k.path)
    return None


@primop("__functionArgs")
def functionArgs(f):
    f = force(f)
    if type(f) is Lambda:
        return function_args(f)
    if type(f) is PrimOp or type(f) is PrimOpApp:
        return {}
    raise NixError("'functionArgs' requires a function")


# ------------------------------------------------------------------ arithmetic


@primop("__add")
def add(a, b):
    a = force(a)
    b = force(b)
    if type(a) is float or type(b) is float:
        return force_float(a) + force_float(b)
    x = force_int(a)
    y = force_int(b)
    r = x + y
    if not INT_MIN <= r <= INT_MAX:  # current Nix (rl-2.24); Nix 2.8 wrapped around
        raise NixError(f"integer overflow in adding {x} + {y}")
    return r


@primop("__sub")
def sub(a, b):
    return arith("-", force(a), force(b))


@primop("__mul")
def mul(a, b):
    return arith("*", force(a), force(b))


@primop("__div")
def div(a, b):
    return arith("/", force(a), force(b))


@primop("__bitAnd")
def bitAnd(a, b):
    return force_int(a) & force_int(b)


@primop("__bitOr")
def bitOr(a, b):
    return force_int(a) | force_int(b)


@primop("__bitXor")
def bitXor(a, b):
    return force_int(a) ^ force_int(b)


@primop("__lessThan")
def lessThan(a, b):
    return less_than(a, b)


@primop("__ceil")
def ceil(v):
    return int(math.ceil(force_float(v)))


@primop("__floor")
def floor(v):
    return int(math.floor(force_float(v)))


# ------------------------------------------------------------------ strings of values


@primop("toString")
def toString(v):
    ctx: set[str] = set()
    s = coerce_to_string(v, ctx, coerce_more=True, copy_to_store=False)
    return mkstr(s, ctx)


@primop("__getEnv", needs_state=True)
def getEnv(st, name):
    key = force_string_no_ctx(name)
    if st.settings.pure_eval:  # current Nix's pure mode sees no environment
        return ""
    return os.environ.get(key, "")


# ------------------------------------------------------------------ constants


@constant("true")
def _true():
    return True


@constant("false")
def _false():
    return False


@constant("null")
def _null():
    return None


@constant("__currentSystem", needs_state=True)
def currentSystem(st):
    return st.system


@constant("__currentTime")
def currentTime():
    import time

    return int(time.time())


# The Nix release whose language pydock implements in full (see README "Nix versions"): it
# has every builtin and behaviour of Nix 2.18, plus newer builtins and behaviour (integer
# overflow errors, max-call-depth, blake3), but not all of a later release (strings with NUL
# bytes are still accepted, and JSON/TOML numbers out of range are not refused). 2.18 is also
# the oldest Nix that current nixpkgs accepts (lib/minfeatures.nix).
NIX_VERSION = "2.18.0"


@constant("__nixVersion")
def nixVersion():
    return NIX_VERSION


@constant("__langVersion")
def langVersion():
    return 6


@constant("__storeDir", needs_state=True)
def storeDir(st):
    return st.store_dir


@constant("__nixPath", needs_state=True)
def nixPath(st):
    return [{"path": p, "prefix": prefix} for prefix, p in st.search_path]


__all__ = ["force_deep", "format_float"]
