"""List builtins (``map``, ``filter``, ``foldl'``, ``sort``, …) with Nix's laziness."""

from __future__ import annotations

from ..errors import NixError
from ..ops import values_equal
from ..values import (
    Attrs,
    CStr,
    Lambda,
    Thunk,
    call2,
    call_function,
    force,
    force_attrs,
    force_bool,
    force_function,
    force_int,
    force_list,
    force_string,
    lazy_apply,
    set_position,
)
from .registry import primop


def _apply1(env):
    """The code of the thunk ``f x`` that ``map`` and ``genList`` make per item (env: ``(f, x)``)."""
    f, x = env
    if type(f) is Lambda and f.code.formal_names is None:
        return f.code.body([f.env, x])
    return call_function(f, x)


@primop("map")
def map_(f, xs):
    xs = force_list(xs)
    f = force(f)
    return lazy_apply(_apply1, [(f, x) for x in xs])


@primop("__filter")
def filter_(f, xs):
    f = force_function(f)
    xs = force_list(xs)
    out = [x for x in xs if force_bool(call_function(f, x))]
    return xs if len(out) == len(xs) else out


@primop("__elem")
def elem(x, xs):
    return any(values_equal(x, y) for y in force_list(xs))


@primop("__elemAt")
def elemAt(xs, n):
    if type(xs) is not list:  # a list already (a variable's value): no call
        xs = force_list(xs)
    if type(n) is not int:
        n = force_int(n)
    if n < 0 or n >= len(xs):
        raise NixError(f"list index {n} is out of bounds")
    v = xs[n]
    if type(v) is Thunk:
        return v.val if v.code is None else v.force()
    return v


@primop("__head", forces_arg=True)
def head(xs):
    if type(xs) is not list:
        xs = force_list(xs)
    if not xs:
        raise NixError("list index 0 is out of bounds")
    v = xs[0]
    if type(v) is Thunk:
        return v.val if v.code is None else v.force()
    return v


@primop("__tail", forces_arg=True)
def tail(xs):
    if type(xs) is not list:
        xs = force_list(xs)
    if not xs:
        raise NixError("'tail' called on an empty list")
    return xs[1:]


@primop("__length", forces_arg=True)
def length(xs):
    return len(xs if type(xs) is list else force_list(xs))


@primop("__foldl'")
def foldl(op, nul, xs):
    op = force_function(op)
    xs = force_list(xs)
    acc = nul
    if not xs:
        return force(acc)
    for x in xs:
        acc = call2(op, acc, x)
    return acc


@primop("__any")
def any_(f, xs):
    f = force_function(f)
    return any(force_bool(call_function(f, x)) for x in force_list(xs))


@primop("__all")
def all_(f, xs):
    f = force_function(f)
    return all(force_bool(call_function(f, x)) for x in force_list(xs))


@primop("__genList")
def genList(f, n):
    n = force_int(n)
    if n < 0:
        raise NixError(f"cannot create list of size {n}")
    f = force(f)
    return lazy_apply(_apply1, [(f, i) for i in range(n)])


@primop("__sort")
def sort(cmp, xs):
    cmp = force_function(cmp)
    xs = force_list(xs)
    items = [force(x) for x in xs]

    class Key:
        """Python's stable sort asks only ``<``: one call of Nix's lessThan each."""

        __slots__ = ("v",)

        def __init__(self, v):
            self.v = v

        def __lt__(self, other):
            return force_bool(call2(cmp, self.v, other.v))

    return sorted(items, key=Key)


@primop("__partition")
def partition(f, xs):
    f = force_function(f)
    right, wrong = [], []
    for x in force_list(xs):
        (right if force_bool(call_function(f, x)) else wrong).append(x)
    return {"right": right, "wrong": wrong}


@primop("__groupBy")
def groupBy(f, xs):
    f = force_function(f)
    out: dict[str, list] = {}
    for x in force_list(xs):
        k = force_string(call_function(f, x))
        out.setdefault(str(k), []).append(x)
    return out


@primop("__concatLists")
def concatLists(xss):
    out = []
    for xs in force_list(xss):
        out.extend(force_list(xs))
    return out


@primop("__concatMap")
def concatMap(f, xs):
    f = force_function(f)
    out = []
    for x in force_list(xs):
        out.extend(force_list(call_function(f, x)))
    return out


@primop("__listToAttrs")
def listToAttrs(xs):
    out = Attrs()
    out.pos = None
    for item in force_list(xs):
        item = force_attrs(item)
        if "name" not in item:
            raise NixError("attribute 'name' missing for call to 'listToAttrs'", set_position(item))
        try:
            name = force_string(item["name"])
        except NixError as e:  # Nix 2.8 forces the name at its definition
            if e.pos is None:
                e.pos = (getattr(item, "pos", None) or {}).get("name")
            raise
        name = str(name) if type(name) is CStr else name
        if name in out:
            continue
        if "value" not in item:
            raise NixError("attribute 'value' missing for call to 'listToAttrs'", set_position(item))
        out[name] = item["value"]
    return out
